"""`cutover diff --engine spark`: datacompy's Spark backend for results too large for one process.

Each side is read through its adapter as Arrow batches and written batch by batch to parquet
in a throwaway directory (so no side is ever whole in Python's memory), then a local Spark
session (the same one the Spark adapter uses, `local[2]`) reads both and datacompy's
SparkSQLCompare joins them on the key. Its per-column figures and tolerance semantics become
the usual DiffReport; samples come from its unequal and one-sided rows.

Only keyed comparisons: datacompy joins on columns. Types Spark cannot hold are made portable
on the way to parquet (instants as UTC wall-clock, TIME and wide decimals as text).
"""

from __future__ import annotations

import math
import shutil
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from tools.db.base import Adapter
from tools.diff.normalise import interval_text
from tools.diff.report import ColumnDiff, Diagnosis, DiffReport
from tools.errors import ConfigError, QueryFailed
from tools.records import Tolerance, Verdict

DEFAULT_FLOAT = Tolerance(1e-9, 1e-9)


def _portable(field: pa.Field) -> pa.DataType:
    """The Arrow type a column is written to parquet as, for Spark to read it."""
    t = field.type
    # datacompy 1.1 measures every column as TRY_CAST(col AS DOUBLE), which Spark refuses for
    # DATE and TIMESTAMP: their ISO text compares the same way (equal values, equal text).
    # Instants are written as their UTC wall-clock time (both sides read in UTC).
    if pa.types.is_timestamp(t) or pa.types.is_date(t) or pa.types.is_time(t) \
            or pa.types.is_decimal256(t) or pa.types.is_null(t) or pa.types.is_duration(t) \
            or t == pa.month_day_nano_interval():
        return pa.string()
    if pa.types.is_unsigned_integer(t):
        return pa.decimal128(20, 0) if t.bit_width == 64 else pa.int64()
    return t


def _timestamp_text(column: pa.Array) -> pa.Array:
    """'YYYY-MM-DD HH:MM:SS[.fff]' of the UTC wall-clock time, fraction without trailing
    zeros: the text SQLite keeps and DuckDB prints, so a timestamp stored as text on one side
    meets the same instant on the other."""
    us = column.cast(pa.timestamp("us"))  # an instant's zone dropped: its UTC wall-clock
    seconds = pc.floor_temporal(us, unit="second")
    text = pc.strftime(seconds.cast(pa.timestamp("s")), format="%Y-%m-%d %H:%M:%S")
    fraction = pc.subtract(us.cast(pa.int64()), seconds.cast(pa.int64()))
    digits = pc.utf8_rtrim(pc.utf8_lpad(fraction.cast(pa.string()), width=6, padding="0"),
                           characters="0")
    return pc.if_else(pc.equal(fraction, 0), text,
                      pc.binary_join_element_wise(text, digits, "."))


def _cast(batch: pa.RecordBatch, schema: pa.Schema) -> pa.RecordBatch:
    columns = []
    for name, column, field in zip(batch.schema.names, batch.columns, schema, strict=True):
        if pa.types.is_timestamp(column.type):
            column = _timestamp_text(column)
        elif column.type == pa.month_day_nano_interval():  # no Arrow cast: its three parts
            column = pa.array([None if v is None else interval_text(v)
                               for v in column.to_pylist()], pa.string())
        try:
            columns.append(column.cast(field.type))
        except (pa.ArrowInvalid, pa.ArrowNotImplementedError) as exc:
            raise QueryFailed(f"column {name!r} does not fit {field.type} for Spark "
                              f"({exc}); CAST it in the query") from exc
    return pa.RecordBatch.from_arrays(columns, schema=schema)


def write_parquet(batches: Iterator[pa.RecordBatch], path: Path,
                  on_rows: Callable[[int], None] | None = None) -> int:
    """Stream the batches into one parquet file; returns the row count."""
    rows = 0
    writer: pq.ParquetWriter | None = None
    try:
        for batch in batches:
            if writer is None:
                schema = pa.schema([pa.field(f.name, _portable(f)) for f in batch.schema])
                writer = pq.ParquetWriter(str(path), schema)
            writer.write_batch(_cast(batch, writer.schema))
            rows += batch.num_rows
            if on_rows:
                on_rows(rows)
    finally:
        if writer is not None:
            writer.close()
    return rows


def _tolerances(columns: list[str], tolerances: dict[str, Tolerance], floats: set[str]
                ) -> tuple[dict[str, float], dict[str, float]]:
    abs_tol: dict[str, float] = {"default": 0.0}
    rel_tol: dict[str, float] = {"default": 0.0}
    for name in columns:
        tol = tolerances.get(name) or (DEFAULT_FLOAT if name in floats else None)
        if tol:
            abs_tol[name], rel_tol[name] = tol.abs_tol, tol.rel_tol
    return abs_tol, rel_tol


def _row(row: Any) -> dict[str, Any]:
    return {k: v for k, v in row.asDict().items() if not k.startswith("_merge")}


