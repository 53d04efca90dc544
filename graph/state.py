"""The run's state: what the nodes write and read. Nodes talk only through this.

Every value is plain JSON-able data (TypedDicts, lists, strings, numbers) so the SQLite
checkpointer can store it and a killed run can resume in a new process. Secrets never live
here: connection URLs stay in the Context.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal, TypedDict

Verdict = Literal[
    "parity",
    "parity_with_tolerance",
    "mismatch",
    "compile_error",
    "unsupported",
    "parse_error",  # issue 14: a SQL syntax error in the source codebase (file:line:col)
    "blocked",
    "skipped",
]
FINAL_VERDICTS: frozenset[str] = frozenset(Verdict.__args__)  # type: ignore[attr-defined]

ObjectKind = Literal["view", "table_as_select", "insert_select", "query"]


class ObjectSpec(TypedDict):
    """One migratable object found in the codebase (written by planner)."""

    name: str
    kind: ObjectKind
    file: str
    line: int
    source_sql: str
    """The whole statement as written, in the source dialect."""
    select_sql: str
    """Its query body in the source dialect (what runs on the source, read-only)."""
    source_query: str
    """select_sql with codebase-only dependencies inlined, ready to run on the source."""
    insert_into: str | None
    depends_on: list[str]
    reads_tables: list[str]
    ordered: bool
    """True when the query ends in ORDER BY: rows are then compared as an ordered list."""
    order_by: list[str]
    """Result columns of that ORDER BY, so ties can be told apart from a wrong order."""
    problem: str | None
    """Set by the planner when the object cannot be migrated (parse error, missing table)."""
    problem_verdict: Verdict | None


class CompileResult(TypedDict):
    """What compiler_checker found for one candidate."""

    ok: bool
    error_kind: str | None
    error: str | None
    statement: str | None
    seconds: float


class Attempt(TypedDict):
    """One candidate tried for an object, with why it was made and how it fared."""

    number: int
    origin: str
    """'translate', 'rule:<id>', 'llm' or 'llm-translate'."""
    reason: str
    sql: str
    compile: CompileResult | None
    diff_summary: str | None
    diff_score: float | None
    """Share of source rows matched exactly by the target (1.0 = parity); None when not diffed."""
    diff_artifact: str | None
    """The attempt's DiffReport file, relative to the run folder."""
    verdict: str | None


class ObjectResult(TypedDict):
    """Progress and outcome of one object (written by translator, compiler_checker,
    data_differ and fixer)."""

    name: str
    status: str
    """'translating', 'compiled', 'compile_failed', 'diff_mismatch', or a final Verdict."""
    candidate_sql: str | None
    attempts: list[Attempt]
    rules_tried: list[str]
    diff: dict[str, Any] | None
    """The last DiffReport as a dict (tools.diff.report.DiffReport)."""
    diff_artifact: str | None
    error: str | None
    llm_calls: int
    tokens: int
    seconds: float
    fixed_by: list[str]
    """Origins of the attempts that changed the outcome (empty when the translation was right)."""


class TableInfo(TypedDict):
    """A base table on the source (planner)."""

    name: str
    columns: list[dict[str, Any]]
    """[{name, type (as declared), canonical, nullable}]"""
    primary_key: list[str]
    row_count: int


class LoadResult(TypedDict):
    """Loader outcome for one base table."""

    table: str
    rows_source: int
    rows_target: int
    seconds: float
    ok: bool
    error: str | None


def merge_results(
    left: dict[str, ObjectResult], right: dict[str, ObjectResult]
) -> dict[str, ObjectResult]:
    """Nodes return only the objects they touched; merge them into the map."""
    merged = dict(left or {})
    merged.update(right or {})
    return merged


def add_int(left: int, right: int) -> int:
    return (left or 0) + (right or 0)


class MigrationState(TypedDict, total=False):
    """The state of one migration run."""

    objects: dict[str, ObjectSpec]
    """planner: every object, by name."""
    order: list[str]
    """planner: object names in dependency order."""
    base_tables: list[TableInfo]
    """planner: source tables the objects read."""
    plan_notes: list[str]
    """planner: warnings about the codebase (cycles, missing tables, parse errors)."""
    max_attempts: int
    """planner: the per-object attempt limit, copied from Context so routers stay pure."""
    loaded: list[LoadResult]
    """loader: one entry per base table."""
    load_error: str | None
    """loader: set when the base tables could not be made available; every object is blocked."""
    current: str | None
    """translator: the object the per-object loop is working on."""
    results: Annotated[dict[str, ObjectResult], merge_results]
    """translator, compiler_checker, data_differ, fixer: per-object progress."""
    llm_tokens: Annotated[int, add_int]
    """translator, fixer: tokens used by LLM calls in this run."""
    llm_calls: Annotated[int, add_int]
    """translator, fixer: number of LLM calls in this run."""
    report_paths: dict[str, str]
    """reporter: written report files."""
