"""The differ's verdict and its evidence, as pydantic models (stored in state as plain dicts).

A report must always explain itself: counts say how much differs, samples show which rows,
and `diagnosis` says why, in words a reviewer can act on.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, Field

from tools.records import (
    Cause,  # noqa: F401 (re-exported: the one spelling)
    DiffVerdict,
)


class ColumnDiff(BaseModel):
    """Column-level figures over the rows present on both sides."""

    name: str
    source_type: str
    target_type: str
    compared: int
    """Row pairs compared (rows present on both sides)."""
    mismatched: int
    """Pairs whose values differ beyond tolerance (NULL on one side only included)."""
    match_rate: float
    max_abs_diff: float | None = None
    """Largest |source-target| over finite numeric pairs (None for non-numeric columns)."""
    max_rel_diff: float | None = None
    """Largest |source-target|/|source| over finite pairs with source != 0."""
    null_mismatches: int = 0
    diagnosis: str | None = None
    """One line, e.g. "target = source x 1.5 on 12 rows (integer division?)"."""


class Diagnosis(BaseModel):
    """One likely cause, with the evidence in a plain-English line."""

    cause: str
    """One of the `Cause` literals."""
    columns: list[str] = Field(default_factory=list)
    detail: str


class DiffReport(BaseModel):
    """Outcome of comparing one source result with one target result."""

    verdict: DiffVerdict
    mode: Literal["keyed", "multiset", "ordered"]
    key: list[str] | None = None
    key_inferred: bool = False
    vacuous: bool = False
    """Both sides empty: parity, but the comparison proves nothing."""
    nondeterministic: bool = False
    """Differences are explained by ties in the declared ORDER BY (order or LIMIT cut)."""
    rows_source: int
    rows_target: int
    rows_matched: int
    """Rows equal (within tolerance) on both sides."""
    score: float
    """rows_matched / max(rows_source, rows_target, 1); 1.0 at parity."""
    columns_source: list[str]
    columns_target: list[str]
    missing_columns: list[str] = Field(default_factory=list)
    extra_columns: list[str] = Field(default_factory=list)
    type_differences: dict[str, tuple[str, str]] = Field(default_factory=dict)
    columns: list[ColumnDiff] = Field(default_factory=list)
    only_in_source: list[dict] = Field(default_factory=list)
    only_in_target: list[dict] = Field(default_factory=list)
    changed: list[dict] = Field(default_factory=list)
    """Sample cells: {"key": {...}, "column": c, "source": v, "target": v}."""
    only_in_source_count: int = 0
    only_in_target_count: int = 0
    changed_count: int = 0
    """Rows present on both sides that differ in at least one column."""
    diagnosis: list[Diagnosis] = Field(default_factory=list)
    engine: str = "duckdb"
    seconds: float = 0.0
    evidence: dict[str, Any] = Field(default_factory=dict)
    """How the algorithm reached the verdict (checksum: segments per level, rows fetched)."""

    def summary(self) -> str:
        """One line for logs and the console."""
        head = f"{self.verdict}: {self.rows_source} vs {self.rows_target} rows"
        if self.vacuous:
            return f"{head} (vacuous: both sides empty)"
        parts: list[str] = []
        if self.missing_columns or self.extra_columns:
            parts.append(f"columns missing {self.missing_columns} extra {self.extra_columns}")
        if self.only_in_source_count:
            parts.append(f"{self.only_in_source_count} only in source")
        if self.only_in_target_count:
            parts.append(f"{self.only_in_target_count} only in target")
        for col in self.columns:
            if col.mismatched:
                note = f" ({col.diagnosis})" if col.diagnosis else ""
                parts.append(f"{col.mismatched} changed in {col.name}{note}")
        if "ordering" in self.causes():
            parts.append("row order differs")
        if self.nondeterministic:
            parts.append("non-deterministic (ties in ORDER BY)")
        return head + (", " + ", ".join(parts) if parts else "")

    def causes(self) -> set[str]:
        return {d.cause for d in self.diagnosis}
