"""SQLite adapter (file databases): a read-only source, or a target with a sandbox file."""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any, ClassVar

import pyarrow as pa

from tools import guard
from tools.db import sqlite_scan
from tools.db import types as T
from tools.db.base import Adapter
from tools.db.failures import Failure
from tools.db.scan import DuckDBScan
from tools.db.sqlite_target import SQLiteTargetMixin
from tools.db.urls import file_path
from tools.errors import ConfigError, ConnectionLost


def _column_array(values: list[Any]) -> pa.Array:
    """SQLite columns are dynamically typed: infer, and fall back to text for mixed columns."""
    try:
        return pa.array(values)
    except (pa.ArrowInvalid, pa.ArrowTypeError, OverflowError):
        return pa.array([None if v is None else str(v) for v in values], type=pa.string())


def _text(raw: bytes) -> str:
    """TEXT as str. SQLite stores whatever bytes it is given: an invalid UTF-8 sequence becomes
    `\\xff`-style escapes (one per byte, so two different byte strings stay different) instead
    of failing the whole read."""
    return raw.decode("utf-8", "backslashreplace")


class SQLiteAdapter(SQLiteTargetMixin, Adapter):
    """Source (read-only file) or target (sandbox file beside it: see sqlite_target.py)."""

    SCHEMES: ClassVar[tuple[str, ...]] = ("sqlite",)
    DIALECT: ClassVar[str] = "sqlite"
    EXPLAIN: ClassVar[str] = "EXPLAIN QUERY PLAN {sql}"
    #: sqlite3 gives no codes: its messages, checked in order ("interrupted" is the progress
    #: handler's deadline, the statement timeout).
    FAILURE_TEXT: ClassVar[tuple[tuple[str, Failure], ...]] = (
        ("interrupted", Failure.TIMEOUT),
        ("database is locked", Failure.TRANSIENT), ("database table is locked", Failure.TRANSIENT),
        ("readonly database", Failure.REFUSED), ("attempt to write", Failure.REFUSED),
        ("unable to open", Failure.INFRA), ("disk i/o error", Failure.INFRA),
        ("database or disk is full", Failure.INFRA), ("file is not a database", Failure.INFRA),
        *Adapter.FAILURE_TEXT,
    )

    TYPE_DDL: ClassVar[dict[str, str]] = {
        T.INT: "INTEGER", T.FLOAT: "REAL", T.TEXT: "TEXT", T.BOOL: "BOOLEAN", T.DATE: "DATE",
        T.TIMESTAMP: "DATETIME", T.TIMESTAMPTZ: "DATETIME", T.TIME: "TEXT", T.BLOB: "BLOB",
        T.JSON: "TEXT",
    }
    ENGINE: ClassVar[str] = "sqlite"
    EMBEDDED: ClassVar[bool] = True
    FRESH_DATABASE: ClassVar[dict[str, str]] = {"suffix": "sqlite"}
    PARAMSTYLE: ClassVar[str] = "?"

    @classmethod
    def setup_connection(cls, url: str, *, database: bool = True) -> Any:
        # Creates the file: the adapter itself never creates a source file.
        return sqlite3.connect(file_path(url) or ":memory:", isolation_level=None)

    #: Canonical-encoding expressions for checksum diffs (tools/diff/checksum.py says how they
    #: fit together); values the engine cannot compute itself go through Python functions.
    HASH_SQL: ClassVar[dict[str, str]] = {
        "md5": "cutover_md5({x})",
        "hex60": "cutover_hex60({x})",
        "sum": "cutover_sum({x})",
        "concat": "({parts})",
        "concat_sep": " || ",
        "text": "CAST({x} AS TEXT)",
        "length": "length({x})",
        "exact": "CASE WHEN instr({x}, '.') > 0 THEN rtrim(rtrim({x}, '0'), '.') ELSE {x} END",
        "bool": "CAST(CAST({x} AS INTEGER) AS TEXT)",
        "double": "CAST({x} AS REAL)",
        "float": "cutover_float({x})",
        "date": "date({x})",
        "timestamp": "cutover_epoch_us({x})",
        "date_ts": "cutover_epoch_us({x})",
    }

    def __init__(self, url: str, role, tracer=None, timeout_s: float = 60.0) -> None:
        super().__init__(url, role, tracer, timeout_s)
        path = file_path(url)
        if path is None or (role == "source" and not Path(path).exists()):
            raise ConnectionLost(f"SQLite database file not found: {path or url!r}. Check the "
                                 f"URL (sqlite:///relative/path.db or sqlite:////abs/path.db).")
        self._path = path
        # Read-only twice over: the file is opened mode=ro and the session is query_only.
        # A target file is created when missing, like DuckDB's.
        mode = "ro" if role == "source" else "rwc"
        if role == "target":
            Path(path).parent.mkdir(parents=True, exist_ok=True)
        self._con = sqlite3.connect(f"file:{path}?mode={mode}", uri=True,
                                    check_same_thread=False)
        self._con.text_factory = _text
        if role == "source":
            self._con.execute("PRAGMA query_only = ON")

    def _with_deadline(self) -> None:
        deadline = time.monotonic() + self.timeout_s
        # Returning non-zero from the progress handler aborts the statement.
        self._con.set_progress_handler(lambda: int(time.monotonic() > deadline), 10_000)

    def _read_batches(self, sql: str, batch_rows: int,
                      limit: int | None = None) -> Iterator[pa.RecordBatch]:
        self._with_deadline()
        cur = self._con.execute(sql)
        names = [d[0] for d in cur.description or []]
        self._last_names = names
        while True:
            rows = cur.fetchmany(batch_rows)
            if not rows:
                break
            columns = list(zip(*rows, strict=True))
            yield pa.RecordBatch.from_arrays([_column_array(list(c)) for c in columns],
                                             names=names)

    SCAN_SAMPLE_ROWS: ClassVar[int] = 1000
    """Rows whose inferred Arrow types the DuckDB scanner must reproduce (sqlite_scan.py)."""

    def duckdb_scan(self, sql: str, alias: str) -> DuckDBScan | None:
        if self.role != "source":
            return None  # a target file is being written here
        guard.check_read_only(sql, self.DIALECT)
        query = sql.strip().rstrip(";")
        if not sqlite_scan.plain_read(query):
            return None  # DuckDB would evaluate it, with its own semantics
        sample = self.read_arrow(f"SELECT * FROM (\n{query}\n) q LIMIT {self.SCAN_SAMPLE_ROWS}")
        if sample.num_rows == 0 or any(pa.types.is_null(f.type) for f in sample.schema):
            return None  # no types to hold the scanner to
        try:
            return sqlite_scan.recipe(self._path, sql, sample.schema, alias)
        except ConfigError as exc:  # the scanner wheel is missing: the Arrow path still works
            self.tracer.event("scan_fallback", side=self.role, via="sqlite scanner",
                              reason=str(exc))
            return None

    def _empty_result(self, sql: str) -> pa.Table:
        names = getattr(self, "_last_names", [])
        return pa.table({n: pa.array([], type=pa.null()) for n in names})

    def collations(self) -> dict[str, dict[str, str]]:
        """table -> column -> collation declared in its DDL (SQLite keeps them nowhere else;
        NOCASE and RTRIM columns compare differently from every other engine)."""
        rows = self._con.execute(
            "SELECT name, sql FROM sqlite_master WHERE type = 'table' AND sql IS NOT NULL "
            "AND sql LIKE '%COLLATE%'").fetchall()
        return {str(name): found for name, ddl in rows if (found := declared_collations(ddl))}

    def tables(self) -> list[dict[str, Any]]:
        collations = self.collations()
        out = []
        names = [r[0] for r in self._con.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' "
            "ORDER BY name")]
        for name in names:
            info = self._con.execute(f"PRAGMA table_info({self.quote(name)})").fetchall()
            declared = collations.get(name, {})
            columns = [{"name": c[1], "type": c[2] or "", "canonical": self.canonical_type(c[2]),
                        "nullable": not c[3], "collation": declared.get(c[1].lower())}
                       for c in info]
            pk = [c[1] for c in sorted((c for c in info if c[5]), key=lambda c: c[5])]
            count = self._con.execute(f"SELECT COUNT(*) FROM {self.quote(name)}").fetchone()[0]
            out.append({"name": name, "columns": columns, "primary_key": pk, "row_count": count})
        return out

    def views(self) -> list[str]:
        return [r[0] for r in self._con.execute("SELECT name FROM sqlite_master WHERE type='view'")]

    def view_definitions(self) -> dict[str, str]:
        """sqlite_master keeps each view's CREATE statement as written."""
        return {name: sql for name, sql in self._con.execute(
            "SELECT name, sql FROM sqlite_master WHERE type = 'view' ORDER BY name")}

    def prepare_hashing(self) -> None:
        """Register the functions HASH_SQL uses (idempotent; harmless on a read-only file)."""
        _register_hashing(self._con)

    def close(self) -> None:
        self._con.close()


