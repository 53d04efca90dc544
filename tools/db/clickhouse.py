"""ClickHouse adapter through chdb (embedded ClickHouse): a read-only source, or a target whose
sandbox is a database of its own (ClickHouse has databases, no schemas inside them).

URL: `chdb:///relative/dir` or `chdb:////absolute/dir`, optionally `?database=name` (default
`default`); `chdb://` alone is an in-memory server. The path is chdb's data directory.
chdb runs one embedded server per process: every chdb URL a run opens must name the same
directory (source and target may share it, in different databases).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any, ClassVar

import pyarrow as pa

from tools.db import arrow_feed, urls
from tools.db import types as T
from tools.db.base import Adapter, Role
from tools.db.failures import Failure, FailureTable
from tools.errors import (
    ConfigError,
    ConnectionLost,
    CutoverError,
)
from tools.trace import Tracer

# ClickHouse type name (Nullable/LowCardinality stripped, parameters dropped) -> canonical.
_NATIVE = {
    **{f"{sign}Int{bits}": T.INT for sign in ("", "U") for bits in (8, 16, 32, 64, 128, 256)},
    "Float32": T.FLOAT, "Float64": T.FLOAT, "BFloat16": T.FLOAT,
    "String": T.TEXT, "FixedString": T.TEXT, "UUID": T.TEXT, "Enum8": T.TEXT, "Enum16": T.TEXT,
    "IPv4": T.TEXT, "IPv6": T.TEXT, "Array": T.TEXT, "Map": T.TEXT, "Tuple": T.TEXT,
    "Bool": T.BOOL, "Date": T.DATE, "Date32": T.DATE, "JSON": T.JSON, "Object": T.JSON,
    "Time": T.TIME, "Time64": T.TIME,
}
_WRAPPERS = re.compile(r"^(?:Nullable|LowCardinality)\((.*)\)$")
_DECIMAL = re.compile(r"^Decimal(32|64|128|256)?\((\d+)(?:,\s*(\d+))?\)$")
_DECIMAL_DIGITS = {"32": 9, "64": 18, "128": 38, "256": 76}
_CODE = re.compile(r"Code:\s*(\d+)")

# ClickHouse error codes by outcome (src/Common/ErrorCodes.cpp). Timeouts, memory and access
# trouble are infrastructure ('blocked'); conversion and arithmetic errors are runtime.
_TIMEOUT_CODES = (159, 160, 209, 394)
_INFRA_CODES = (173, 236, 242, 243, 291, 497, 516)
_RUNTIME_CODES = (6, 27, 38, 41, 69, 70, 72, 153, 321, 407, 43)


def canonical(declared: str) -> str:
    """Canonical type of a ClickHouse type string, e.g. Nullable(DateTime64(6, 'UTC'))."""
    text = declared.strip()
    while m := _WRAPPERS.match(text):
        text = m[1].strip()
    dec = _DECIMAL.match(text)
    if dec:
        width, first, second = dec[1], int(dec[2]), dec[3]
        # Decimal32(S) names the scale only; Decimal(P, S) names both.
        if width and second is None:
            return T.decimal(_DECIMAL_DIGITS[width], first)
        return T.decimal(first, int(second or 0))
    if text.startswith(("DateTime64", "DateTime")):
        # A zone in the type makes it an instant; without one it is wall-clock time in the
        # session zone, which the adapter pins to UTC.
        return T.TIMESTAMPTZ if "'" in text else T.TIMESTAMP
    base = text.split("(", 1)[0]
    return _NATIVE.get(base) or T.from_declared(text)


def _ipc_bytes(batch: pa.RecordBatch) -> bytes:
    sink = pa.BufferOutputStream()
    with pa.ipc.new_stream(sink, batch.schema) as writer:
        writer.write_batch(batch)
    return sink.getvalue().to_pybytes()


def _without_null_type(batch: pa.RecordBatch) -> pa.RecordBatch:
    """All-NULL columns arrive as Arrow `null` (SQLite, empty first batch), which ClickHouse's
    Arrow reader refuses; a NULL string column converts into any Nullable column."""
    if not any(pa.types.is_null(f.type) for f in batch.schema):
        return batch
    arrays = [c.cast(pa.string()) if pa.types.is_null(c.type) else c for c in batch.columns]
    return pa.RecordBatch.from_arrays(arrays, names=batch.schema.names)


def _arrow_decimal(precision: int, scale: int) -> pa.DataType:
    precision, scale = min(precision, 76), min(scale, 76)
    return pa.decimal128(precision, scale) if precision <= 38 else pa.decimal256(precision, scale)


def _decimals_rounded(batch: pa.RecordBatch, decimals: dict[str, pa.DataType]) -> pa.RecordBatch:
    """Float columns bound for Decimal columns, as decimals rounded to the scale. ClickHouse's
    Arrow reader truncates a double into a Decimal (0.29, stored as 0.28999..., becomes 0.28),
    where every other engine's cast takes the nearest value; SQLite keeps DECIMAL(15,2) columns
    as REAL, so a truncated copy would change TPC-H's sums and filters."""
    wanted = {i: decimals[f.name] for i, f in enumerate(batch.schema)
              if f.name in decimals and pa.types.is_floating(f.type)}
    if not wanted:
        return batch
    arrays = [c.cast(wanted[i]) if i in wanted else c for i, c in enumerate(batch.columns)]
    return pa.RecordBatch.from_arrays(arrays, names=batch.schema.names)


