"""The stream algorithm: read both results as Arrow batches into a private DuckDB and compare.

Memory stays bounded: batches stream into DuckDB tables as they arrive (no whole result in
Python), and beyond `spill_rows` DuckDB runs with a memory limit and a throwaway temp directory,
so tables, the join and sorts spill there instead of growing. Keyed or multiset pairing as in
compare(), including its one-pass narrowing of large keyed diffs.
"""

from __future__ import annotations

import shutil
import tempfile
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, replace
from itertools import chain
from typing import Any

import duckdb
import pyarrow as pa

from tools.db import arrow_feed
from tools.db.base import Adapter
from tools.db.scan import DuckDBScan
from tools.diff.compare import compare_loaded
from tools.diff.normalise import connect, positions, quote
from tools.diff.report import DiffReport
from tools.diff.samples import Side

Progress = Callable[[str, int], None]
"""on_rows(side, rows_so_far): called after each batch ("source" / "target")."""


@dataclass
class StreamOptions:
    batch_rows: int = 100_000
    spill_rows: int = 2_000_000
    """Expected rows per side above which DuckDB gets memory_limit and a temp directory."""
    memory_limit: str = "1GB"
    """DuckDB's budget once spilling (the Python process adds Arrow batches and the driver)."""
    scan: bool = True
    """Let DuckDB read a side itself where its adapter offers a recipe (Adapter.duckdb_scan).
    That read runs on a connection and snapshot of its own: right for one diff, which reads
    each side once."""


def _conform(
    con: duckdb.DuckDBPyConnection, table: str, schema: pa.Schema, batch: pa.RecordBatch
) -> tuple[pa.RecordBatch, pa.Schema]:
    """Fit a later batch to the table built from the earlier ones; returns the batch and the
    table's schema after it. Drivers that infer types per batch (SQLite) can return NULL-only
    or text-fallback columns: a NULL-only column takes the first real type that arrives, and
    a column whose values no longer fit widens to VARCHAR rather than losing a row."""
    if batch.schema.equals(schema):
        return batch, schema
    cols, fields = [], []
    for f, col in zip(schema, batch.columns, strict=True):
        if col.type != f.type and pa.types.is_null(col.type):
            col = pa.nulls(len(col), f.type)
        elif col.type != f.type and pa.types.is_null(f.type):
            duck_type = con.from_arrow(pa.table({"c": col})).types[0]
            con.execute(f"ALTER TABLE {table} ALTER {quote(f.name)} TYPE {duck_type}")
            f = f.with_type(col.type)
        elif col.type != f.type:
            try:
                col = col.cast(f.type)  # safe: refuses to lose digits
            except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
                con.execute(f"ALTER TABLE {table} ALTER {quote(f.name)} TYPE VARCHAR")
                col, f = col.cast(pa.string()), f.with_type(pa.string())
        cols.append(col)
        fields.append(f)
    new_schema = pa.schema(fields)
    return pa.RecordBatch.from_arrays(cols, schema=new_schema), new_schema


def _with_rid(batch: pa.RecordBatch, start: int) -> pa.RecordBatch:
    rid = positions(start, batch.num_rows)
    return pa.RecordBatch.from_arrays([*batch.columns, rid], names=[*batch.schema.names, "__rid"])


def _fits(batch: pa.RecordBatch, schema: pa.Schema) -> pa.RecordBatch | None:
    """The batch cast to `schema` (safe casts only), or None when it does not fit."""
    if batch.schema.equals(schema):
        return batch
    try:
        return pa.RecordBatch.from_arrays(
            [c if c.type == f.type else c.cast(f.type) for c, f in zip(batch.columns, schema,
                                                                        strict=True)],
            schema=schema,
        )
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
        return None


def _load_batched(
    con: duckdb.DuckDBPyConnection,
    table: str,
    batches: Iterator[pa.RecordBatch],
    schema: pa.Schema | None,
    rows: int,
    on_rows: Callable[[int], None] | None,
) -> int:
    """One INSERT per batch, widening columns as needed (slower; for drifting types)."""
    for batch in batches:
        if schema is None:
            schema = batch.schema
            _append(con, table, pa.Table.from_batches([_with_rid(batch, rows)]), False)
        else:
            batch, schema = _conform(con, table, schema, batch)
            _append(con, table, pa.Table.from_batches([_with_rid(batch, rows)]), True)
        rows += batch.num_rows
        if on_rows:
            on_rows(rows)
    return rows


