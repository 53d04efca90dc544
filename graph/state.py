"""The run's two states: the outer MigrationState (one change per object) and the per-object
ObjectState of the subgraph (one change per step, never checkpointed).

The outer state is plain JSON-able data (TypedDicts, lists, strings, numbers) so the SQLite
checkpointer can store it and a killed run can resume in a new process. Secrets never live
here: connection URLs stay in the Context. The records themselves live in tools/records.py.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal, TypedDict

from tools.records import Attempt, ObjectOutcome, ObjectSpec, Retry, Verdict


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


def merge_outcomes(left: dict[str, ObjectOutcome],
                   right: dict[str, ObjectOutcome | None]) -> dict[str, ObjectOutcome]:
    """Each migrate task returns the one outcome it made; merge them into the map. None removes
    an outcome: a resumed run reopens the objects whose verdict was not final."""
    merged = dict(left or {})
    for name, outcome in (right or {}).items():
        if outcome is None:
            merged.pop(name, None)
        else:
            merged[name] = outcome
    return merged


def add_int(left: int, right: int) -> int:
    return (left or 0) + (right or 0)


class MigrationState(TypedDict, total=False):
    """The state of one migration run (the outer graph: planner → loader → migrate → reporter)."""

    objects: dict[str, ObjectSpec]
    """planner: every object, by name."""
    order: list[str]
    """planner: object names in dependency order."""
    base_tables: list[TableInfo]
    """planner: source tables the objects read."""
    plan_notes: list[str]
    """planner: warnings about the codebase (cycles, missing tables, parse errors)."""
    loaded: list[LoadResult]
    """loader: one entry per base table."""
    load_error: str | None
    """loader: set when the base tables could not be made available; every object is blocked."""
    outcomes: Annotated[dict[str, ObjectOutcome], merge_outcomes]
    """migrate: one ObjectOutcome per finished object (the subgraph's output)."""
    llm_tokens: Annotated[int, add_int]
    """migrate: tokens used by LLM calls in this run."""
    llm_calls: Annotated[int, add_int]
    """migrate: number of LLM calls in this run."""
    report_paths: dict[str, str]
    """reporter: written report files."""


Phase = Literal["translated", "compiled", "compile_failed", "mismatch"]
"""Where an object is inside its loop; a Verdict (not a phase) says it is done."""


class ObjectState(TypedDict, total=False):
    """The state of one object's subgraph (translator → compiler_checker → data_differ → fixer)."""

    spec: ObjectSpec
    """input: the object."""
    blocked: str | None
    """input: why the object cannot run at all (planner problem, failed load, a dependency
    absent on the target); set by the outer router from the verdicts so far."""
    tables: list[TableInfo]
    """input: the source base tables it reads, also through codebase views (the rules' schema
    and the LLM's)."""
    objects: dict[str, ObjectSpec]
    """input: the codebase objects it reads, directly or through others (the LLM's context)."""
    dep_verdicts: dict[str, str]
    """input: the verdict of each object this one depends on."""
    llm_tokens_before: int
    """input: LLM tokens the run had used when this object started (the run's budget)."""
    phase: Phase
    """translator, compiler_checker, data_differ: where the loop is."""
    verdict: Verdict | None
    """any node: the final verdict; set once, it ends the subgraph."""
    attempts: list[Attempt]
    """translator, fixer: the candidates (compiler_checker and data_differ fill in the last)."""
    fix_rounds: int
    """fixer: times the fixer ran (the loop counter; Context.max_attempts bounds it)."""
    rules_tried: list[str]
    """fixer: rule ids already tried."""
    candidate_sql: str | None
    """translator, fixer: the candidate now in the sandbox."""
    error: str | None
    """any node: the last problem, in words."""
    retry: Retry | None
    """any node: set with a verdict that is not final (infrastructure, an unreachable LLM)."""
    llm_calls: int
    """translator, fixer: LLM calls for this object."""
    tokens: int
    """translator, fixer: LLM tokens for this object."""
    seconds: float
    """every node: time spent on this object."""


class ObjectOutput(TypedDict):
    """What the subgraph returns to the outer graph."""

    outcome: ObjectOutcome