def declared_collations(ddl: str) -> dict[str, str]:
    """lower-case column name -> collation (upper case) of a CREATE TABLE statement."""
    import sqlglot
    from sqlglot import exp

    try:
        tree = sqlglot.parse_one(ddl, read="sqlite")
    except Exception:  # an exotic DDL costs the collation, not the run
        return {}
    found: dict[str, str] = {}
    for column in tree.find_all(exp.ColumnDef):
        for constraint in column.constraints:
            if isinstance(constraint.kind, exp.CollateColumnConstraint):
                found[column.name.lower()] = constraint.kind.this.name.upper()
    return found


# ---------------------------------------------------------------- checksum hashing (differ)
# SQLite has no md5 and its log10 is log(x)/log(10) (log10(1000) = 2.9999999999999996), so the
# canonical encoding is computed by Python functions registered on the connection; they must
# give byte-for-byte what the SQL expressions of the other engines give.
def _md5(text: str | None) -> str | None:
    import hashlib

    return None if text is None else hashlib.md5(text.encode("utf-8")).hexdigest()


def _hex60(text: str | None) -> int | None:
    return None if text is None else int(text, 16)


def _float_text(x: float | None) -> str | None:
    import math

    if x is None:
        return None
    x = float(x)
    if x == 0:
        return "0"
    if math.isnan(x):
        return "nan"
    if math.isinf(x):
        return "inf" if x > 0 else "-inf"
    e = math.floor(math.log10(abs(x))) - 11
    return f"{round(x / 10.0**e)}e{e}"