def load(
    con: duckdb.DuckDBPyConnection,
    table: str,
    batches: Iterator[pa.RecordBatch],
    empty: Callable[[], pa.Schema],
    on_rows: Callable[[int], None] | None = None,
) -> Side:
    """Load every batch (plus __rid, the row's position) into a new DuckDB table.

    Fast path: one CREATE TABLE AS over a stream of batches (a statement per batch costs
    about twice as much). A batch whose types no longer fit ends the stream, and the rest is
    appended batch by batch with widening; so does a first batch with NULL-only columns."""
    it = iter(batches)
    first = next(it, None)
    if first is None:
        schema = empty().append(pa.field("__rid", pa.int64()))
        _append(con, table, arrow_feed.empty(schema), False)
        return _side(con, table, 0)
    if any(pa.types.is_null(f.type) for f in first.schema):
        return _side(con, table, _load_batched(con, table, chain([first], it), None, 0, on_rows),
                     first.schema)
    state: dict[str, Any] = {"rows": 0, "pending": None}

    def stream() -> Iterator[pa.RecordBatch]:
        for batch in chain([first], it):
            fitted = _fits(batch, first.schema)
            if fitted is None:
                state["pending"] = batch
                return
            yield _with_rid(fitted, state["rows"])
            state["rows"] += batch.num_rows
            if on_rows:
                on_rows(state["rows"])

    schema = first.schema.append(pa.field("__rid", pa.int64()))
    arrow_feed.scan_once(con, "__stream", pa.RecordBatchReader.from_batches(schema, stream()))
    try:
        con.execute(f"CREATE TABLE {table} AS SELECT * FROM __stream")
    finally:
        con.unregister("__stream")
    rows = int(state["rows"])
    if state["pending"] is not None:
        rest = chain([state["pending"]], it)
        rows = _load_batched(con, table, rest, first.schema, rows, on_rows)
    return _side(con, table, rows, first.schema)


def load_scanned(
    con: duckdb.DuckDBPyConnection,
    adapter: Adapter,
    sql: str,
    table: str,
    on_rows: Callable[[int], None] | None = None,
) -> Side | None:
    """Load a side with DuckDB reading it itself (Adapter.duckdb_scan), or None when the
    adapter has no recipe for this result or the recipe fails to run: the caller then reads
    it as Arrow batches, which also reports a real error in the query the usual way."""
    alias = f"cutover_scan_{table}"
    recipe = adapter.duckdb_scan(sql, alias)  # guard refusals and bad SQL raise here
    if recipe is None:
        return None
    started = time.perf_counter()
    # A recipe may USE its attached catalog (so the query's names resolve there): the table
    # is created in, and the session returned to, the comparing DuckDB's own catalog.
    home = quote(str(con.execute("SELECT current_database()").fetchone()[0]))  # type: ignore[index]
    in_place = False
    try:
        for statement in recipe.setup:
            con.execute(statement)
        if recipe.arrow is not None:
            arrow_feed.scan_once(con, recipe.relation, recipe.arrow())
        refusal = _refusal(con, recipe)
        if refusal is None and recipe.describe_first:
            refusal = _type_drift(con, f"SELECT * FROM {recipe.relation}", recipe)
        in_place = refusal is None and _as_view(con, f"{home}.main.{table}", recipe)
        if refusal is None and not in_place:
            con.execute(f"CREATE TABLE {home}.main.{table} AS SELECT *, CAST(row_number() "
                        f"OVER () - 1 AS BIGINT) AS __rid FROM {recipe.relation}")
        if refusal is None and not in_place and recipe.decode_text:
            _decode_text(con, f"{home}.main.{table}", recipe)
        if refusal is None:
            refusal = _type_drift(con, f"SELECT * EXCLUDE (__rid) FROM {home}.main.{table}",
                                  recipe)
    except (duckdb.Error, RuntimeError) as exc:
        # The message may quote the ATTACH string (never the password: that is a secret); a
        # recipe's Arrow stream raises RuntimeError with its secret removed
        refusal = (str(exc).strip().splitlines() or [type(exc).__name__])[0]
    finally:
        con.execute(f"USE {home}")
        if recipe.arrow is not None:
            con.unregister(recipe.relation)
        for statement in recipe.teardown:
            try:
                con.execute(statement)
            except duckdb.Error:
                pass  # nothing to undo when setup stopped before it
    if refusal is not None:
        adapter.tracer.event("scan_fallback", side=adapter.role, via=recipe.via, reason=refusal)
        drop_side(con, table)
        return None
    rows = int(con.execute(f"SELECT count(*) FROM {table}").fetchone()[0])  # type: ignore[index]
    adapter.tracer.event("sql", side=adapter.role, sql=sql, rows=rows, error=None, via=recipe.via,
                         seconds=round(time.perf_counter() - started, 4))
    if on_rows:
        on_rows(rows)
    via = f"{recipe.via}, compared in place (no copy)" if in_place else recipe.via
    return replace(_side(con, table, rows), via=via)


def drop_side(con: duckdb.DuckDBPyConnection, name: str) -> None:
    """Drop a side's table or view (DROP of the wrong kind is an error in DuckDB)."""
    kinds = con.execute("SELECT table_type FROM information_schema.tables WHERE table_name = ?",
                        [name]).fetchall()
    for (kind,) in kinds:
        con.execute(f"DROP {'VIEW' if kind == 'VIEW' else 'TABLE'} IF EXISTS {name}")


