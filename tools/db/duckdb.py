"""DuckDB adapter (embedded; the default target)."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any, ClassVar

import pyarrow as pa

from tools import guard
from tools.db import arrow_feed, duckdb_file_scan
from tools.db import types as T
from tools.db.base import Adapter
from tools.db.failures import Failure, FailureTable
from tools.db.scan import DuckDBScan
from tools.db.urls import file_path
from tools.errors import ConnectionLost

_NATIVE = {
    "BOOLEAN": T.BOOL, "TINYINT": T.INT, "SMALLINT": T.INT, "INTEGER": T.INT, "BIGINT": T.INT,
    "HUGEINT": T.INT, "UTINYINT": T.INT, "USMALLINT": T.INT, "UINTEGER": T.INT, "UBIGINT": T.INT,
    "FLOAT": T.FLOAT, "DOUBLE": T.FLOAT, "VARCHAR": T.TEXT, "DATE": T.DATE, "TIME": T.TIME,
    "TIMESTAMP": T.TIMESTAMP, "TIMESTAMP WITH TIME ZONE": T.TIMESTAMPTZ, "BLOB": T.BLOB,
    "JSON": T.JSON, "UUID": T.TEXT, "INTERVAL": T.INTERVAL,
}


class DuckDBAdapter(Adapter):
    SCHEMES: ClassVar[tuple[str, ...]] = ("duckdb",)
    DIALECT: ClassVar[str] = "duckdb"
    ENGINE: ClassVar[str] = "duckdb"
    EMBEDDED: ClassVar[bool] = True
    FRESH_DATABASE: ClassVar[dict[str, str]] = {"suffix": "duckdb"}
    PARAMSTYLE: ClassVar[str] = "?"

    @classmethod
    def setup_connection(cls, url: str, *, database: bool = True) -> Any:
        import duckdb

        return duckdb.connect(file_path(url) or ":memory:")

    TYPE_DDL: ClassVar[dict[str, str]] = {
        T.INT: "BIGINT", T.FLOAT: "DOUBLE", T.TEXT: "VARCHAR", T.BOOL: "BOOLEAN", T.DATE: "DATE",
        T.TIMESTAMP: "TIMESTAMP", T.TIMESTAMPTZ: "TIMESTAMPTZ", T.TIME: "TIME", T.BLOB: "BLOB",
        T.JSON: "VARCHAR", T.INTERVAL: "INTERVAL",
    }
    STORES_INTERVALS: ClassVar[bool] = True

    # Unqualified names resolve in the sandbox first, then in the real schema.
    SANDBOX: ClassVar[dict[str, str]] = {
        "create": "CREATE SCHEMA IF NOT EXISTS {name}",
        "enter": "SET search_path = '{name_text},main'",
        "drop": "DROP SCHEMA IF EXISTS {name} CASCADE",
        "leave": "SET search_path = 'main'",
    }

    #: Canonical-encoding expressions for checksum diffs (tools/diff/checksum.py says how they
    #: fit together). Floats: 12 significant digits as mantissa'e'exponent, the same arithmetic
    #: on every engine; instants: epoch microseconds in UTC (the session zone is UTC).
    HASH_SQL: ClassVar[dict[str, str]] = {
        "md5": "md5({x})",
        "hex60": "CAST(('0x' || {x}) AS BIGINT)",
        "sum": "sum({x})",
        "concat": "({parts})",
        "concat_sep": " || ",
        # The row's fields (never NULL: each is COALESCEd) in one call: a chain of || copies
        # the growing string once per field (1M rows of 11 columns: ~30% of the hashing pass).
        "join": "concat_ws('|', {fields})",
        "text": "CAST({x} AS VARCHAR)",
        "length": "length({x})",
        "exact": "CASE WHEN strpos({x}, '.') > 0 THEN rtrim(rtrim({x}, '0'), '.') ELSE {x} END",
        "bool": "CAST(CAST({x} AS INTEGER) AS VARCHAR)",
        "double": "CAST({x} AS DOUBLE)",
        "float": (
            "CASE WHEN {x} = 0 THEN '0' WHEN isnan({x}) THEN 'nan' "
            "WHEN isinf({x}) AND {x} > 0 THEN 'inf' WHEN isinf({x}) THEN '-inf' "
            "ELSE CAST(CAST(round({x} / power(10, floor(log10(abs({x}))) - 11)) AS BIGINT) "
            "AS VARCHAR) || 'e' || CAST(CAST(floor(log10(abs({x}))) - 11 AS INTEGER) AS VARCHAR) "
            "END"
        ),
        "date": "CAST({x} AS VARCHAR)",  # YYYY-MM-DD, as the other engines print it
        # a naive timestamp as PostgreSQL and DuckDB both print it
        "timestamp_text": "CAST({x} AS VARCHAR)",
        # a key range's checksum: one md5 over its rows in key order (cheaper than an
        # md5 per row, the bulk of a pass on PostgreSQL)
        # (a sorted list: DuckDB's ORDER BY inside an aggregate costs ~20% more)
        "segment_md5": ("md5(array_to_string(list_transform(list_sort(list(struct_pack("
                        "k := {k}, h := {x}))), e -> e.h), ','))"),
        "timestamp": "CAST(epoch_us({x}) AS VARCHAR)",
        "date_ts": "CAST(epoch_us(CAST({x} AS TIMESTAMP)) AS VARCHAR)",
    }

    def __init__(self, url: str, role, tracer=None, timeout_s: float = 60.0) -> None:
        import duckdb  # lazily: only runs that use DuckDB pay for the import

        super().__init__(url, role, tracer, timeout_s)
        path = file_path(url) or ":memory:"
        if role == "source" and path != ":memory:" and not Path(path).exists():
            raise ConnectionLost(f"DuckDB source file not found: {path}. Check the URL.")
        if path != ":memory:":
            Path(path).parent.mkdir(parents=True, exist_ok=True)
        try:
            self._con = duckdb.connect(path, read_only=(role == "source" and path != ":memory:"))
        except duckdb.Error as exc:
            raise ConnectionLost(f"cannot open DuckDB database {path}: {exc}. Is another "
                                 f"process holding it open for writing?") from exc
        # Session time zone pinned so timestamptz values compare the same on every machine.
        self._con.execute("SET TimeZone = 'UTC'")
        # No file, URL or secret outside the database file, whatever a statement says
        # (`FROM '/etc/passwd'`, read_csv, duckdb_secrets()): the loader copies through Arrow,
        # so nothing here needs it, and once off it cannot be turned back on in this process.
        self._con.execute("SET enable_external_access = false")

    def canonical_type(self, declared: str) -> str:
        upper = declared.upper()
        if upper.startswith("DECIMAL"):
            return T.from_declared(declared)
        return _NATIVE.get(upper, T.from_declared(declared))

    #: DuckDB exception class -> what it means for the run ("timeout": our own timer fired).
    FAILURES: ClassVar[FailureTable] = {
        "timeout": Failure.TIMEOUT,
        "InterruptException": Failure.INTERRUPT,
        "ConversionException": Failure.RUNTIME, "OutOfRangeException": Failure.RUNTIME,
        "InvalidInputException": Failure.RUNTIME, "ConstraintException": Failure.RUNTIME,
        "NotImplementedException": Failure.UNSUPPORTED,
        "PermissionException": Failure.REFUSED,   # external access is off
        "TransactionException": Failure.TRANSIENT, "SerializationException": Failure.TRANSIENT,
        "OutOfMemoryException": Failure.TRANSIENT,
        "IOException": Failure.INFRA, "ConnectionException": Failure.INFRA,
        "FatalException": Failure.INFRA, "InternalException": Failure.INFRA,
    }

    def _guarded(self, fn):
        self._timed_out = False
        timer = threading.Timer(self.timeout_s, self._time_out)
        timer.start()
        try:
            return fn()
        finally:
            timer.cancel()

    def _time_out(self) -> None:
        # Both the timer and Ctrl-C end in DuckDB's InterruptException: remember which.
        self._timed_out = True
        self._con.interrupt()

    def _failure_key(self, exc: Exception) -> str | None:
        if type(exc).__name__ == "InterruptException" and getattr(self, "_timed_out", False):
            return "timeout"
        return super()._failure_key(exc)

    def _read_batches(self, sql: str, batch_rows: int,
                      limit: int | None = None) -> Iterator[pa.RecordBatch]:
        reader = self._guarded(lambda: self._con.execute(sql).to_arrow_reader(batch_rows))
        self._last_schema = reader.schema
        yield from reader

    def _empty_result(self, sql: str) -> pa.Table:
        return arrow_feed.empty(self._last_schema)

    def duckdb_scan(self, sql: str, alias: str) -> DuckDBScan | None:
        """A source file is attached read-only to the comparing DuckDB, which runs the query
        itself (tools/db/duckdb_file_scan.py): no row crosses into Python."""
        if self.role == "source":
            guard.check_read_only(sql, self.DIALECT)
        path = file_path(self.url)
        if self.role != "source" or not path or path == ":memory:":
            return None  # a target's file is open for writing; memory is this process's own
        return duckdb_file_scan.recipe(path, sql, alias)

    def _run(self, sql: str) -> None:
        self._guarded(lambda: self._con.execute(sql))

    def tables(self) -> list[dict[str, Any]]:
        rows = self._con.execute(
            "SELECT table_name, column_name, data_type, is_nullable "
            "FROM information_schema.columns WHERE table_schema = current_schema() "
            "AND table_name IN (SELECT table_name FROM information_schema.tables "
            "WHERE table_type = 'BASE TABLE' AND table_schema = current_schema()) "
            "ORDER BY table_name, ordinal_position").fetchall()
        pks = self._con.execute(
            "SELECT table_name, constraint_column_names FROM duckdb_constraints() "
            "WHERE constraint_type = 'PRIMARY KEY' AND schema_name = current_schema()").fetchall()
        pk_map = {t: list(cols) for t, cols in pks}
        tables: dict[str, dict[str, Any]] = {}
        for table, column, dtype, nullable in rows:
            entry = tables.setdefault(table, {"name": table, "columns": [],
                                              "primary_key": pk_map.get(table, []), "row_count": 0})
            entry["columns"].append({"name": column, "type": dtype,
                                     "canonical": self.canonical_type(dtype),
                                     "nullable": nullable == "YES"})
        for entry in tables.values():
            counted = self._con.execute(
                f"SELECT COUNT(*) FROM {self.quote(entry['name'])}").fetchone()
            entry["row_count"] = counted[0] if counted else 0
        return list(tables.values())

    def views(self) -> list[str]:
        return [r[0] for r in self._con.execute(
            "SELECT view_name FROM duckdb_views() WHERE NOT internal "
            "AND schema_name = current_schema()").fetchall()]

    def _append_batch(self, name: str, batch: pa.RecordBatch) -> None:
        view = "__cutover_batch"
        arrow_feed.scan_once(self._con, view, pa.Table.from_batches([batch]))
        try:
            self.execute(f"INSERT INTO {self.qualified(name)} SELECT * FROM {view}")
        finally:
            self._con.unregister(view)

    def close(self) -> None:
        self._con.close()
