"""PostgreSQL adapter (psycopg 3): read-only snapshot source, or target with a sandbox schema."""

from __future__ import annotations

import itertools
import re
from collections.abc import Iterator
from contextlib import nullcontext
from typing import Any, ClassVar

import pyarrow as pa

from tools import guard, stop
from tools.db import arrow_feed, postgres_copy, postgres_interval, postgres_scan, urls
from tools.db import types as T
from tools.db.base import Adapter, Role
from tools.db.failures import Failure, FailureTable
from tools.db.privileges import RolePrivileges
from tools.db.scan import DuckDBScan
from tools.errors import (
    ConfigError,
    ConnectionLost,
    QueryFailed,
)
from tools.trace import Tracer

# information_schema.columns.data_type -> canonical type (numeric is read with its typmod).
_NATIVE = {
    "smallint": T.INT, "integer": T.INT, "bigint": T.INT, "oid": T.INT,
    "real": T.FLOAT, "double precision": T.FLOAT,
    "text": T.TEXT, "character varying": T.TEXT, "character": T.TEXT, "name": T.TEXT,
    "uuid": T.TEXT, "citext": T.TEXT, "USER-DEFINED": T.TEXT, "ARRAY": T.TEXT,
    "interval": T.INTERVAL,
    "boolean": T.BOOL, "date": T.DATE,
    "timestamp without time zone": T.TIMESTAMP, "timestamp with time zone": T.TIMESTAMPTZ,
    "time without time zone": T.TIME, "time with time zone": T.TIME,
    "bytea": T.BLOB, "json": T.JSON, "jsonb": T.JSON,
}

# Result column type OID -> Arrow type. numeric (1700) is decided per column from its typmod.
_ARROW = {
    16: pa.bool_(), 20: pa.int64(), 21: pa.int16(), 23: pa.int32(), 26: pa.int64(),
    700: pa.float32(), 701: pa.float64(),
    25: pa.string(), 1042: pa.string(), 1043: pa.string(), 19: pa.string(),
    114: pa.string(), 3802: pa.string(), 2950: pa.string(),
    1082: pa.date32(), 1114: pa.timestamp("us"), 1184: pa.timestamp("us", tz="UTC"),
    1083: pa.time64("us"), 17: pa.binary(), 1186: pa.month_day_nano_interval(),
}
_NUMERIC_OID = 1700
# json, jsonb, uuid arrive as their text: the differ compares text, not parsed objects.
_TEXT_LOADED = ("json", "jsonb", "uuid")

# Pinned in both sessions: results read through COPY arrive as text, and these make that text
# one fixed format — UTC offsets, ISO dates whatever the server's DateStyle, floats in their
# shortest exact form (extra_float_digits > 0), UTF-8 for Arrow.
_TEXT_SESSION = (
    "SET TimeZone = 'UTC'",
    "SET DateStyle = 'ISO, YMD'",
    "SET extra_float_digits = 3",
    "SET client_encoding = 'UTF8'",
    # intervals as 'postgres' text whatever the server's default: postgres_interval parses it
    "SET IntervalStyle = 'postgres'",
)

# SQLSTATE class (first two characters) or full code -> error type. Full codes win.


# The database's own functions a query may call: a VOLATILE one may write (the guard cannot see
# inside it), an IMMUTABLE/STABLE one cannot run data-modifying SQL (PostgreSQL refuses it).
_USER_FUNCTIONS = (
    "SELECT DISTINCT p.proname FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace "
    "WHERE n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname NOT LIKE "
    "'pg_toast%' AND p.provolatile <> 'v' AND p.prokind IN ('f', 'a', 'w')"
)