def _as_view(con: duckdb.DuckDBPyConnection, table: str, recipe: DuckDBScan) -> bool:
    """Make the side a view over the engine's own data when the recipe offers one that binds
    (a name that is a view in the source has no rowid): the diff then runs there, no copy."""
    if recipe.view is None:
        return False
    try:
        con.execute(f"CREATE VIEW {table} AS {recipe.view}")
        con.execute(f"SELECT __rid FROM {table} LIMIT 0")
        return True
    except duckdb.Error:
        con.execute(f"DROP VIEW IF EXISTS {table}")
        return False


def _decode_text(con: duckdb.DuckDBPyConnection, table: str, recipe: DuckDBScan) -> None:
    """BLOB columns the Arrow path reads as text become VARCHAR (decode() fails on bytes that
    are not UTF-8, and the side then falls back to the Arrow path)."""
    if recipe.schema is None:
        return
    got = [str(r[1]) for r in con.execute(f"DESCRIBE {table}").fetchall()]
    for f, kind in zip(recipe.schema, got, strict=False):
        if pa.types.is_string(f.type) and kind == "BLOB":
            col = quote(f.name)
            con.execute(f"ALTER TABLE {table} ALTER {col} SET DATA TYPE VARCHAR "
                        f"USING decode({col})")


def _refusal(con: duckdb.DuckDBPyConnection, recipe: DuckDBScan) -> str | None:
    """Why the recipe's own check refuses the scan, or None to go ahead."""
    if recipe.check is None:
        return None
    row = con.execute(recipe.check).fetchone()
    return None if row and row[0] else f"check failed: {recipe.check}"


def _type_drift(con: duckdb.DuckDBPyConnection, query: str, recipe: DuckDBScan) -> str | None:
    """The columns whose scanned type (of `query`'s result) differs from the Arrow path's, or
    None: a comparison must not depend on which path read a side."""
    if recipe.schema is None:
        return None
    wanted = arrow_feed.column_types(con, recipe.schema)
    got = [str(r[1]) for r in con.execute(f"DESCRIBE {query}").fetchall()]
    drift = [f"{f.name}: {g} not {w}" for f, w, g in zip(recipe.schema, wanted, got,
                                                         strict=False) if w != g]
    if len(wanted) != len(got):
        drift.append(f"{len(got)} columns, not {len(wanted)}")
    return f"types differ from the Arrow path's ({'; '.join(drift)})" if drift else None


def _side(con: duckdb.DuckDBPyConnection, table: str, rows: int,
          read: pa.Schema | None = None) -> Side:
    # The schema as DuckDB holds it (a column widened to VARCHAR shows as text).
    loaded = con.execute(f"SELECT * EXCLUDE (__rid) FROM {table} LIMIT 0").to_arrow_table()
    schema = loaded.schema
    if read is not None:
        # DuckDB holds an Arrow duration (MariaDB TIME) as an INTERVAL: the side keeps saying
        # duration, whose lack of days the differ's INTERVAL pair kind must know
        for i, (held, was) in enumerate(zip(schema, read, strict=False)):
            if pa.types.is_duration(was.type) and held.type == pa.month_day_nano_interval():
                schema = schema.set(i, held.with_type(was.type))
    return Side(table, schema, rows)


def _append(con: duckdb.DuckDBPyConnection, table: str, data: pa.Table, created: bool) -> None:
    arrow_feed.scan_once(con, "__batch", data)
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
        # In-memory tables past memory_limit are written out to temp_dir blocks by DuckDB's
        # buffer manager (as are the join's and sort's working sets): that is the spill.
        con = connect(memory_limit=opts.memory_limit if workdir else None, temp_dir=workdir)
        try:
            sides, reads, vias = [], {}, {}
            for side, adapter, sql, name in (
                ("source", source, source_sql, "s_raw"),
                ("target", target, target_sql, "t_raw"),
            ):
                tick = (lambda n, s=side: on_rows(s, n)) if on_rows else None
                # Positions (__rid) matter to an ordered compare: only the Arrow path keeps
                # them for certain.
                scanned = load_scanned(con, adapter, sql, name, tick) \
                    if opts.scan and not compare_args.get("ordered") else None
                reads[side] = "scanned by DuckDB" if scanned else "Arrow batches"
                if scanned:
                    vias[side] = scanned.via
                if scanned is None:
                    batches = adapter.read_batches(sql, batch_rows=opts.batch_rows)
                    scanned = load(con, name, batches, _schema_of(adapter, sql), tick)
                sides.append(scanned)
            report = compare_loaded(con, sides[0], sides[1], **compare_args)  # type: ignore[arg-type]
        finally:
            con.close()
    finally:
        if workdir:
            shutil.rmtree(workdir, ignore_errors=True)
    report.engine = f"stream+{report.engine}"
    report.evidence["read"] = reads  # how each side's rows reached the comparison
    if vias:
        report.evidence["read_via"] = vias
    return report
