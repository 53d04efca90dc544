"""Typed records of the dbt export: what a model is, what the build and the diff made of it."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Literal

Layer = Literal["staging", "intermediate", "marts"]
Materialization = Literal["view", "table", "incremental", "ephemeral"]


@dataclass
class ColumnFacts:
    """One model column: its target type and what is provably true of it (drives the tests)."""

    name: str
    data_type: str | None = None
    not_null: bool = False
    unique: bool = False
    references: tuple[str, str] | None = None
    """(model, column) this column's values come from (a foreign key on the source)."""


@dataclass
class DbtModel:
    """One model of the project, planned from a source table or a migrated object."""

    name: str
    layer: Layer
    materialized: Materialization
    sql: str
    """The model file's body: config block, import CTEs, final select (target dialect)."""
    columns: list[ColumnFacts] = field(default_factory=list)
    depends_on: list[str] = field(default_factory=list)
    """Models this one refs (the DAG's edges)."""
    source_object: str | None = None
    """The migrated object it stands for (None for staging models over source tables)."""
    source_query: str | None = None
    """What runs on the source to give the expected result (the diff's left side)."""
    unique_key: list[str] = field(default_factory=list)
    description: str = ""
    precondition: str | None = None
    """What the model asserts of the data to be exact (tools/procedures/checks): at parity,
    the verdict holds under it; where it fails, the model raises an error instead."""


@dataclass
class ModelOutcome:
    """A model after `dbt build` and the diff."""

    name: str
    layer: str
    materialized: str
    build_status: str
    """dbt's status for the model ('success', 'error', 'skipped', or 'not built')."""
    tests_passed: int = 0
    tests_failed: int = 0
    verdict: str = "skipped"
    """The differ's verdict against the source object ('parity', 'mismatch', ...)."""
    diff_summary: str | None = None
    diff_artifact: str | None = None
    """Relative to the run folder."""
    error: str | None = None
    precondition: str | None = None
    """DbtModel.precondition: what a parity verdict was checked under."""
    reason: str | None = None
    """Why the model has no verdict of its own (a translate-only target: not built)."""


@dataclass
class DbtOutcome:
    """The dbt section of a run's report."""

    project_dir: str
    adapter: str
    schema: str
    ok: bool
    build_seconds: float
    models: list[ModelOutcome] = field(default_factory=list)
    left_out: list[dict[str, str]] = field(default_factory=list)
    """Objects of the run that are not models, with the reason."""
    build_log: str = ""
    dag_svg: str = ""
    error: str | None = None
    built: bool = True
    """False for a translate-only target: the project was written, dbt build was not run."""
    how_to_build: str = ""
    """Where it was not built: the command that builds it, and what it needs."""

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass
class DbtRequest:
    """Everything the export needs from a finished run (plain data: no graph types)."""

    project: str
    out_dir: Path
    run_dir: Path
    source_url: str
    source_dialect: str
    target_url: str
    target_dialect: str
    sandbox: str
    """The run's sandbox schema on the target: where the loader put the base tables."""
    objects: Mapping[str, Mapping[str, Any]]
    """The planner's ObjectSpecs by name."""
    order: Sequence[str]
    results: Mapping[str, Mapping[str, Any]]
    """The run's ObjectResults by name (verdict in 'status', final SQL in 'candidate_sql')."""
    base_tables: Sequence[Mapping[str, Any]]
    foreign_keys: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    """table -> [{columns, referred_table, referred_columns}] read from the source catalog."""
    tolerances: dict[str, Any] = field(default_factory=dict)
    default_float: Any = None
    routine_definitions: list[str] = field(default_factory=list)
    """CREATE PROCEDURE / FUNCTION texts read from the source catalog ([source] include)."""
    procedure_args: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)
    """procedure -> parameter -> SQL literal: the invocation a procedure is proven with."""
