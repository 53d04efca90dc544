"""data_differ: run the object on the source (read-only) and the candidate on the target,
compare the results at dataset, column and row level, and record the DiffReport.

The verdict comes from here — the data — never from a language model. The source result is
read once per object and run (cached as Arrow in the run folder, see tools.source_cache) and
reused by every attempt, including after a resume.
"""

from __future__ import annotations

import time
from typing import Any

import pyarrow as pa
from langgraph.runtime import Runtime

from agents.object_progress import add_seconds, failed_compile, finished, last_attempt
from graph.context import Context
from graph.state import ObjectState
from tools.artifacts import write_artifact
from tools.db.failures import retry_cause
from tools.diff.compare import compare
from tools.diff.report import Diagnosis
from tools.errors import ConnectionLost, CutoverError
from tools.keep_samples import without_values
from tools.records import Verdict
from tools.source_cache import read_source_once


def data_differ(state: ObjectState, runtime: Runtime[Context]) -> dict[str, Any]:
    ctx = runtime.context
    spec = state["spec"]
    name = spec["name"]
    attempts, attempt = last_attempt(state)
    start = time.perf_counter()
    try:
        source_rows = read_source_once(ctx.run_dir, name, spec["source_query"], ctx.source,
                                       ctx.tracer, cache=ctx.keep_samples)
    except CutoverError as exc:
        # The source side failing is never the candidate's fault: no fixing, say why.
        return finished(state, Verdict.BLOCKED, f"source query failed: {exc}",
                        retry=retry_cause(exc))
    target = ctx.target()
    query = (f"SELECT * FROM {target.qualified(name)}"
             if spec["kind"] in ("view", "table_as_select") else state.get("candidate_sql"))
    try:
        target_rows = target.read_arrow(query or "")
    except ConnectionLost as exc:
        return finished(state, Verdict.BLOCKED, f"target: {exc}", retry=retry_cause(exc))
    except CutoverError as exc:
        # Compiled but failed while running (conversion error, ...): a job for the fixer.
        attempt["compile"] = failed_compile(str(exc), exc.kind, query, time.perf_counter() - start)
        return {"phase": "compile_failed", "error": str(exc), "attempts": attempts}

    renamed = None
    if spec["kind"] == "query":
        target_rows, renamed = _names_by_position(ctx, source_rows, target_rows)
    ordered = spec["ordered"] and spec["kind"] == "query"
    report = compare(
        source_rows, target_rows, ordered=ordered, order_by=spec["order_by"] if ordered else None,
        tolerances=ctx.column_tolerances, default_float=ctx.float_tolerance,
        sample_rows=ctx.sample_rows, datacompy_max_rows=ctx.datacompy_max_rows,
    )
    if renamed:
        report.diagnosis.append(Diagnosis(cause="names", columns=list(renamed), detail=(
            "column names differ, compared by position: " + ", ".join(
                f"{s!r} vs {t!r}" for s, t in renamed.items()) + " (a consumer reading "
            "these columns by name would notice; alias them in the query to pin the name)")))
    attempt["diff"] = report  # in memory only: the fixer's rules and the LLM read it
    # What is written (artifact, report, trace, checkpoints): without data values when
    # [run] keep_samples = false.
    kept = report if ctx.keep_samples else without_values(report)
    attempt["diff_artifact"] = write_artifact(
        ctx.run_dir, name, f"diff_{attempt['number']}.json", kept.model_dump(mode="json"),
        ctx.tracer.redactor)
    attempt["diff_summary"] = kept.summary()
    attempt["diff_score"] = report.score
    attempt["answers_columns"] = not (report.missing_columns or report.extra_columns)
    seconds = add_seconds(state, time.perf_counter() - start)
    ctx.tracer.event("diff", verdict=report.verdict, summary=kept.summary(),
                     causes=sorted(report.causes()), attempt=attempt["number"],
                     rows_source=report.rows_source, rows_target=report.rows_target)
    verdict = Verdict(report.verdict)
    if verdict.is_parity:
        update = finished(state, verdict, attempts=attempts, seconds=seconds)
        return {**update, "error": None}
    return {"phase": "mismatch", "error": kept.summary(), "attempts": attempts,
            "seconds": seconds}


def _names_by_position(ctx: Context, source: pa.Table,
                       target: pa.Table) -> tuple[pa.Table, dict[str, str] | None]:
    """A report query's columns are matched by position: engines name unaliased expressions
    differently (PostgreSQL `sum`, DuckDB `sum(l_quantity)`). Views and tables keep their
    names, because their consumers select by name."""
    if source.num_columns != target.num_columns:
        return target, None
    renamed = {s: t for s, t in zip(source.column_names, target.column_names, strict=True)
               if s.lower() != t.lower()}
    if not renamed:
        return target, None
    ctx.tracer.event("columns_by_position", renamed=renamed)
    return target.rename_columns(source.column_names), renamed