#: ClickHouse interval type -> one unit as (months, days, nanoseconds).
_INTERVAL_UNITS = {
    "IntervalYear": (12, 0, 0), "IntervalQuarter": (3, 0, 0), "IntervalMonth": (1, 0, 0),
    "IntervalWeek": (0, 7, 0), "IntervalDay": (0, 1, 0),
    "IntervalHour": (0, 0, 3_600_000_000_000), "IntervalMinute": (0, 0, 60_000_000_000),
    "IntervalSecond": (0, 0, 1_000_000_000), "IntervalMillisecond": (0, 0, 1_000_000),
    "IntervalMicrosecond": (0, 0, 1_000), "IntervalNanosecond": (0, 0, 1),
}


class ClickHouseAdapter(Adapter):
    SCHEMES: ClassVar[tuple[str, ...]] = ("chdb",)
    DIALECT: ClassVar[str] = "clickhouse"
    #: ClickHouse error code -> what it means for the run.
    FAILURES: ClassVar[FailureTable] = {
        "164": Failure.REFUSED,      # READONLY
        "241": Failure.TRANSIENT,    # MEMORY_LIMIT_EXCEEDED: may pass when the box is idle
        "48": Failure.UNSUPPORTED,   # NOT_IMPLEMENTED
        **{str(c): Failure.TIMEOUT for c in _TIMEOUT_CODES},
        **{str(c): Failure.INFRA for c in _INFRA_CODES},
        **{str(c): Failure.RUNTIME for c in _RUNTIME_CODES},
    }
    ENGINE: ClassVar[str] = "clickhouse"
    EMBEDDED: ClassVar[bool] = True
    FRESH_DATABASE: ClassVar[dict[str, str]] = {"suffix": "chdb"}
    TYPE_DDL: ClassVar[dict[str, str]] = {
        # Date32 (1900..2299), not Date (1970..2149): source dates before 1970 must fit.
        # TIME, BLOB and JSON travel as String: Time64 and JSON are still experimental types.
        T.INT: "Int64", T.FLOAT: "Float64", T.TEXT: "String", T.BOOL: "Bool",
        T.DATE: "Date32", T.TIMESTAMP: "DateTime64(6)", T.TIMESTAMPTZ: "DateTime64(6, 'UTC')",
        T.TIME: "String", T.BLOB: "String", T.JSON: "String",
    }
    DECLARE_PRIMARY_KEY: ClassVar[bool] = False
    """A ClickHouse primary key is a sort prefix, not a constraint, and refuses Nullable."""
    TABLE_ENGINE: ClassVar[str] = "ENGINE = MergeTree ORDER BY tuple()"
    """MergeTree keeps a kept sandbox across processes (Memory would not); no sort key needed."""
    CREATE_OBJECT: ClassVar[dict[str, str]] = {
        "view": "CREATE OR REPLACE VIEW {name} AS {sql}",
        "table_as_select": "CREATE OR REPLACE TABLE {name} " + TABLE_ENGINE + " AS {sql}",
    }
    # Unqualified names resolve in the sandbox (ClickHouse has no search path); copy mode puts
    # the base tables there too.
    SANDBOX: ClassVar[dict[str, str]] = {
        "create": "CREATE DATABASE IF NOT EXISTS {name}",
        "enter": "USE {name}",
        "drop": "DROP DATABASE IF EXISTS {name}",
        "leave": "USE {home}",
    }
    PROMOTE: ClassVar[dict[str, tuple[str, ...]]] = {
        "view": ("CREATE OR REPLACE VIEW {name} AS {sql}",),
        "table_as_select": ("CREATE OR REPLACE TABLE {name} " + TABLE_ENGINE + " AS {sql}",),
    }
    SESSION: ClassVar[tuple[str, ...]] = (
        # Wall-clock DateTime columns read and compare in UTC on every machine.
        "SET session_timezone = 'UTC'",
        "SET max_execution_time = {s}",
    )
    SOURCE_SESSION: ClassVar[tuple[str, ...]] = (
        # Last on purpose: readonly = 1 also forbids changing any setting afterwards, so a
        # query cannot switch it off again (readonly = 2 would allow that).
        "SET readonly = 1",
    )
    DATETIME_ZONES: ClassVar[tuple[str, ...]] = ("UTC", "Etc/UTC")

    #: Canonical-encoding expressions for checksum diffs (tools/diff/checksum.py says how they
    #: fit together; the DuckDB and PostgreSQL tables spell the same encoding). ClickHouse's
    #: sum(Int64) wraps around, so the segment sum widens to Int128 (as text: Int128 reaches
    #: Arrow as raw bytes); length() counts bytes,
    #: lengthUTF8() counts characters like the other engines; '0' || 15 hex digits is 8 bytes
    #: big-endian, reversed for reinterpretAsUInt64's little-endian read.
    HASH_SQL: ClassVar[dict[str, str]] = {
        "md5": "lower(hex(MD5({x})))",
        "hex60": "toInt64(reinterpretAsUInt64(reverse(unhex(concat('0', {x})))))",
        "sum": "toString(sum(toInt128({x})))",
        "concat": "({parts})",
        "concat_sep": " || ",
        "text": "toString({x})",
        "length": "lengthUTF8({x})",
        "exact": "if(position({x}, '.') > 0, trimRight(trimRight({x}, '0'), '.'), {x})",
        "bool": "toString(toInt32({x}))",
        "double": "toFloat64({x})",
        # multiIf evaluates every branch for every row: the casts of the last branch must not
        # throw on the 0, NaN and ±inf rows an earlier branch answers (accurateCastOrNull).
        "float": (
            "multiIf({x} = 0, '0', isNaN({x}), 'nan', isInfinite({x}) AND {x} > 0, 'inf', "
            "isInfinite({x}), '-inf', concat(toString(accurateCastOrNull(round({x} / pow(10, "
            "floor(log10(abs({x}))) - 11)), 'Int64')), 'e', toString(accurateCastOrNull("
            "floor(log10(abs({x}))) - 11, 'Int32'))))"
        ),
        "date": "formatDateTime({x}, '%Y-%m-%d')",
        "timestamp": "toString(toUnixTimestamp64Micro(toDateTime64({x}, 6, 'UTC')))",
        "date_ts": "toString(toUnixTimestamp64Micro(toDateTime64({x}, 6, 'UTC')))",
    }

    def __init__(self, url: str, role: Role, tracer: Tracer | None = None,
                 timeout_s: float = 60.0) -> None:
        import chdb  # lazily: only runs that use ClickHouse pay for the import

        super().__init__(url, role, tracer, timeout_s)
        self._chdb = chdb
        self._path, self.home = self._parse_url(url)
        #: table -> its decimal columns' Arrow types (create_table), for _decimals_rounded
        self._decimal_columns: dict[str, dict[str, pa.DataType]] = {}
        try:
            self._con = chdb.connect(self._path)
        except Exception as exc:  # chdb raises RuntimeError for a second data directory
            raise ConnectionLost(f"cannot open chdb data directory {self._path}: {exc}. chdb "
                                 f"runs one embedded server per process, so every chdb URL "
                                 f"of a run must name the same directory.") from exc
        try:
            self._setup_session()
        except CutoverError:
            self._con.close()
            raise

    def _parse_url(self, url: str) -> tuple[str, str]:
        try:
            u = urls.parse(url)
        except Exception as exc:  # ValueError: not a URL, or a port that is not a number
            raise ConfigError(f"not a valid chdb URL: {url!r} ({exc}); write "
                              f"chdb:////abs/dir?database=name") from exc
        database = u.query.get("database", "default")
        return (u.database or ":memory:"), str(database)

    def _setup_session(self) -> None:
        for stmt in self.SESSION:
            self._plain(stmt.format(s=max(1, int(self.timeout_s))))
        if self.role == "source":
            if self.home not in self._databases():
                raise ConnectionLost(f"chdb database {self.home!r} not found in "
                                     f"{self._path}; check ?database= in the URL")
        else:
            self._plain(f"CREATE DATABASE IF NOT EXISTS {self.quote(self.home)}")
        self._plain(f"USE {self.quote(self.home)}")
        if self.role == "source":
            for stmt in self.SOURCE_SESSION:
                self._plain(stmt)

    def _plain(self, sql: str) -> pa.Table:
        """One statement of our own (session setup, catalog) with errors classified."""
        try:
            return self._query(sql, "Arrowtable")
        except Exception as exc:  # ChdbError is a RuntimeError subclass
            raise self._classify(exc, sql) from exc

    def _databases(self) -> set[str]:
        return set(self._plain("SELECT name FROM system.databases").column(0).to_pylist())

    # ---------------------------------------------------------------- reading
    def _query(self, sql: str, fmt: str) -> Any:
        try:
            return self._con.query(sql, fmt)
        except Exception as exc:  # ChdbError is a RuntimeError subclass
            found = _CODE.search(str(exc))
            if found and int(found[1]) in _TIMEOUT_CODES:
                self._drain()
            raise

    def _drain(self) -> None:
        """chdb 4.4 answers the first query after a cancelled one with a broken Arrow
        buffer ('Invalid flatbuffers message'): absorb it with a throwaway query."""
        try:
            self._con.query("SELECT 1", "CSV")
        except Exception:  # the throwaway answer is expected to be broken
            pass

    def _read_batches(self, sql: str, batch_rows: int,
                      limit: int | None = None) -> Iterator[pa.RecordBatch]:
        # The whole result at once, then sliced: chdb's streaming result holds the
        # connection until fully read, and a loader interleaves reads and writes.
        table = self._query(sql.strip().rstrip(";"), "Arrowtable")
        table = self._fix_zones(sql, table)
        table = self._fix_intervals(sql, table)
        self._last_schema = table.schema
        yield from table.to_batches(max_chunksize=batch_rows)

    def _fix_zones(self, sql: str, table: pa.Table) -> pa.Table:
        """ClickHouse's Arrow output gives every DateTime a zone (the session's when the type
        has none); a column declared without one is wall-clock time and leaves naive."""
        zoned = [f.name for f in table.schema
                 if pa.types.is_timestamp(f.type) and f.type.tz in self.DATETIME_ZONES]
        if not zoned:
            return table
        described = self._plain(f"DESCRIBE ({sql.strip().rstrip(';')})").to_pylist()
        naive = {row["name"] for row in described if canonical(row["type"]) == T.TIMESTAMP}
        for name in set(zoned) & naive:
            index = table.schema.get_field_index(name)
            unit = table.schema.field(index).type.unit
            column = table.column(index).cast(pa.timestamp(unit))
            table = table.set_column(index, pa.field(name, pa.timestamp(unit)), column)
        return table

    def _fix_intervals(self, sql: str, table: pa.Table) -> pa.Table:
        """ClickHouse's Arrow output gives an IntervalDay/Month/... as its bare count (an
        Int64 whose unit is lost) and an IntervalSecond as a duration: each becomes the
        month_day_nano interval the other engines' intervals arrive as, so that the differ
        compares 3 MONTH with PostgreSQL's '3 mons', not with 3. Only a query that spells
        an interval (INTERVAL n UNIT, toIntervalX) can return one."""
        if "interval" not in sql.lower() or not any(
                pa.types.is_integer(f.type) or pa.types.is_duration(f.type)
                for f in table.schema):
            return table
        described = self._plain(f"DESCRIBE ({sql.strip().rstrip(';')})").to_pylist()
        for row in described:
            unit = _INTERVAL_UNITS.get(row["type"].removeprefix("Nullable(").rstrip(")"))
            index = table.schema.get_field_index(row["name"])
            if unit is None or index < 0:
                continue
            column = table.column(index)
            if pa.types.is_duration(column.type):
                column = column.cast(pa.duration("ns")).cast(pa.int64())
                unit = (0, 0, 1)
            months, days, nanos = unit
            values = [None if n is None else pa.MonthDayNano([n * months, n * days, n * nanos])
                      for n in column.to_pylist()]
            field = pa.field(row["name"], pa.month_day_nano_interval())
            table = table.set_column(index, field,
                                     pa.array(values, pa.month_day_nano_interval()))
        return table

    def _empty_result(self, sql: str) -> pa.Table:
        return arrow_feed.empty(self._last_schema)

    # ---------------------------------------------------------------- catalog
    _VIEW_ENGINES: ClassVar[tuple[str, ...]] = ("View", "MaterializedView", "LiveView",
                                                 "WindowView", "Dictionary")

    def _literal(self, text: str) -> str:
        return "'" + text.replace("\\", "\\\\").replace("'", "\\'") + "'"

    def tables(self) -> list[dict[str, Any]]:
        db = self._literal(self.home)
        engines = ", ".join(self._literal(e) for e in self._VIEW_ENGINES)
        rows = self._plain(
            "SELECT table, name, type FROM system.columns "
            f"WHERE database = {db} AND table IN (SELECT name FROM system.tables "
            f"WHERE database = {db} AND engine NOT IN ({engines}) AND NOT is_temporary) "
            "ORDER BY table, position").to_pylist()
        tables: dict[str, dict[str, Any]] = {}
        for row in rows:
            # A ClickHouse sorting key is no uniqueness constraint: no primary key is reported.
            entry = tables.setdefault(row["table"], {"name": row["table"], "columns": [],
                                                     "primary_key": [], "row_count": 0})
            entry["columns"].append({"name": row["name"], "type": row["type"],
                                     "canonical": canonical(row["type"]),
                                     "nullable": row["type"].startswith("Nullable(")})
        for entry in tables.values():
            entry["row_count"] = int(self._plain(
                f"SELECT count() FROM {self.quote(self.home)}.{self.quote(entry['name'])}"
            ).column(0)[0].as_py())
        return list(tables.values())

    def views(self) -> list[str]:
        return self._plain(
            f"SELECT name FROM system.tables WHERE database = {self._literal(self.home)} "
            "AND engine = 'View' ORDER BY name").column(0).to_pylist()

    def canonical_type(self, declared: str) -> str:
        return canonical(declared)

    # ---------------------------------------------------------------- target side
    def _run(self, sql: str) -> None:
        self._query(sql, "CSV")

    def create_table(self, name: str, columns: list[dict[str, Any]],
                     primary_key: list[str] | None = None) -> None:
        cols = ", ".join(f"{self.quote(c['name'])} {self._column_ddl(c)}" for c in columns)
        self.execute(f"CREATE OR REPLACE TABLE {self.qualified(name)} ({cols}) "
                     f"{self.TABLE_ENGINE}")
        self._decimal_columns[name] = {
            c["name"]: _arrow_decimal(*dec) for c in columns
            if (dec := T.parse_decimal(c["canonical"]))}

    def _column_ddl(self, column: dict[str, Any]) -> str:
        ddl = self.ddl_type(column["canonical"])
        # Nullable unless the source promises no NULLs: a non-Nullable ClickHouse column
        # would silently turn a NULL into 0 or ''.
        return ddl if column.get("nullable") is False else f"Nullable({ddl})"

    def decimal_ddl(self, precision: int, scale: int) -> str:
        return f"Decimal({min(precision, 76)}, {min(scale, 76)})"

    def _append_batch(self, name: str, batch: pa.RecordBatch) -> None:
        target = self._append_target(name)
        cols = ", ".join(self.quote(n) for n in batch.schema.names)
        sql = f"INSERT INTO {target} ({cols})"
        try:
            # Arrow straight into ClickHouse's Arrow reader: no per-row Python work.
            with self._con.send_insert(sql, "ArrowStream") as inserter:
                inserter.append(_ipc_bytes(_decimals_rounded(
                    _without_null_type(batch), self._decimal_columns.get(name, {}))))
                inserter.finish()
        except Exception as exc:  # ChdbError / RuntimeError from the engine
            raise self._classify(exc, sql) from exc
        self.tracer.event("sql", side=self.role, sql=f"{sql} FORMAT ArrowStream",
                          rows=batch.num_rows, error=None)

    def close(self) -> None:
        self._con.close()

    # ---------------------------------------------------------------- errors
    def _failure_key(self, exc: Exception) -> str | None:
        found = _CODE.search(str(exc))
        return found[1] if found else None

