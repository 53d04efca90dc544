"""The shared vocabulary of a run, at the bottom of the import stack.

Every layer (tools, agents, graph, evals, cutover) reads verdicts, causes, tolerances and the
per-object records from here, so each is spelled once. This module imports nothing of Cutover
at run time. The per-object records are TypedDicts of plain data, because the outer graph's
checkpoints store them; the one exception is `Attempt.diff`, the typed DiffReport, which lives
only inside the per-object subgraph (never checkpointed) and is dropped from the outcome.
`Report` (pydantic) is the model of report.json.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal, NotRequired, TypedDict

from pydantic import BaseModel, Field

if TYPE_CHECKING:
    from tools.diff.report import DiffReport


class Verdict(StrEnum):
    """The final word on one object. A StrEnum: it compares and serialises as its string."""

    PARITY = "parity"
    PARITY_WITH_TOLERANCE = "parity_with_tolerance"
    MISMATCH = "mismatch"
    COMPILE_ERROR = "compile_error"
    UNSUPPORTED = "unsupported"
    PARSE_ERROR = "parse_error"
    """A SQL syntax error in the source codebase (file:line:col): the user's to fix."""
    BLOCKED = "blocked"
    SKIPPED = "skipped"

    @property
    def is_parity(self) -> bool:
        """The data proved the candidate right (exactly, or within the declared tolerance)."""
        return self in (Verdict.PARITY, Verdict.PARITY_WITH_TOLERANCE)

    @property
    def is_final(self) -> bool:
        """Every verdict is final; kept so callers holding a string can ask `Verdict.final(s)`."""
        return True

    @property
    def absent_on_target(self) -> bool:
        """After this verdict the object does not exist on the target: dependants cannot run."""
        return self in (Verdict.COMPILE_ERROR, Verdict.UNSUPPORTED, Verdict.PARSE_ERROR,
                        Verdict.BLOCKED, Verdict.SKIPPED)

    @classmethod
    def final(cls, status: str | None) -> bool:
        """True when `status` is a verdict (and not a loop phase or 'pending')."""
        return status in cls._value2member_map_

    @classmethod
    def parity(cls, status: str | None) -> bool:
        return status is not None and cls.final(status) and cls(status).is_parity


DiffVerdict = Literal[Verdict.PARITY, Verdict.PARITY_WITH_TOLERANCE, Verdict.MISMATCH]
"""The verdicts a data diff can reach on its own (tools.diff.report.DiffReport.verdict)."""

VERDICT_ORDER: tuple[Verdict, ...] = tuple(Verdict)
"""The order verdicts are counted and shown in (report counts, summaries)."""

Cause = Literal[
    "integer_division",
    "ratio",
    "rounding",
    "precision",
    "case",
    "whitespace",
    "nulls",
    "ordering",
    "missing_rows",
    "extra_rows",
    "duplicates",
    "type",
    "truncation",
    "columns",
    "values",
    "nondeterministic",
    "names",  # informational: report-query columns compared by position under other names
]
"""Why a diff found what it found (DiffReport.diagnosis[].cause); the fixer's rules key on it."""

ObjectKind = Literal["view", "table_as_select", "insert_select", "query"]

Retry = Literal["transient", "timeout", "infra", "llm_unreachable"]
"""Why an object's verdict is resumable rather than final (ObjectOutcome.retry): a transient
database failure (also retried once within the run, after a reconnect), a statement timeout,
other infrastructure, or an LLM endpoint that failed (HTTP 5xx/429, timeout, refused)."""




@dataclass(frozen=True)
class Tolerance:
    """Allowed deviation for a float/decimal column: |a-b| <= abs_tol + rel_tol*|a|."""

    abs_tol: float = 0.0
    rel_tol: float = 0.0


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
    answers_columns: NotRequired[bool]
    """data_differ: False when the result lacks the object's columns or has others (count, or
    names for views and tables): such a candidate (`SELECT 1 AS parity`) answers another
    question and never becomes the best attempt, however many rows it matches."""
    diff: DiffReport | None
    """data_differ: this attempt's own typed DiffReport (inside the subgraph only; the outcome
    keeps diff_artifact instead, so checkpoints stay small)."""