_ROLE_POWERS = (
    "SELECT current_user, r.rolsuper, r.rolreplication, r.rolcreaterole, r.rolbypassrls, "
    "pg_has_role(current_user, 'pg_read_server_files', 'MEMBER') "
    "OR pg_has_role(current_user, 'pg_write_server_files', 'MEMBER') "
    "OR pg_has_role(current_user, 'pg_execute_server_program', 'MEMBER') "
    "FROM pg_roles r WHERE r.rolname = current_user"
)
# Every write the role holds on this database: table DML, CREATE in a schema or the database.
_ROLE_WRITES = (
    "SELECT n.nspname || '.' || c.relname, p.priv FROM pg_class c "
    "JOIN pg_namespace n ON n.oid = c.relnamespace "
    "CROSS JOIN (VALUES ('INSERT'), ('UPDATE'), ('DELETE'), ('TRUNCATE')) AS p(priv) "
    "WHERE c.relkind IN ('r', 'p', 'm') AND n.nspname NOT IN ('pg_catalog', "
    "'information_schema') AND n.nspname NOT LIKE 'pg_toast%' "
    "AND has_table_privilege(c.oid, p.priv) "
    "UNION ALL SELECT 'schema ' || n.nspname, 'CREATE' FROM pg_namespace n "
    "WHERE n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname NOT LIKE "
    "'pg_%' AND has_schema_privilege(n.oid, 'CREATE') "
    "UNION ALL SELECT 'database ' || current_database(), 'CREATE' "
    "WHERE has_database_privilege(current_database(), 'CREATE') ORDER BY 1, 2"
)


def _column(values: list[Any], arrow_type: pa.DataType | None) -> pa.Array:
    """Typed when the OID is known; else inferred; text as the last resort (never lose a row)."""
    try:
        return pa.array(values, type=arrow_type)
    except (pa.ArrowInvalid, pa.ArrowTypeError, pa.ArrowNotImplementedError, OverflowError):
        return pa.array([None if v is None else str(v) for v in values], type=pa.string())


def _numeric_type(precision: int | None, scale: int | None) -> pa.DataType | None:
    # Unconstrained numeric has no typmod: let Arrow infer from the values.
    if precision is None or precision > 38:
        return None
    return pa.decimal128(precision, scale or 0)


def _settle(names: list[str], declared: list[pa.DataType | None], arrays: list[pa.Array],
            settled: list[pa.DataType] | None) -> tuple[list[pa.Array], list[pa.DataType]]:
    """Give every batch of one result the schema of its first batch.

    The first batch decides (typed, inferred, or text fallback); inferred decimals
    (unconstrained numeric, e.g. SUM/AVG results) widen to 38 digits so that larger values
    in later batches still fit. A later batch that cannot take the settled type is an error
    that names the column, never a silently different schema.
    """
    if settled is None:
        arrays = [a.cast(pa.decimal128(38, min(a.type.scale, 37)))
                  if d is None and pa.types.is_decimal128(a.type) else a
                  for a, d in zip(arrays, declared, strict=True)]
        return arrays, [a.type for a in arrays]
    out = []
    for name, array, wanted in zip(names, arrays, settled, strict=True):
        if array.type != wanted:
            try:
                array = array.cast(wanted)  # safe cast: refuses to lose digits or overflow
            except (pa.ArrowInvalid, pa.ArrowNotImplementedError) as exc:
                raise QueryFailed(f"column {name!r}: later rows do not fit the type {wanted} "
                                  f"taken from the first rows ({exc}); CAST it in the "
                                  f"query") from exc
        out.append(array)
    return out, settled


