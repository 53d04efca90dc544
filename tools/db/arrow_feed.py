"""Arrow data into a DuckDB connection without importing pyarrow.dataset or pandas.

DuckDB scans a pyarrow Table or RecordBatchReader in place through pyarrow.dataset, and that
import brings pandas with it: ~0.25 s, more than everything else a diff of a few thousand rows
does (benchmarks/RESULTS.md, "seventh pass"). Handed over as an Arrow C stream (a PyCapsule),
the same data needs no import, but DuckDB can read the stream only once. pyarrow itself imports
pandas whenever it builds an array from Python values, an empty one too (Schema.empty_table,
pa.array([])): `empty` builds an empty table from no batches instead.
"""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING

import pyarrow as pa

if TYPE_CHECKING:  # the adapters import duckdb only when a run uses it
    import duckdb

COPY_BELOW_BYTES = 64 << 20
"""A table smaller than this is copied into DuckDB rather than scanned in place: copying 64 MB
of Arrow (~0.12 s) costs less than importing pyarrow.dataset once. A bigger one is scanned in
place (no copy, no second allocation), paying the import."""


def scan_once(con: duckdb.DuckDBPyConnection, name: str,
              data: pa.Table | pa.RecordBatchReader) -> None:
    """Register `data` as `name` for one statement that reads it once (CREATE TABLE AS,
    INSERT … SELECT; DESCRIBE does not count). A second read fails in DuckDB."""
    con.register(name, data.__arrow_c_stream__())


def as_table(con: duckdb.DuckDBPyConnection, name: str, table: pa.Table) -> None:
    """`name` readable any number of times: scanned in place when pyarrow.dataset is loaded
    already or the table is big, else copied into a temporary table through the C stream."""
    if "pyarrow.dataset" in sys.modules or table.nbytes >= COPY_BELOW_BYTES:
        con.register(name, table)
        return
    stream = f"{name}__stream"
    scan_once(con, stream, table)
    try:
        con.execute(f'CREATE OR REPLACE TEMP TABLE "{name}" AS SELECT * FROM "{stream}"')
    finally:
        con.unregister(stream)


def empty(schema: pa.Schema) -> pa.Table:
    """A table of no rows (Schema.empty_table() imports pandas)."""
    return pa.Table.from_batches([], schema=schema)


def column_types(con: duckdb.DuckDBPyConnection, schema: pa.Schema) -> list[str]:
    """The DuckDB types an Arrow schema reads as."""
    none = pa.RecordBatchReader.from_batches(schema, [])
    return [str(t) for t in con.from_arrow(none.__arrow_c_stream__()).types]
