"""Prove each built model: the model's table on the target against the source object's result
on the source (read-only, through the guard), compared by the same differ as every object."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pyarrow as pa

from tools.artifacts import write_artifact
from tools.db.base import Adapter
from tools.dbt.records import DbtModel, ModelOutcome
from tools.diff.compare import compare
from tools.errors import CutoverError
from tools.secrets import Redactor


def diff_model(model: DbtModel, outcome: ModelOutcome, *, source: Adapter, target: Adapter,
               schema: str, run_dir: Path, tolerances: dict[str, Any], default_float: Any,
               redactor: Redactor | None, expected: pa.Table | None = None) -> None:
    """Fill the outcome's verdict, summary and diff artifact. The expected rows are the source
    object's result, or `expected` (what a procedure left on its scratch copy)."""
    if model.source_query is None and expected is None:
        outcome.verdict = "skipped"
        return
    try:
        if expected is None:
            expected = source.read_arrow(model.source_query or "")
        built = target.read_arrow(f"SELECT * FROM {target.quote(schema)}."
                                  f"{target.quote(model.name)}")
    except CutoverError as exc:
        outcome.verdict, outcome.error = "blocked", f"could not read both sides: {exc}"
        return
    kwargs: dict[str, Any] = {"tolerances": tolerances}
    if default_float is not None:
        kwargs["default_float"] = default_float
    key = [c.name for c in model.columns if c.unique and c.not_null][:1] or None
    report = compare(expected, built, key=key, ordered=False, **kwargs)
    data = report.model_dump(mode="json")
    outcome.verdict = report.verdict
    outcome.diff_summary = report.summary()
    outcome.diff_artifact = write_artifact(run_dir, f"dbt_{model.name}", "diff.json", data,
                                           redactor)