class PostgresAdapter(Adapter):
    SCHEMES: ClassVar[tuple[str, ...]] = ("postgresql", "postgres")
    DIALECT: ClassVar[str] = "postgres"
    ENGINE: ClassVar[str] = "postgres"
    FRESH_DATABASE: ClassVar[dict[str, str]] = {
        "create": 'CREATE DATABASE "{name}"',
        # Sandboxes are schemas: they go with the database.
        "drop": 'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)',
    }

    @classmethod
    def setup_connection(cls, url: str, *, database: bool = True) -> Any:
        import psycopg

        args = cls._unconnected(url)._connect_args(url)
        if not database:
            args["dbname"] = "postgres"
        return psycopg.connect(**args, autocommit=True)

    TYPE_DDL: ClassVar[dict[str, str]] = {
        T.INT: "BIGINT", T.FLOAT: "DOUBLE PRECISION", T.TEXT: "TEXT", T.BOOL: "BOOLEAN",
        T.DATE: "DATE", T.TIMESTAMP: "TIMESTAMP", T.TIMESTAMPTZ: "TIMESTAMPTZ", T.TIME: "TIME",
        T.BLOB: "BYTEA", T.JSON: "JSONB", T.INTERVAL: "INTERVAL",
    }
    # PostgreSQL has no CREATE OR REPLACE TABLE, and CREATE OR REPLACE VIEW refuses to change
    # a view's columns; both statements run as one implicit transaction (simple protocol).
    CREATE_OBJECT: ClassVar[dict[str, str]] = {
        "view": "DROP VIEW IF EXISTS {name} CASCADE; CREATE VIEW {name} AS {sql}",
        "table_as_select": "DROP TABLE IF EXISTS {name} CASCADE; CREATE TABLE {name} AS {sql}",
    }
    # Unqualified names resolve in the sandbox first, then in the real schema.
    SANDBOX: ClassVar[dict[str, str]] = {
        "create": "CREATE SCHEMA IF NOT EXISTS {name}",
        "enter": "SET search_path = {name}, {home}",
        "drop": "DROP SCHEMA IF EXISTS {name} CASCADE",
        "leave": "SET search_path = {home}",
    }
    PROMOTE: ClassVar[dict[str, tuple[str, ...]]] = {
        "view": ("CREATE OR REPLACE VIEW {name} AS {sql}",),
        "table_as_select": ("DROP TABLE IF EXISTS {name}; CREATE TABLE {name} AS {sql}",),
    }
    SOURCE_SESSION: ClassVar[tuple[str, ...]] = (
        "SET SESSION CHARACTERISTICS AS TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY",
        *_TEXT_SESSION,
        "SET statement_timeout = {ms}",
        "SET idle_in_transaction_session_timeout = 0",
    )
    TARGET_SESSION: ClassVar[tuple[str, ...]] = (
        *_TEXT_SESSION,
        "SET statement_timeout = {ms}",
    )

    #: Canonical-encoding expressions for checksum diffs (tools/diff/checksum.py says how they
    #: fit together). log() is base 10 here; extract(epoch) is exact numeric (PG 14+) and UTC
    #: for timestamptz (the session zone is UTC).
    HASH_SQL: ClassVar[dict[str, str]] = {
        "md5": "md5({x})",
        "hex60": "CAST(CAST('x' || {x} AS bit(60)) AS bigint)",
        "sum": "sum({x})",
        "concat": "({parts})",
        "concat_sep": " || ",
        # a row's fields in one call: a chain of || copies the growing text at every step
        # (~10% of the encoding); every field is COALESCEd, so concat_ws skips no NULL
        "join": "concat_ws('|', {fields})",
        "text": "CAST({x} AS text)",
        "length": "length({x})",
        "exact": "CASE WHEN strpos({x}, '.') > 0 THEN rtrim(rtrim({x}, '0'), '.') ELSE {x} END",
        "bool": "CAST(CAST({x} AS integer) AS text)",
        "double": "CAST({x} AS double precision)",
        "float": (
            "CASE WHEN {x} = 0 THEN '0' WHEN {x} = 'NaN'::float8 THEN 'nan' "
            "WHEN {x} = 'Infinity'::float8 THEN 'inf' WHEN {x} = '-Infinity'::float8 THEN '-inf' "
            "ELSE CAST(CAST(round({x} / power(10::float8, floor(log(abs({x}))) - 11)) AS bigint) "
            "AS text) || 'e' || CAST(CAST(floor(log(abs({x}))) - 11 AS integer) AS text) END"
        ),
        "date": "CAST({x} AS text)",  # YYYY-MM-DD, as the other engines print it
        # a naive timestamp as PostgreSQL and DuckDB print it (DateStyle ISO: _TEXT_SESSION)
        "timestamp_text": "CAST({x} AS text)",
        # a key range's checksum: one md5 over its rows in key order (cheaper than an
        # md5 per row, the bulk of a pass on PostgreSQL)
        # (rows of a duplicated key in byte order, as DuckDB's sorted list puts them: the row
        # carries the "C" collation itself, segment_row, because a `{x} COLLATE "C"` in the
        # ORDER BY is another expression, and PostgreSQL would encode every row twice)
        "segment_md5": "md5(string_agg({x}, ',' ORDER BY {k}, {x}))",
        "segment_row": "({x}) COLLATE \"C\"",
        "timestamp": "CAST(CAST(extract(epoch FROM {x}) * 1000000 AS bigint) AS text)",
        "date_ts": (
            "CAST(CAST(extract(epoch FROM CAST({x} AS timestamp)) * 1000000 AS bigint) AS text)"
        ),
    }

    #: SQLSTATE (exact, then its class) -> what it means for the run.
    FAILURES: ClassVar[FailureTable] = {
        "25006": Failure.REFUSED,        # read_only_sql_transaction: the session layer said no
        "interrupt": Failure.INTERRUPT,  # 57014 after a cancel "due to user request" (Ctrl-C)
        "57014": Failure.TIMEOUT,        # query_canceled: statement_timeout
        "57P01": Failure.TRANSIENT,      # admin_shutdown: the server is restarting
        "57P02": Failure.TRANSIENT,      # crash_shutdown
        "57P03": Failure.TRANSIENT,      # cannot_connect_now
        "57": Failure.INFRA,
        "08": Failure.TRANSIENT,         # connection exception
        "40": Failure.TRANSIENT,         # serialization failure, deadlock: try again
        "55P03": Failure.TRANSIENT,      # lock_not_available
        "53300": Failure.TRANSIENT,      # too_many_connections
        "53200": Failure.TRANSIENT,      # out_of_memory
        "53": Failure.INFRA,             # disk full, …
        "55": Failure.INFRA, "58": Failure.INFRA, "F0": Failure.INFRA, "HV": Failure.INFRA,
        "28": Failure.INFRA,             # authentication
        "3D": Failure.INFRA,             # the database does not exist
        "42501": Failure.INFRA,          # insufficient_privilege: no SQL rewrite fixes it
        "0A": Failure.UNSUPPORTED,       # feature_not_supported
        "42": Failure.SQL,               # syntax, undefined function/column/table, types
        "54": Failure.SQL,               # statement too complex, too many columns
        "21": Failure.RUNTIME, "22": Failure.RUNTIME, "23": Failure.RUNTIME,
        "27": Failure.RUNTIME, "2F": Failure.RUNTIME, "38": Failure.RUNTIME,
        "39": Failure.RUNTIME, "P0": Failure.RUNTIME, "XX": Failure.RUNTIME,
    }

    def __init__(self, url: str, role: Role, tracer: Tracer | None = None,
                 timeout_s: float = 60.0) -> None:
        import psycopg  # lazily: only runs that use PostgreSQL pay for the import
        from psycopg.adapt import Loader
        from psycopg.types.string import TextLoader

        super().__init__(url, role, tracer, timeout_s)
        self._psycopg = psycopg
        self._cursor_ids = itertools.count(1)
        try:
            self._con = psycopg.connect(**self._connect_args(url), autocommit=True)
        except psycopg.Error as exc:
            raise ConnectionLost(f"cannot connect to PostgreSQL at {self.where()}: "
                                 f"{str(exc).strip()}. Is the server running and the URL "
                                 f"right?") from exc
        for name in _TEXT_LOADED:
            self._con.adapters.register_loader(name, TextLoader)
        # months and days kept apart ('1 mon' is not '30 days'), not psycopg's timedelta
        self._con.adapters.register_loader("interval", postgres_interval.loader(Loader))
        ms = int(self.timeout_s * 1000)
        for stmt in self.SOURCE_SESSION if role == "source" else self.TARGET_SESSION:
            self._con.execute(stmt.format(ms=ms))
        schema = self._con.execute("SELECT current_schema()").fetchone()
        self.home = (schema[0] if schema else None) or "public"
        self._functions = frozenset(r[0] for r in self._con.execute(_USER_FUNCTIONS))
        if role == "source":
            # Every source read runs inside one REPEATABLE READ, READ ONLY transaction: one
            # snapshot for the whole run. It is only ever rolled back, so even a session
            # setting changed inside it (set_config(..., false)) does not survive it.
            self._con.autocommit = False
            self._con.read_only = True
            self._con.isolation_level = psycopg.IsolationLevel.REPEATABLE_READ

    def _connect_args(self, url: str) -> dict[str, Any]:
        try:
            u = urls.parse(url)
        except Exception as exc:  # ValueError: not a URL, or a port that is not a number
            raise ConfigError(f"not a valid PostgreSQL URL: {self.where()} ({exc})") from exc
        args: dict[str, Any] = {k: v for k, v in u.query.items() if isinstance(v, str)}
        args.update(host=u.host or "localhost", port=u.port or 5432, user=u.username,
                    password=u.password, dbname=u.database or "postgres")
        args.setdefault("connect_timeout", str(max(1, int(min(self.timeout_s, 30)))))
        args.setdefault("application_name", f"cutover-{self.role}")
        return {k: v for k, v in args.items() if v is not None}

    def where(self) -> str:
        try:
            u = urls.parse(self.url)
            return f"{u.host}:{u.port or 5432}/{u.database or ''}"
        except Exception:  # never leak the password of a URL we cannot parse
            return "(unparsable URL)"

    # ---------------------------------------------------------------- reading
    def _read_batches(self, sql: str, batch_rows: int,
                      limit: int | None = None) -> Iterator[pa.RecordBatch]:
        try:
            if self.role == "source":
                # Re-asserted per read: the timeout may have been changed by an earlier query.
                self._con.execute(f"SET LOCAL statement_timeout = {int(self.timeout_s * 1000)}")
                yield from self._fetch(sql, batch_rows, limit)
            else:
                # Server-side cursors live in a transaction; the target runs autocommit.
                with self._con.transaction():
                    yield from self._fetch(sql, batch_rows, limit)
        except self._psycopg.Error:
            self._recover()
            raise

    def _fetch(self, sql: str, batch_rows: int, limit: int | None) -> Iterator[pa.RecordBatch]:
        # A named cursor is DECLARE ... CURSOR FOR <sql> over the extended protocol: one
        # statement only, and it must be a query — a second hard wall behind the guard.
        # Declaring plans the query without running it, and tells the result's columns.
        query = sql.strip().rstrip(";")
        with self._con.cursor(name=f"cutover_{next(self._cursor_ids)}") as cur:
            cur.itersize = batch_rows
            cur.execute(query)
            description = cur.description or []
            names = [d.name for d in description]
            types = [self._arrow_type(d) for d in description]
            self._last_schema = pa.schema([pa.field(n, t or pa.null())
                                           for n, t in zip(names, types, strict=True)])
            # A capped read (a sample, a schema probe) stops early: a cursor just closes, while
            # a COPY has to be cancelled mid-stream.
            copy_plan = None if limit is not None \
                else postgres_copy.plan(description, self._arrow_type)
            if copy_plan is None:
                yield from self._batches(names, types, self._rows(cur, batch_rows))
                return
        # The cursor is closed (the query never ran); the same statement now runs as a COPY,
        # on the same connection and so in the same transaction and snapshot. A reader that
        # stops early cancels the COPY, which aborts the transaction: the savepoint that
        # transaction() opens here takes that back and keeps the source's snapshot alive.
        # A stop that came between the DECLARE and the COPY cancelled nothing: do not start.
        stop.raise_if_requested("a source read")
        with self._con.transaction(), self._con.cursor() as copy_cur, \
                copy_cur.copy(postgres_copy.copy_sql(query)) as copy:
            columns = postgres_copy.read(iter(copy), copy_plan, batch_rows)
            yield from self._batches(names, types, columns)

    def functions(self) -> frozenset[str]:
        return self._functions

    def privileges(self) -> RolePrivileges:
        rows = self._catalog(_ROLE_POWERS)
        role, superuser, replication, createrole, bypassrls, server_files = rows[0]
        writes = tuple(f"{priv} on {obj}" for obj, priv in self._catalog(_ROLE_WRITES))
        notes = tuple(note for flag, note in (
            (replication, "can create replication slots (REPLICATION)"),
            (createrole, "can create roles (CREATEROLE)"),
            (bypassrls, "bypasses row-level security"),
            (server_files, "can read or write server files (pg_*_server_files)")) if flag)
        return RolePrivileges(role=role, superuser=bool(superuser),
                              writes=writes + (("REPLICATION",) if replication else ()),
                              notes=notes)

    def duckdb_scan(self, sql: str, alias: str) -> DuckDBScan | None:
        guard.check_read_only(sql, self.DIALECT, side=self.role, functions=self._functions)
        if not postgres_scan.scannable(self._describe(sql)):
            return None
        try:
            return postgres_scan.recipe(self._connect_args(self.url), sql, alias, self.timeout_s)
        except ConfigError as exc:  # the scanner wheel is missing: the Arrow path still works
            self.tracer.event("scan_fallback", side=self.role, via="postgres_scanner",
                              reason=str(exc))
            return None

    def _describe(self, sql: str) -> list[Any]:
        """The result's columns, from DECLARE (plans the query, does not run it)."""
        query = sql.strip().rstrip(";")
        try:
            # The target runs autocommit; a cursor needs a transaction (the source is in one).
            with self._con.transaction() if self.role != "source" else nullcontext():
                with self._con.cursor(name=f"cutover_{next(self._cursor_ids)}") as cur:
                    cur.execute(query)
                    return list(cur.description or [])
        except self._psycopg.Error as exc:
            self._recover()
            raise self._classify(exc, sql) from exc

    @staticmethod
    def _rows(cur: Any, batch_rows: int) -> Iterator[list[pa.Array]]:
        while rows := cur.fetchmany(batch_rows):
            yield [list(c) for c in zip(*rows, strict=True)]

    @staticmethod
    def _batches(names: list[str], types: list[pa.DataType | None],
                 columns: Iterator[list[Any]]) -> Iterator[pa.RecordBatch]:
        """Typed batches of one result: every batch gets the first batch's schema."""
        settled: list[pa.DataType] | None = None
        for values in columns:
            raw = [v if isinstance(v, pa.Array) else _column(v, t)
                   for v, t in zip(values, types, strict=True)]
            arrays, settled = _settle(names, types, raw, settled)
            yield pa.RecordBatch.from_arrays(arrays, names=names)

    @staticmethod
    def _arrow_type(column: Any) -> pa.DataType | None:
        if column.type_code == _NUMERIC_OID:
            return _numeric_type(column.precision, column.scale)
        return _ARROW.get(column.type_code)

    def _empty_result(self, sql: str) -> pa.Table:
        return arrow_feed.empty(self._last_schema)

    def _recover(self) -> None:
        """A failed statement aborts the PostgreSQL transaction; roll back so the connection
        stays usable (a later COMMIT would silently roll back anyway)."""
        if self._con.closed:
            return
        try:
            self._con.rollback()
        except self._psycopg.Error:
            pass  # the connection is gone; the next call reports ConnectionLost

    # ---------------------------------------------------------------- catalog
    _COLUMNS_SQL: ClassVar[str] = (
        "SELECT c.table_name, c.column_name, c.data_type, c.is_nullable, c.numeric_precision, "
        "c.numeric_scale, c.character_maximum_length "
        "FROM information_schema.columns c JOIN information_schema.tables t "
        "ON t.table_schema = c.table_schema AND t.table_name = c.table_name "
        "WHERE t.table_type = 'BASE TABLE' AND c.table_schema = current_schema() "
        "ORDER BY c.table_name, c.ordinal_position")
    _PK_SQL: ClassVar[str] = (
        "SELECT c.relname, a.attname FROM pg_index i "
        "JOIN pg_class c ON c.oid = i.indrelid "
        "JOIN pg_namespace n ON n.oid = c.relnamespace "
        "CROSS JOIN LATERAL unnest(i.indkey) WITH ORDINALITY AS k(attnum, ord) "
        "JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum = k.attnum "
        "WHERE i.indisprimary AND n.nspname = current_schema() ORDER BY c.relname, k.ord")

    def _catalog(self, sql: str) -> list[tuple[Any, ...]]:
        try:
            return self._con.execute(sql).fetchall()
        except self._psycopg.Error as exc:
            self._recover()
            raise self._classify(exc, sql) from exc

    def tables(self) -> list[dict[str, Any]]:
        pk_map: dict[str, list[str]] = {}
        for table, column in self._catalog(self._PK_SQL):
            pk_map.setdefault(table, []).append(column)
        tables: dict[str, dict[str, Any]] = {}
        for table, column, dtype, nullable, prec, scale, length in self._catalog(self._COLUMNS_SQL):
            declared = self._declared(dtype, prec, scale, length)
            entry = tables.setdefault(table, {"name": table, "columns": [],
                                              "primary_key": pk_map.get(table, []), "row_count": 0})
            entry["columns"].append({"name": column, "type": declared,
                                     "canonical": self.canonical_type(declared),
                                     "nullable": nullable == "YES"})
        for entry in tables.values():
            entry["row_count"] = int(self._catalog(
                f"SELECT COUNT(*) FROM {self.quote(entry['name'])}")[0][0])
        return list(tables.values())

    @staticmethod
    def _declared(dtype: str, prec: int | None, scale: int | None, length: int | None) -> str:
        if dtype == "numeric":
            return f"numeric({prec},{scale or 0})" if prec is not None else "numeric"
        if dtype in ("character varying", "character") and length is not None:
            return f"{dtype}({length})"
        return dtype

    def canonical_type(self, declared: str) -> str:
        base = declared.split("(", 1)[0].strip()
        if base == "numeric" and "(" not in declared:
            return T.decimal(38, 10)  # unconstrained: wide enough for typical money/measures
        return _NATIVE.get(base) or T.from_declared(declared)

    def views(self) -> list[str]:
        return [r[0] for r in self._catalog(
            "SELECT table_name FROM information_schema.views "
            "WHERE table_schema = current_schema() ORDER BY table_name")]

    def view_definitions(self) -> dict[str, str]:
        return {name: f"CREATE VIEW {self.quote(name)} AS {body.strip().rstrip(';')}"
                for name, body in self._catalog(
                    "SELECT viewname, pg_get_viewdef(format('%I.%I', schemaname, viewname)"
                    "::regclass, true) FROM pg_views WHERE schemaname = current_schema() "
                    "ORDER BY viewname")}

    def routines(self) -> list[str]:
        """CREATE statements of the procedures and functions in the current schema, from
        pg_proc (what `[source] include = ["procedures", "functions"]` reads)."""
        return [r[0] for r in self._catalog(
            "SELECT pg_get_functiondef(p.oid) FROM pg_proc p JOIN pg_namespace n "
            "ON n.oid = p.pronamespace WHERE n.nspname = current_schema() "
            "AND p.prokind IN ('f', 'p') ORDER BY p.proname")]

    def decimal_ddl(self, precision: int, scale: int) -> str:
        return f"NUMERIC({precision},{scale})"

    # ---------------------------------------------------------------- target side
    def _run(self, sql: str) -> None:
        try:
            self._con.execute(sql)
        except self._psycopg.Error:
            self._recover()
            raise

    def create_table(self, name: str, columns: list[dict[str, Any]],
                     primary_key: list[str] | None = None) -> None:
        cols = ", ".join(f"{self.quote(c['name'])} {self.ddl_type(c['canonical'])}"
                         for c in columns)
        self.execute(f"DROP TABLE IF EXISTS {self.qualified(name)} CASCADE")
        self.execute(f"CREATE TABLE {self.qualified(name)} ({cols}{self.key_clause(primary_key)})")

    def analyze(self, name: str) -> None:
        # TPC-H q20 on a just-copied lineitem: 0.3 s with statistics, over 60 s without.
        # The guard has no ANALYZE; the same two walls as a bulk append stand in for it: a
        # target only, and a table inside the sandbox (checked as an INSERT into it).
        target = self._append_target(name, verb="ANALYZE")
        self._run_logged(f"ANALYZE {target}")

    def _append_batch(self, name: str, batch: pa.RecordBatch) -> None:
        target = self._append_target(name, verb="COPY")
        cols = ", ".join(self.quote(n) for n in batch.schema.names)
        copy_sql = f"COPY {target} ({cols}) FROM STDIN"
        try:
            with self._con.cursor() as cur, cur.copy(copy_sql) as copy:
                for row in zip(*(c.to_pylist() for c in batch.columns), strict=True):
                    copy.write_row(row)
        except self._psycopg.Error as exc:
            self._recover()
            raise self._classify(exc, copy_sql) from exc
        self.tracer.event("sql", side=self.role, sql=copy_sql, rows=batch.num_rows, error=None)

    def alive(self) -> bool:
        return not (self._con.closed or self._con.broken) and super().alive()

    def _socket_fd(self) -> int | None:
        return None if self._con.closed else self._con.fileno()

    def interrupt(self) -> None:
        """A real cancel request: the backend stops the query, not only the client waiting."""
        if self._con.closed:
            return
        cancel = getattr(self._con, "cancel_safe", None) or self._con.cancel
        try:
            cancel()
        except Exception:  # noqa: BLE001 - the server is unreachable: cut the socket instead
            super().interrupt()

    def export_snapshot(self) -> str | None:
        """The id of the run's source snapshot; valid while this session's transaction lives
        (the source never commits, so for the whole run unless a failed read rolls it back)."""
        if self.role != "source":
            return None
        row = self._con.execute("SELECT pg_export_snapshot()").fetchone()
        return str(row[0]) if row else None

    def adopt_snapshot(self, token: str) -> None:
        """Start this session's REPEATABLE READ transaction in the exported snapshot: it must be
        the transaction's first statement, so any transaction already open is ended first."""
        if not re.fullmatch(r"[0-9A-Fa-f-]+", token):  # a SET takes no bound parameter
            raise ConnectionLost(f"not a PostgreSQL snapshot id: {token!r}")
        self._con.rollback()
        try:
            self._con.execute(f"SET TRANSACTION SNAPSHOT '{token}'")
        except self._psycopg.Error as exc:
            self._recover()
            raise ConnectionLost(f"could not share the source snapshot {token!r}: "
                                 f"{str(exc).strip()}") from exc

    def prepare_hashing(self) -> None:
        """A checksum pass groups its rows by key segment, and the planner cannot estimate
        how few segments there are: with the default 4 MB of work_mem it sorts the rows on
        disk to group them, with this much it hashes them in memory."""
        self._con.execute("SET work_mem = '64MB'")

    def close(self) -> None:
        if not self._con.closed:
            self._recover()  # the source never commits: its snapshot ends in a rollback
            self._con.close()

    # ---------------------------------------------------------------- errors
    def _failure_key(self, exc: Exception) -> str | None:
        if isinstance(exc, self._psycopg.Error):
            if exc.sqlstate == "57014" and "user request" in str(exc):
                return "interrupt"  # the same SQLSTATE as a statement timeout
            # No SQLSTATE: the error came from the link, not the server.
            return exc.sqlstate or "08006"
        return super()._failure_key(exc)

