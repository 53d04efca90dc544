"""The stream algorithm: read both results as Arrow batches into a private DuckDB and compare.

Memory stays bounded: batches are appended to DuckDB tables as they arrive (no whole result in
Python), and beyond `spill_rows` the tables live in a throwaway DuckDB file with a memory limit,
so the join spills to disk instead of growing. Keyed or multiset pairing as in compare().
"""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass

import duckdb
import pyarrow as pa

from tools.db.base import Adapter
from tools.diff.compare import compare_loaded
from tools.diff.normalise import connect, quote
from tools.diff.report import DiffReport
from tools.diff.samples import Side

Progress = Callable[[str, int], None]
"""on_rows(side, rows_so_far): called after each batch ("source" / "target")."""


@dataclass
class StreamOptions:
    batch_rows: int = 100_000
    spill_rows: int = 2_000_000
    """Expected rows per side above which DuckDB works from a temp file with memory_limit."""
    memory_limit: str = "1GB"
    """DuckDB's budget once spilling (the Python process adds Arrow batches and the driver)."""


def _conform(
    con: duckdb.DuckDBPyConnection, table: str, schema: pa.Schema, batch: pa.RecordBatch
) -> pa.RecordBatch:
    """Fit a later batch to the table built from the first one. Drivers that infer types per
    batch (SQLite) can return NULL-only or text-fallback columns; the column then widens to
    VARCHAR rather than losing a row."""
    if batch.schema.equals(schema):
        return batch
    cols = []
    for field, col in zip(schema, batch.columns, strict=True):
        if col.type == field.type:
            cols.append(col)
        elif pa.types.is_null(col.type):
            cols.append(pa.nulls(len(col), field.type))
        else:
            try:
                cols.append(col.cast(field.type))  # safe: refuses to lose digits
            except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
                con.execute(f"ALTER TABLE {table} ALTER {quote(field.name)} TYPE VARCHAR")
                cols.append(col.cast(pa.string()))
    return pa.RecordBatch.from_arrays(cols, schema=pa.schema([*schema]))


def load(
    con: duckdb.DuckDBPyConnection,
    table: str,
    batches: Iterator[pa.RecordBatch],
    empty: Callable[[], pa.Schema],
    on_rows: Callable[[int], None] | None = None,
) -> Side:
    """Append every batch (plus __rid, the row's position) to a new DuckDB table."""
    rows = 0
    created = False
    schema: pa.Schema | None = None
    for batch in batches:
        if schema is None:
            schema = batch.schema
        else:
            batch = _conform(con, table, schema, batch)
        rid = pa.array(range(rows, rows + batch.num_rows), pa.int64())
        _append(con, table, pa.Table.from_batches([batch]).append_column("__rid", rid), created)
        created = True
        rows += batch.num_rows
        if on_rows:
            on_rows(rows)
    if schema is None:
        none = pa.array([], pa.int64())
        _append(con, table, empty().empty_table().append_column("__rid", none), False)
    # The schema as DuckDB holds it (a column widened to VARCHAR shows as text).
    loaded = con.execute(f"SELECT * EXCLUDE (__rid) FROM {table} LIMIT 0").to_arrow_table()
    return Side(table, loaded.schema, rows)


def _append(con: duckdb.DuckDBPyConnection, table: str, data: pa.Table, created: bool) -> None:
    con.register("__batch", data)
    try:
        verb = f"INSERT INTO {table}" if created else f"CREATE TABLE {table} AS"
        con.execute(f"{verb} SELECT * FROM __batch")
    finally:
        con.unregister("__batch")


def _schema_of(adapter: Adapter, sql: str) -> Callable[[], pa.Schema]:
    # Only called for an empty result: re-running it with LIMIT 0 is cheap.
    return lambda: adapter.read_arrow(sql, limit=0).schema


def stream_diff(
    source: Adapter,
    source_sql: str,
    target: Adapter,
    target_sql: str,
    *,
    expected_rows: int | None = None,
    options: StreamOptions | None = None,
    on_rows: Progress | None = None,
    **compare_args: object,
) -> DiffReport:
    """Diff two queries on two adapters; `compare_args` are compare()'s keyword arguments."""
    opts = options or StreamOptions()
    spill = expected_rows is None or expected_rows > opts.spill_rows
    workdir = tempfile.mkdtemp(prefix="cutover-diff-") if spill else None
    try:
        con = connect(
            path=os.path.join(workdir, "diff.duckdb") if workdir else None,
            memory_limit=opts.memory_limit if workdir else None,
            temp_dir=os.path.join(workdir, "spill") if workdir else None,
        )
        try:
            sides = []
            for side, adapter, sql, name in (
                ("source", source, source_sql, "s_raw"),
                ("target", target, target_sql, "t_raw"),
            ):
                tick = (lambda n, s=side: on_rows(s, n)) if on_rows else None
                batches = adapter.read_batches(sql, batch_rows=opts.batch_rows)
                sides.append(load(con, name, batches, _schema_of(adapter, sql), tick))
            report = compare_loaded(con, sides[0], sides[1], **compare_args)  # type: ignore[arg-type]
        finally:
            con.close()
    finally:
        if workdir:
            shutil.rmtree(workdir, ignore_errors=True)
    report.engine = f"stream+{report.engine}"
    return report