class ObjectOutcome(TypedDict):
    """What the per-object subgraph hands back to the run: one per object, written once."""

    name: str
    verdict: Verdict
    candidate_sql: str | None
    """The candidate the verdict belongs to (the best one when the fixer gave up)."""
    attempts: list[Attempt]
    """Every candidate in order, each with `diff` dropped (see diff_artifact)."""
    rules_tried: list[str]
    diff_artifact: str | None
    """The final DiffReport file (relative to the run folder); the report reads it back."""
    error: str | None
    llm_calls: int
    tokens: int
    seconds: float
    fixed_by: list[str]
    """Origins of the attempts that each improved on all before them, when the object ended at
    parity (empty when the translation was right)."""
    retry: NotRequired[Retry | None]
    """Set when the verdict is not final: the object ended for a cause outside its SQL (a lost
    connection, a timeout, an unreachable LLM) and `cutover run --resume` runs it again."""


def attempt_score(attempt: Attempt) -> float:
    """Order attempts: a compile failure is worst, a compiled-but-wrong one is scored by the
    share of rows it matched."""
    if attempt.get("answers_columns") is False:
        return -2.0  # answers another question: never the best, even over a compile error
    if attempt["compile"] is None or not attempt["compile"]["ok"]:
        return -1.0
    return attempt["diff_score"] if attempt["diff_score"] is not None else 0.0


def fixed_by(attempts: list[Attempt]) -> list[str]:
    """Origins of the attempts that each improved on everything before them."""
    best: float | None = None
    steps: list[str] = []
    for attempt in attempts:
        score = attempt_score(attempt)
        if best is not None and score > best:
            steps.append(attempt["origin"])
        best = score if best is None else max(best, score)
    return steps


def plain_attempt(attempt: Attempt) -> Attempt:
    """The attempt without its in-memory DiffReport (what outcomes and reports keep)."""
    return Attempt(**{**attempt, "diff": None})


def as_json(value: Any) -> Any:
    """Verdict members as their strings, recursively: what the checkpointer and JSON store."""
    if isinstance(value, Verdict):
        return value.value
    if isinstance(value, dict):
        return {k: as_json(v) for k, v in value.items()}
    if isinstance(value, list):
        return [as_json(v) for v in value]
    return value


class ReportObject(BaseModel):
    """One object in report.json."""

    name: str
    kind: ObjectKind
    file: str
    line: int
    verdict: Verdict
    attempts: int
    seconds: float
    needed_fixer: bool
    fixed_by: list[str]
    depends_on: list[str]
    source_sql: str
    final_sql: str | None
    error: str | None
    llm_calls: int
    tokens: int
    attempt_log: list[dict[str, Any]]
    """Every Attempt (without its in-memory DiffReport)."""
    diff: dict[str, Any] | None
    """The DiffReport of the candidate the verdict belongs to."""
    diff_artifact: str | None
    attempt_diffs: list[dict[str, Any]]
    """{attempt, origin, diff} for every attempt that was diffed."""
    llm_transcripts: list[dict[str, Any]] = Field(default_factory=list)
    """The object's LLM conversations (redacted): summary and rendered text."""


class LLMSpend(BaseModel):
    calls: int
    tokens: int
    cost: float = 0.0
    """From [llm] price_per_mtok; 0 when no price is configured."""


class Report(BaseModel):
    """The model of report.json: written by the reporter, read back with Report.load."""

    run_id: str
    project: str
    source: dict[str, Any]
    target: dict[str, Any]
    engine: str
    finished: str
    seconds: float
    counts: dict[str, int]
    """Objects per verdict, every verdict present, in VERDICT_ORDER."""
    total: int
    needed_fixer: int
    llm: LLMSpend
    base_tables: list[dict[str, Any]]
    load_error: str | None
    plan_notes: list[str]
    objects: list[ReportObject]
    dbt: dict[str, Any] | None = None
    """The dbt project's build and proof (tools/dbt), when the run wrote one."""

    @classmethod
    def load(cls, path: Path) -> Report:
        return cls.model_validate_json(path.read_text(encoding="utf-8"))

    def as_json(self) -> dict[str, Any]:
        """The plain dict form (what report.json holds and dict-reading renderers take)."""
        return self.model_dump(mode="json")
