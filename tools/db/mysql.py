"""MariaDB / MySQL adapter (PyMySQL): a read-only snapshot source, or a target whose sandbox is
a database of its own (MySQL has no schemas inside a database)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from typing import Any, ClassVar

import pyarrow as pa

from tools import guard
from tools.db import arrow_feed, mysql_arrow_scan, mysql_scan, urls
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

# information_schema.columns.data_type -> canonical type (decimal read with precision/scale;
# tinyint(1) is BOOLEAN's spelling and is decided from column_type).
_NATIVE = {
    "tinyint": T.INT, "smallint": T.INT, "mediumint": T.INT, "int": T.INT, "bigint": T.INT,
    "year": T.INT, "bit": T.INT,
    "float": T.FLOAT, "double": T.FLOAT, "real": T.FLOAT,
    "char": T.TEXT, "varchar": T.TEXT, "tinytext": T.TEXT, "text": T.TEXT,
    "mediumtext": T.TEXT, "longtext": T.TEXT, "enum": T.TEXT, "set": T.TEXT, "uuid": T.TEXT,
    "date": T.DATE, "datetime": T.TIMESTAMP,
    # TIMESTAMP is stored as UTC and shown in the session zone: an instant, like timestamptz.
    "timestamp": T.TIMESTAMPTZ, "time": T.TIME,
    "binary": T.BLOB, "varbinary": T.BLOB, "tinyblob": T.BLOB, "blob": T.BLOB,
    "mediumblob": T.BLOB, "longblob": T.BLOB, "json": T.JSON,
}

# Result field type code (pymysql.constants.FIELD_TYPE) -> Arrow type.
_ARROW = {
    1: pa.int8(), 2: pa.int16(), 3: pa.int32(), 8: pa.int64(), 9: pa.int32(), 13: pa.int16(),
    4: pa.float32(), 5: pa.float64(),
    10: pa.date32(), 12: pa.timestamp("us"), 7: pa.timestamp("us", tz="UTC"),
    11: pa.time64("us"), 16: pa.int64(), 245: pa.string(), 247: pa.string(), 248: pa.string(),
}
_UNSIGNED_ARROW = {1: pa.uint8(), 2: pa.uint16(), 3: pa.uint32(), 8: pa.uint64(), 9: pa.uint32()}
_STRINGY = (15, 249, 250, 251, 252, 253, 254)
_DECIMAL_CODES = (0, 246)
_BINARY_CHARSET = 63
_UNSIGNED_FLAG = 32

# MySQL error numbers by outcome. Connection and privilege trouble is infrastructure
# (the object is 'blocked', never handed to the fixer); the rest decides compile vs runtime.
_RUNTIME_ERRNO = (1264, 1265, 1292, 1365, 1366, 1406, 1411, 1441, 1690, 3156, 4025)


# The privileges the current user holds that reach this database: global (*.*), on a schema
# pattern matching it (`cutover%`), or on one of its tables. information_schema shows a user
# only their own grants, which is exactly what is asked.
_GRANTEE = ("CONCAT('''', SUBSTRING_INDEX(CURRENT_USER(), '@', 1), '''@''', "
            "SUBSTRING_INDEX(CURRENT_USER(), '@', -1), '''')")
_ROLE_PRIVILEGES = (
    f"SELECT '*.*', privilege_type FROM information_schema.user_privileges "
    f"WHERE grantee = {_GRANTEE} "
    f"UNION SELECT CONCAT(table_schema, '.*'), privilege_type "
    f"FROM information_schema.schema_privileges WHERE grantee = {_GRANTEE} "
    f"AND DATABASE() LIKE table_schema "
    f"UNION SELECT CONCAT(table_schema, '.', table_name), privilege_type "
    f"FROM information_schema.table_privileges WHERE grantee = {_GRANTEE} "
    f"AND table_schema = DATABASE()"
)
_WRITE_PRIVILEGES = frozenset({
    "INSERT", "UPDATE", "DELETE", "CREATE", "DROP", "ALTER", "INDEX", "CREATE VIEW",
    "CREATE ROUTINE", "ALTER ROUTINE", "TRIGGER", "EVENT", "CREATE TEMPORARY TABLES",
    "DELETE HISTORY", "FILE", "SUPER", "ALL PRIVILEGES", "CREATE USER", "GRANT OPTION",
})
_POWERS = {"FILE": "reads and writes server files", "PROCESS": "sees other sessions",
           "SHUTDOWN": "can stop the server", "RELOAD": "can flush logs and caches"}


def _column(values: list[Any], arrow_type: pa.DataType | None) -> pa.Array:
    """Typed when the field type is known; else inferred; text as the last resort."""
    try:
        return pa.array(values, type=arrow_type)
    except (pa.ArrowInvalid, pa.ArrowTypeError, pa.ArrowNotImplementedError, OverflowError):
        return pa.array([None if v is None else str(v) for v in values], type=pa.string())


def _conform(names: list[str], arrays: list[pa.Array],
             settled: list[pa.DataType] | None) -> list[pa.Array]:
    """Every batch of one result gets the first batch's schema (a text fallback decided in
    the first batch sticks); a later batch that cannot take it is an error naming the column."""
    if settled is None:
        return arrays
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
    return out


def _time_column(values: list[Any]) -> pa.Array:
    # PyMySQL reads TIME as a timedelta (MySQL TIME spans -838..838 hours): times of day when
    # every value is one, else a duration (TIMEDIFF's '960:00:00', a negative time), which the
    # differ compares with the other engines' intervals.
    if all(v is None or (isinstance(v, dt.timedelta)
                         and dt.timedelta(0) <= v < dt.timedelta(days=1)) for v in values):
        return _column([None if v is None else (dt.datetime.min + v).time() for v in values],
                       pa.time64("us"))
    return _column(values, pa.duration("us"))


def _bit_int(value: Any) -> Any:
    return int.from_bytes(value, "big") if isinstance(value, bytes) else value


def _to_driver(value: Any) -> Any:
    # DATETIME has no zone: instants are stored as UTC wall-clock time (see TYPE_DDL).
    if isinstance(value, dt.datetime) and value.tzinfo is not None:
        return value.astimezone(dt.UTC).replace(tzinfo=None)
    return value


class MySQLAdapter(Adapter):
    SCHEMES: ClassVar[tuple[str, ...]] = ("mysql", "mariadb")
    DIALECT: ClassVar[str] = "mysql"
    ENGINE: ClassVar[str] = "mysql"
    FRESH_DATABASE: ClassVar[dict[str, str]] = {
        # Most MySQL codebases were written against a case-insensitive, PAD SPACE collation
        # (the MariaDB and MySQL 5.7 default); the trap suites depend on it, so it is pinned.
        "create": "CREATE DATABASE `{name}` CHARACTER SET utf8mb4 COLLATE utf8mb4_general_ci",
        "drop": "DROP DATABASE IF EXISTS `{name}`",
        # A sandbox is a database of its own here, so it outlives a run that crashed.
        "leftovers": "SHOW DATABASES LIKE '{pattern}'",
    }

    @classmethod
    def setup_connection(cls, url: str, *, database: bool = True) -> Any:
        import pymysql

        args = cls._unconnected(url)._connect_args(url)
        if not database:
            args.pop("database", None)
        return pymysql.connect(**args, autocommit=True, charset="utf8mb4")

    TYPE_DDL: ClassVar[dict[str, str]] = {
        # LONGTEXT: no row-size limit and no length to guess; create_table uses VARCHAR(n)
        # when the source declared a short one. TIMESTAMP would stop at 2038: instants are
        # kept as UTC in DATETIME(6).
        T.INT: "BIGINT", T.FLOAT: "DOUBLE", T.TEXT: "LONGTEXT", T.BOOL: "BOOLEAN",
        T.DATE: "DATE", T.TIMESTAMP: "DATETIME(6)", T.TIMESTAMPTZ: "DATETIME(6)",
        T.TIME: "TIME(6)", T.BLOB: "LONGBLOB", T.JSON: "JSON",
    }
    VARCHAR_MAX: ClassVar[int] = 255
    """Longest declared text kept as VARCHAR(n): utf8mb4 rows must fit 65,535 bytes."""
    # Session statements per flavour: (statement timeout in seconds, read-only switch).
    SESSION: ClassVar[dict[str, tuple[str, ...]]] = {
        "mariadb": ("SET SESSION max_statement_time = {s}", "SET SESSION tx_read_only = 1"),
        "mysql": ("SET SESSION max_execution_time = {ms}",
                  "SET SESSION transaction_read_only = 1"),
    }
    SCAN_PREFIX: ClassVar[dict[str, str]] = {
        "mariadb": "SET STATEMENT tx_read_only = 1, max_statement_time = {s}, "
                   "time_zone = '+00:00' FOR ",
    }
    """Per-statement session guarantees for the DuckDB scanner's own connections (flavours
    without one are read through PyMySQL)."""
    BATCH_INSERT_ROWS: ClassVar[int] = 1000
    # No CREATE OR REPLACE TABLE; the connection runs one statement per call.
    PROMOTE: ClassVar[dict[str, tuple[str, ...]]] = {
        "view": ("CREATE OR REPLACE VIEW {name} AS {sql}",),
        "table_as_select": ("DROP TABLE IF EXISTS {name}", "CREATE TABLE {name} AS {sql}"),
    }

    #: Canonical-encoding expressions for checksum diffs (tools/diff/checksum.py says how they
    #: fit together). No NaN/inf in MySQL; CONCAT, not || (a logical OR here); TIMESTAMPDIFF
    #: reads TIMESTAMP in the session zone, pinned to UTC.
    HASH_SQL: ClassVar[dict[str, str]] = {
        "md5": "MD5({x})",
        "hex60": "CAST(CONV({x}, 16, 10) AS UNSIGNED)",
        "sum": "SUM({x})",
        "concat": "CONCAT({parts})",
        "concat_sep": ", ",
        "text": "CAST({x} AS CHAR)",
        "length": "CHAR_LENGTH({x})",
        "exact": (
            "CASE WHEN LOCATE('.', {x}) > 0 "
            "THEN TRIM(TRAILING '.' FROM TRIM(TRAILING '0' FROM {x})) ELSE {x} END"
        ),
        "bool": "CAST(CAST({x} AS SIGNED) AS CHAR)",
        "double": "CAST({x} AS DOUBLE)",
        "float": (
            "CASE WHEN {x} = 0 THEN '0' ELSE CONCAT(CAST(ROUND({x} / POW(10, "
            "FLOOR(LOG10(ABS({x}))) - 11)) AS SIGNED), 'e', "
            "CAST(FLOOR(LOG10(ABS({x}))) - 11 AS SIGNED)) END"
        ),
        "date": "DATE_FORMAT({x}, '%Y-%m-%d')",
        "timestamp": "CAST(TIMESTAMPDIFF(MICROSECOND, '1970-01-01 00:00:00', {x}) AS CHAR)",
        "date_ts": "CAST(TIMESTAMPDIFF(MICROSECOND, '1970-01-01 00:00:00', {x}) AS CHAR)",
    }

    #: errno -> what it means for the run. MariaDB's server errors reach 4xxx ("Unknown data
    #: type" is 4161): only 2xxx are the client's, and an unknown one is SQL, never the link.
    FAILURES: ClassVar[FailureTable] = {
        "1792": Failure.REFUSED, "1290": Failure.REFUSED,  # read-only transaction / server
        "1317": Failure.INTERRUPT,  # query execution was interrupted (KILL QUERY, Ctrl-C)
        "1969": Failure.TIMEOUT,    # MariaDB max_statement_time
        "3024": Failure.TIMEOUT,    # MySQL max_execution_time
        "1205": Failure.TRANSIENT,  # lock wait timeout
        "1213": Failure.TRANSIENT,  # deadlock
        "1040": Failure.TRANSIENT,  # too many connections
        "1927": Failure.TRANSIENT,  # connection was killed
        "client": Failure.TRANSIENT,
        "1044": Failure.INFRA, "1045": Failure.INFRA, "1142": Failure.INFRA,
        "1143": Failure.INFRA, "1227": Failure.INFRA, "1370": Failure.INFRA,  # access denied
        "1049": Failure.INFRA,      # unknown database
        "1235": Failure.UNSUPPORTED, "1178": Failure.UNSUPPORTED,  # not supported (yet)
        "data": Failure.RUNTIME,
        **{str(errno): Failure.RUNTIME for errno in _RUNTIME_ERRNO},
    }

    def __init__(self, url: str, role: Role, tracer: Tracer | None = None,
                 timeout_s: float = 60.0) -> None:
        import pymysql  # lazily: only runs that use MySQL pay for the import
        import pymysql.cursors

        super().__init__(url, role, tracer, timeout_s)
        self._pymysql = pymysql
        args = self._connect_args(url)
        try:
            # No CLIENT.MULTI_STATEMENTS: one statement per call is a wall behind the guard.
            self._con = pymysql.connect(**args, autocommit=True, charset="utf8mb4",
                                        cursorclass=pymysql.cursors.Cursor)
        except pymysql.Error as exc:
            raise ConnectionLost(f"cannot connect to MySQL/MariaDB at {self.where()}: "
                                 f"{exc}. Is the server running and the URL right?") from exc
        self._flavour = "mariadb" if "mariadb" in self._con.get_server_info().lower() else "mysql"
        self.home = args.get("database") or self._scalar("SELECT DATABASE()") or ""
        self._scalar("SET time_zone = '+00:00'")
        self._session_limits()
        if role == "source":
            self._begin_snapshot()

    def _connect_args(self, url: str) -> dict[str, Any]:
        try:
            u = urls.parse(url)
        except Exception as exc:  # ValueError: not a URL, or a port that is not a number
            raise ConfigError(f"not a valid MySQL URL: {self.where()} ({exc})") from exc
        timeout = max(1, int(min(self.timeout_s, 30)))
        args: dict[str, Any] = {"host": u.host or "localhost", "port": u.port or 3306,
                                "user": u.username, "password": u.password or "",
                                "database": u.database, "connect_timeout": timeout}
        if "unix_socket" in u.query:
            args["unix_socket"] = u.query["unix_socket"]
        return {k: v for k, v in args.items() if v is not None}

    def where(self) -> str:
        try:
            u = urls.parse(self.url)
            return f"{u.host}:{u.port or 3306}/{u.database or ''}"
        except Exception:  # never leak the password of a URL we cannot parse
            return "(unparsable URL)"

    def _scalar(self, sql: str) -> Any:
        with self._con.cursor() as cur:
            cur.execute(sql)
            row = cur.fetchone()
        return row[0] if row else None

    # ---------------------------------------------------------------- source session
    def _session_limits(self) -> None:
        timeout, read_only = self.SESSION[self._flavour]
        self._scalar(timeout.format(s=self.timeout_s, ms=int(self.timeout_s * 1000)))
        if self.role == "source":
            self._scalar(read_only)

    def _begin_snapshot(self) -> None:
        self._scalar("START TRANSACTION WITH CONSISTENT SNAPSHOT, READ ONLY")

    def _reassert_read_only(self) -> None:
        """Before each source read: a single earlier statement may have switched the session
        to read-write or ended the snapshot (SET SESSION tx_read_only = 0, COMMIT, a DDL's
        implicit commit). Setting the session flag leaves an open transaction untouched."""
        self._session_limits()
        if not self._scalar("SELECT @@in_transaction"):
            self._begin_snapshot()

    # ---------------------------------------------------------------- reading
    def _read_batches(self, sql: str, batch_rows: int,
                      limit: int | None = None) -> Iterator[pa.RecordBatch]:
        if self.role == "source":
            self._reassert_read_only()
        # Unbuffered: rows stream from the server in batches instead of all at once.
        with self._con.cursor(self._pymysql.cursors.SSCursor) as cur:
            cur.execute(sql.strip().rstrip(";"))
            description = cur.description or ()
            fields = getattr(getattr(cur, "_result", None), "fields", None) or []
            names = [d[0] for d in description]
            types = [self._arrow_type(d, fields[i] if i < len(fields) else None)
                     for i, d in enumerate(description)]
            self._last_schema = pa.schema([pa.field(n, t or pa.null())
                                           for n, t in zip(names, types, strict=True)])
            settled: list[pa.DataType] | None = None
            while rows := cur.fetchmany(batch_rows):
                columns = list(zip(*rows, strict=True))
                arrays = [self._array(list(c), d[1], t)
                          for c, d, t in zip(columns, description, types, strict=True)]
                arrays = _conform(names, arrays, settled)
                settled = [a.type for a in arrays]
                yield pa.RecordBatch.from_arrays(arrays, names=names)

    def duckdb_scan(self, sql: str, alias: str) -> DuckDBScan | None:
        if self.role == "source":
            guard.check_read_only(sql, self.DIALECT)
        prefix = self.SCAN_PREFIX.get(self._flavour)
        if prefix is None:
            return None
        # The Arrow path's schema, from the query wrapped in LIMIT 0 (planned, not run).
        query = sql.strip().rstrip(";")
        schema = self.read_arrow(f"SELECT * FROM (\n{query}\n) q LIMIT 0").schema
        if not mysql_scan.scannable(schema):
            return None
        args, prefix = self._connect_args(self.url), prefix.format(s=self.timeout_s)
        if mysql_arrow_scan.available() and mysql_arrow_scan.carried(schema) \
                and not args.get("unix_socket"):
            try:
                found = mysql_arrow_scan.recipe(args, prefix, sql, schema, alias)
            except RuntimeError as exc:  # connectorx could not connect: the scanner may
                self.tracer.event("scan_fallback", side=self.role, via="connectorx",
                                  reason=str(exc))
                found = None
            if found is not None:
                return found
        try:
            return mysql_scan.recipe(args, prefix, sql, schema, alias)
        except ConfigError as exc:  # the scanner wheel is missing: the Arrow path still works
            self.tracer.event("scan_fallback", side=self.role, via="mysql scanner",
                              reason=str(exc))
            return None

    @staticmethod
    def _arrow_type(desc: tuple[Any, ...], field: Any) -> pa.DataType | None:
        code, length, scale = desc[1], desc[3] or 0, desc[5] or 0
        unsigned = bool(field is not None and field.flags & _UNSIGNED_FLAG)
        if code in _DECIMAL_CODES:
            # display length counts the point and (when signed) the minus sign
            precision = length - (1 if scale else 0) - (0 if unsigned else 1)
            return pa.decimal128(precision, scale) if 0 < precision <= 38 else None
        if code in _STRINGY:
            binary = field is not None and field.charsetnr == _BINARY_CHARSET
            return pa.binary() if binary else pa.string()
        if unsigned and code in _UNSIGNED_ARROW:
            return _UNSIGNED_ARROW[code]
        return _ARROW.get(code)

    @staticmethod
    def _array(values: list[Any], code: int, arrow_type: pa.DataType | None) -> pa.Array:
        if code == 11:
            return _time_column(values)
        if code == 16:
            values = [_bit_int(v) for v in values]
        return _column(values, arrow_type)

    def _empty_result(self, sql: str) -> pa.Table:
        return arrow_feed.empty(self._last_schema)

    # ---------------------------------------------------------------- catalog
    _COLUMNS_SQL: ClassVar[str] = (
        "SELECT c.table_name, c.column_name, c.data_type, c.column_type, c.is_nullable, "
        "c.numeric_precision, c.numeric_scale, c.character_maximum_length, c.column_key, "
        "c.collation_name "
        "FROM information_schema.columns c JOIN information_schema.tables t "
        "ON t.table_schema = c.table_schema AND t.table_name = c.table_name "
        "WHERE t.table_type = 'BASE TABLE' AND c.table_schema = DATABASE() "
        "ORDER BY c.table_name, c.ordinal_position")
    _PK_SQL: ClassVar[str] = (
        "SELECT table_name, column_name FROM information_schema.key_column_usage "
        "WHERE constraint_name = 'PRIMARY' AND table_schema = DATABASE() "
        "ORDER BY table_name, ordinal_position")

    def _catalog(self, sql: str) -> list[tuple[Any, ...]]:
        try:
            with self._con.cursor() as cur:
                cur.execute(sql)
                return list(cur.fetchall())
        except self._pymysql.Error as exc:
            raise self._classify(exc, sql) from exc

    def tables(self) -> list[dict[str, Any]]:
        pk_map: dict[str, list[str]] = {}
        for table, column in self._catalog(self._PK_SQL):
            pk_map.setdefault(table, []).append(column)
        tables: dict[str, dict[str, Any]] = {}
        for row in self._catalog(self._COLUMNS_SQL):
            table, column, dtype, ctype, nullable, prec, scale, length, _key, collation = row
            entry = tables.setdefault(table, {"name": table, "columns": [],
                                              "primary_key": pk_map.get(table, []), "row_count": 0})
            entry["columns"].append({"name": column, "type": ctype,
                                     "canonical": self._canonical(dtype, ctype, prec, scale),
                                     "nullable": nullable == "YES", "length": length,
                                     "collation": collation})
        for entry in tables.values():
            entry["row_count"] = int(self._catalog(
                f"SELECT COUNT(*) FROM {self.quote(entry['name'])}")[0][0])
        return list(tables.values())

    @staticmethod
    def _canonical(dtype: str, ctype: str, prec: int | None, scale: int | None) -> str:
        dtype, ctype = dtype.lower(), ctype.lower()
        if dtype == "decimal" and prec is not None:
            return T.decimal(int(prec), int(scale or 0))
        if ctype.startswith("tinyint(1)"):
            return T.BOOL
        return _NATIVE.get(dtype) or T.from_declared(ctype)

    def canonical_type(self, declared: str) -> str:
        base = declared.split("(", 1)[0].strip().lower()
        return self._canonical(base, declared, None, None) if base != "decimal" \
            else T.from_declared(declared)

    def privileges(self) -> RolePrivileges:
        user = str(self._scalar("SELECT CURRENT_USER()"))
        held = {(str(scope), str(priv)) for scope, priv in self._catalog(_ROLE_PRIVILEGES)}
        writes = tuple(sorted(f"{priv} on {scope}" for scope, priv in held
                              if priv in _WRITE_PRIVILEGES))
        superuser = any(priv in ("SUPER", "ALL PRIVILEGES") for _, priv in held
                        if _ == "*.*")
        notes = tuple(f"{priv} ({why})" for priv, why in _POWERS.items()
                      if ("*.*", priv) in held)
        return RolePrivileges(role=user, superuser=superuser, writes=writes, notes=notes)

    def views(self) -> list[str]:
        return [r[0] for r in self._catalog(
            "SELECT table_name FROM information_schema.views "
            "WHERE table_schema = DATABASE() ORDER BY table_name")]

    def view_definitions(self) -> dict[str, str]:
        """From information_schema.VIEWS (MariaDB stores the body without CREATE)."""
        return {name: f"CREATE VIEW {self.quote(name)} AS {_unqualified(body, database)}"
                for name, body, database in self._catalog(
                    "SELECT table_name, view_definition, table_schema FROM "
                              "information_schema.views WHERE table_schema = DATABASE() "
                              "ORDER BY table_name")}

    def routines(self) -> list[str]:
        """CREATE PROCEDURE / FUNCTION texts rebuilt from information_schema.ROUTINES and
        PARAMETERS (SHOW CREATE needs the definer's rights; these need only EXECUTE)."""
        params: dict[tuple[str, str], list[str]] = {}
        for name, kind, mode, pname, dtype in self._catalog(
                "SELECT specific_name, routine_type, parameter_mode, parameter_name, "
                "dtd_identifier FROM information_schema.parameters WHERE specific_schema = "
                "DATABASE() AND ordinal_position > 0 ORDER BY specific_name, "
                "ordinal_position"):
            text = f"{self.quote(pname)} {dtype}"
            params.setdefault((name, kind), []).append(
                f"{mode} {text}" if kind == "PROCEDURE" and mode else text)
        out = []
        for name, kind, returns, body in self._catalog(
                "SELECT routine_name, routine_type, dtd_identifier, routine_definition FROM "
                "information_schema.routines WHERE routine_schema = DATABASE() "
                "ORDER BY routine_name"):
            args = ", ".join(params.get((name, kind), []))
            tail = f" RETURNS {returns}" if kind == "FUNCTION" else ""
            out.append(f"CREATE {kind} {self.quote(name)}({args}){tail} {body}")
        return out

    def decimal_ddl(self, precision: int, scale: int) -> str:
        # MySQL's limits are DECIMAL(65,30); wider source numerics are rare and would be
        # refused by the server anyway.
        return f"DECIMAL({min(precision, 65)},{min(scale, 30)})"

    # ---------------------------------------------------------------- target side
    def quote(self, name: str) -> str:
        return "`" + name.replace("`", "``") + "`"

    def _run(self, sql: str) -> None:
        with self._con.cursor() as cur:
            cur.execute(sql)

    def create_sandbox(self, name: str) -> None:
        self.sandbox = name
        # Same default character set and collation as the real database: comparison and
        # trailing-space semantics in the sandbox must be the ones the target will have.
        home = self.home.replace("'", "''")
        charset, collation = self._catalog(
            "SELECT default_character_set_name, default_collation_name FROM "
            f"information_schema.schemata WHERE schema_name = '{home}'")[0]
        self.execute(f"CREATE DATABASE IF NOT EXISTS {self.quote(name)} "
                     f"CHARACTER SET {charset} COLLATE {collation}")
        # Unqualified names resolve in the sandbox (MySQL has no search path).
        self._run(f"USE {self.quote(name)}")

    def drop_sandbox(self, name: str) -> None:
        self.execute(f"DROP DATABASE IF EXISTS {self.quote(name)}")
        if self.home:
            self._run(f"USE {self.quote(self.home)}")
        if self.sandbox == name:
            self.sandbox = None

    def create_table(self, name: str, columns: list[dict[str, Any]],
                     primary_key: list[str] | None = None) -> None:
        ddl = {c["name"]: self._column_ddl(c) for c in columns}
        cols = ", ".join(f"{self.quote(n)} {d}" for n, d in ddl.items())
        # InnoDB joins unindexed tables with nested loops (TPC-H q8/q9/q20/q21 at sf 0.01:
        # over 60 s without keys, under 1.5 s with them). A TEXT/BLOB column cannot be a key
        # without a prefix length, and a prefix key could refuse rows the source accepted.
        if primary_key and any(ddl.get(c, "LONG").startswith("LONG") for c in primary_key):
            primary_key = None
        # Not CREATE OR REPLACE TABLE: MariaDB has it, MySQL 8 does not.
        self.execute(f"DROP TABLE IF EXISTS {self.qualified(name)}")
        self.execute(f"CREATE TABLE {self.qualified(name)} ({cols}{self.key_clause(primary_key)})")

    def _column_ddl(self, column: dict[str, Any]) -> str:
        if column["canonical"] == T.TEXT:
            length = column.get("length") or self._declared_length(column.get("type") or "")
            if length and int(length) <= self.VARCHAR_MAX:
                return f"VARCHAR({int(length)})"
        return self.ddl_type(column["canonical"])

    @staticmethod
    def _declared_length(declared: str) -> int | None:
        text = declared.lower()
        if "char" not in text or "(" not in text:
            return None
        digits = text.split("(", 1)[1].split(")", 1)[0].strip()
        return int(digits) if digits.isdigit() else None

    def _append_batch(self, name: str, batch: pa.RecordBatch) -> None:
        target = self._append_target(name)
        cols = ", ".join(self.quote(n) for n in batch.schema.names)
        placeholders = ", ".join(["%s"] * batch.num_columns)
        # PyMySQL's executemany folds an INSERT ... VALUES into multi-row statements.
        sql = f"INSERT INTO {target} ({cols}) VALUES ({placeholders})"
        rows = [tuple(_to_driver(v) for v in row)
                for row in zip(*(c.to_pylist() for c in batch.columns), strict=True)]
        try:
            with self._con.cursor() as cur:
                for start in range(0, len(rows), self.BATCH_INSERT_ROWS):
                    cur.executemany(sql, rows[start:start + self.BATCH_INSERT_ROWS])
        except self._pymysql.Error as exc:
            raise self._classify(exc, sql) from exc
        self.tracer.event("sql", side=self.role, sql=sql, rows=batch.num_rows, error=None)

    def _socket_fd(self) -> int | None:
        sock = getattr(self._con, "_sock", None)
        return sock.fileno() if sock is not None else None

    def alive(self) -> bool:
        return self._con.open and super().alive()

    def close(self) -> None:
        if self._con.open:
            try:
                if self.role == "source":
                    self._con.rollback()  # the source never commits
            finally:
                self._con.close()

    # ---------------------------------------------------------------- errors
    def _failure_key(self, exc: Exception) -> str | None:
        if isinstance(exc, self._pymysql.Error):
            errno = exc.args[0] if exc.args and isinstance(exc.args[0], int) else 0
            if isinstance(exc, self._pymysql.InterfaceError) or 2000 <= errno < 3000:
                return "client"  # 2xxx are the client library's: the link, not the SQL
            if isinstance(exc, (self._pymysql.DataError, self._pymysql.IntegrityError)) \
                    and str(errno) not in self.FAILURES:
                return "data"
            return str(errno)
        return super()._failure_key(exc)

    def _failure_text(self, exc: Exception) -> str:
        if isinstance(exc, self._pymysql.Error) and len(exc.args) > 1:
            return str(exc.args[1])  # (errno, message): the message alone
        return super()._failure_text(exc)


def _unqualified(body: str, database: str) -> str:
    """A view body as MariaDB stores it names every table and column with the source's
    database (`shop`.`orders`.`id`): drop that part, so the view reads wherever it runs."""
    import sqlglot
    from sqlglot import exp
    from sqlglot.errors import SqlglotError

    try:
        tree = sqlglot.parse_one(body, read="mysql")
    except SqlglotError:
        return body
    for node in tree.find_all(exp.Table, exp.Column):
        if node.args.get("db") is not None and node.args["db"].name.lower() == database.lower():
            node.set("db", None)
    return tree.sql(dialect="mysql")