def _epoch_us(text: str | None) -> str | None:
    import datetime as dt

    if text is None:
        return None
    try:
        ts = dt.datetime.fromisoformat(str(text))
    except ValueError:
        return str(text)  # unparseable: its own text, so it can only differ, never match
    if ts.tzinfo is None:
        ts = ts.replace(tzinfo=dt.UTC)  # naive text is UTC, as in the in-process differ
    return str((ts - dt.datetime(1970, 1, 1, tzinfo=dt.UTC)) // dt.timedelta(microseconds=1))


class _ExactSum:
    """sum() of 60-bit hashes without SQLite's integer overflow (Python ints are unbounded)."""

    def __init__(self) -> None:
        self.total = 0

    def step(self, value: int | None) -> None:
        self.total += value or 0

    def finalize(self) -> str:
        return str(self.total)


def _register_hashing(con: sqlite3.Connection) -> None:
    con.create_function("cutover_md5", 1, _md5, deterministic=True)
    con.create_function("cutover_hex60", 1, _hex60, deterministic=True)
    con.create_function("cutover_float", 1, _float_text, deterministic=True)
    con.create_function("cutover_epoch_us", 1, _epoch_us, deterministic=True)
    con.create_aggregate("cutover_sum", 1, _ExactSum)  # type: ignore[arg-type]
