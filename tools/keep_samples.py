"""`[run] keep_samples = false`: the written form of a DiffReport without any data value.

A DiffReport carries values in its row samples (only_in_source, only_in_target, changed) and
in the free text of its diagnoses ("e.g. 'Zoë' vs 'Zoe'"). The run keeps the whole report in
memory for the fixer; what reaches the run folder (artifacts, report, trace, checkpoints
through the attempt's summary) is this copy: counts, column names, types, causes and numeric
deviations only.
"""

from __future__ import annotations

from tools.diff.report import DiffReport


def without_values(report: DiffReport) -> DiffReport:
    """A copy of `report` with every data value removed; the figures and causes stay."""
    columns = [c.model_copy(update={"diagnosis": None}) for c in report.columns]
    diagnosis = [d.model_copy(update={"detail": _value_free(d.cause, d.columns)})
                 for d in report.diagnosis]
    return report.model_copy(update={
        "only_in_source": [], "only_in_target": [], "changed": [], "columns": columns,
        "diagnosis": diagnosis, "evidence": {"samples": "not kept ([run] keep_samples)"}})


def _value_free(cause: str, columns: list[str]) -> str:
    where = f" in {', '.join(columns)}" if columns else ""
    return f"{cause}{where} (details not kept: [run] keep_samples = false)"
