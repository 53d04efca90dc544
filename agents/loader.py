"""loader: make the base tables available on the target — copied into the sandbox in Arrow
batches (copy mode), or checked in place (verify-only) — and verify row counts."""

from __future__ import annotations

import time
from typing import Any

from langgraph.runtime import Runtime

from graph.context import Context
from graph.state import LoadResult, MigrationState, TableInfo
from tools.db.base import Adapter
from tools.errors import CutoverError


def loader(state: MigrationState, runtime: Runtime[Context]) -> dict[str, Any]:
    ctx = runtime.context
    tables = state.get("base_tables") or []
    if not tables:
        return {"loaded": [], "load_error": None}
    source, target = ctx.source(), ctx.target()
    if not target.RUNS_HERE:
        return {"loaded": [], "load_error": None}
    results = []
    for table in tables:
        start = time.perf_counter()
        try:
            if ctx.loader_mode == "copy":
                rows = _copy(source, target, table, ctx.batch_rows)
            else:
                rows = target.count_rows(table["name"], in_sandbox=False)
        except CutoverError as exc:
            results.append(LoadResult(table=table["name"], rows_source=table["row_count"],
                                      rows_target=0, seconds=round(time.perf_counter() - start, 3),
                                      ok=False, error=str(exc)))
            continue
        ok = rows == table["row_count"]
        error = None if ok else (f"row count differs after load: source {table['row_count']}, "
                                 f"target {rows}")
        results.append(LoadResult(table=table["name"], rows_source=table["row_count"],
                                  rows_target=rows, seconds=round(time.perf_counter() - start, 3),
                                  ok=ok, error=error))
        ctx.tracer.event("load", table=table["name"], rows=rows, ok=ok, error=error)
    failed = [r for r in results if not r["ok"]]
    load_error = None
    if failed:
        load_error = "; ".join(f"{r['table']}: {r['error']}" for r in failed)
    return {"loaded": results, "load_error": load_error}


def _copy(source: Adapter, target: Adapter, table: TableInfo, batch_rows: int) -> int:
    # Re-creating the table makes the copy idempotent: a resumed run redoes it cleanly.
    target.create_table(table["name"], table["columns"], table["primary_key"] or None)
    columns = ", ".join(source.quote(c["name"]) for c in table["columns"])
    query = f"SELECT {columns} FROM {source.quote(table['name'])}"
    for batch in source.read_batches(query, batch_rows=batch_rows):
        target.append_arrow(table["name"], batch)
    target.analyze(table["name"])
    return target.count_rows(table["name"])