def spark_diff(source: Adapter, source_sql: str, target: Adapter, target_sql: str, *,
               key: list[str] | None, tolerances: dict[str, Tolerance] | None = None,
               sample_rows: int = 10, batch_rows: int = 100_000,
               on_rows: Callable[[str, int], None] | None = None) -> DiffReport:
    if not key:
        raise ConfigError("--engine spark joins on a key: pass --key COLS (the table has no "
                          "primary key), or use the default engine")
    try:
        import datacompy

        from tools.db.spark import SparkAdapter, _session
    except ImportError as exc:
        raise ConfigError("--engine spark needs pyspark: pip install 'cutover[spark]'") from exc
    work = Path(tempfile.mkdtemp(prefix="cutover-spark-diff-"))
    try:
        counts = {}
        for side, adapter, sql in (("source", source, source_sql), ("target", target, target_sql)):
            tick = (lambda n, s=side: on_rows(s, n)) if on_rows else None
            counts[side] = write_parquet(adapter.read_batches(sql, batch_rows=batch_rows),
                                         work / f"{side}.parquet", tick)
        spark = _session(work / "warehouse", SparkAdapter.SESSION_CONFIG, SparkAdapter.MASTER)
        frames = {side: spark.read.parquet(str(work / f"{side}.parquet"))
                  if counts[side] else None for side in counts}
        if frames["source"] is None or frames["target"] is None:
            raise ConfigError("--engine spark compares non-empty results; a side is empty "
                              "(the default engine reports that)")
        try:
            return _report(datacompy, spark, frames["source"], frames["target"], key,
                           tolerances or {}, sample_rows)
        except Exception as exc:
            if type(exc).__module__.split(".")[0] not in ("pyspark", "py4j"):
                raise
            first = (str(exc).strip().splitlines() or [type(exc).__name__])[0]
            raise QueryFailed(f"Spark could not compare the results: {first}") from exc
    finally:
        shutil.rmtree(work, ignore_errors=True)


def _report(datacompy: Any, spark: Any, df1: Any, df2: Any, key: list[str],
            tolerances: dict[str, Tolerance], sample_rows: int) -> DiffReport:
    s_cols, t_cols = list(df1.columns), list(df2.columns)
    missing = [c for c in s_cols if c not in t_cols]
    extra = [c for c in t_cols if c not in s_cols]
    absent = [k for k in key if k in missing or k in extra or k not in s_cols]
    if absent:
        raise ConfigError(f"key column(s) {absent} missing on a side; pass --key COLS")
    types1, types2 = dict(df1.dtypes), dict(df2.dtypes)
    floats = {c for c in s_cols if types1.get(c) in ("double", "float")
              or types2.get(c) in ("double", "float")}
    abs_tol, rel_tol = _tolerances(s_cols, tolerances, floats)
    cmp = datacompy.SparkSQLCompare(spark, df1, df2, join_columns=key, abs_tol=abs_tol,
                                    rel_tol=rel_tol, cast_column_names_lower=False)
    rows1, rows2 = df1.count(), df2.count()
    only1, only2 = cmp.df1_unq_rows.count(), cmp.df2_unq_rows.count()
    both = cmp.intersect_rows.count()
    matching = cmp.count_matching_rows()
    columns: list[ColumnDiff] = []
    changed: list[dict[str, Any]] = []
    exact = True
    for stat in cmp.column_stats:
        name = stat["column"]
        if name in key:
            continue
        unequal = int(stat["unequal_cnt"])
        max_diff = float(stat["max_diff"] or 0)
        exact &= max_diff == 0
        columns.append(ColumnDiff(
            name=name, source_type=str(stat["dtype1"]), target_type=str(stat["dtype2"]),
            compared=both, mismatched=unequal, match_rate=1 - unequal / both if both else 1.0,
            max_abs_diff=max_diff if name in floats or max_diff else None,
            null_mismatches=int(stat["null_diff"] or 0)))
        if unequal and len(changed) < sample_rows:
            for row in cmp.sample_mismatch(name, sample_rows - len(changed)).collect():
                values = row.asDict()
                changed.append({"key": {k: values.get(k) for k in key}, "column": name,
                                "source": values.get(f"{name}_df1"),
                                "target": values.get(f"{name}_df2")})
    equal = not (only1 or only2 or missing or extra) and matching == both
    diagnosis = [Diagnosis(cause=cause, detail=f"{n} rows only in {side}")
                 for cause, n, side in (("missing_rows", only1, "source"),
                                        ("extra_rows", only2, "target")) if n]
    diagnosis += [Diagnosis(cause="values", columns=[c.name], detail=(
        f"{c.name}: {c.mismatched} rows differ" + (f", up to {c.max_abs_diff:g}"
                                                   if c.max_abs_diff and
                                                   math.isfinite(c.max_abs_diff) else "")))
        for c in columns if c.mismatched]
    if missing or extra:
        diagnosis.append(Diagnosis(cause="columns", columns=missing + extra,
                                   detail=f"missing {missing}, extra {extra}"))
    return DiffReport(
        verdict=((Verdict.PARITY if exact else Verdict.PARITY_WITH_TOLERANCE) if equal
                 else Verdict.MISMATCH),
        mode="keyed", key=key, rows_source=rows1, rows_target=rows2, rows_matched=matching,
        score=matching / max(rows1, rows2, 1), columns_source=s_cols, columns_target=t_cols,
        missing_columns=missing, extra_columns=extra,
        type_differences={c: (types1[c], types2[c]) for c in s_cols
                          if c in types2 and types1[c] != types2[c]},
        columns=columns, changed=changed, changed_count=both - matching,
        only_in_source=[_row(r) for r in cmp.df1_unq_rows.limit(sample_rows).collect()],
        only_in_target=[_row(r) for r in cmp.df2_unq_rows.limit(sample_rows).collect()],
        only_in_source_count=only1, only_in_target_count=only2, diagnosis=diagnosis,
        engine="spark+datacompy", evidence={"engine": "spark", "datacompy": datacompy.__version__},
    )
