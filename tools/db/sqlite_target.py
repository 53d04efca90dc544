"""SQLite as a target: the sandbox is a database file of its own beside the target file.

SQLite has no schemas, and a view stored in one database file cannot reference another
file's tables. So the sandbox file is opened as the connection's `main` database, with the
real target file ATTACHed as `cutover_home`:
- unqualified names resolve in the sandbox first (SQLite searches temp, main, then attached
  databases), like a search path `sandbox, home`;
- the loader copies the base tables into the sandbox file, so views created there reference
  only their own file (a view's unqualified names resolve in the view's own database);
- --apply writes to `cutover_home`, the one sanctioned write outside the sandbox.
In verify-only mode (base tables only in the real file) a sandbox view cannot see them:
SQLite refuses it, and the error says to use loader = "copy".
The sandbox file `<target>.<sandbox>.sqlite` is kept with keep_sandbox and deleted otherwise.
"""

from __future__ import annotations

import datetime as dt
import decimal
import sqlite3
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar

import pyarrow as pa

from tools.errors import CompileFailed, SandboxViolation

HOME = "cutover_home"

if TYPE_CHECKING:
    from tools.db.base import Adapter

    _Base = Adapter
else:
    _Base = object  # at run time the mixin sits before Adapter in SQLiteAdapter's bases


def _to_sqlite(value: Any) -> Any:
    """A Python value from Arrow as SQLite stores it (text for what it has no type for)."""
    if isinstance(value, decimal.Decimal):
        return str(value)  # NUMERIC affinity turns it into a number; text keeps every digit
    if isinstance(value, dt.datetime):
        if value.tzinfo is not None:  # instants are kept as UTC wall-clock text
            value = value.astimezone(dt.UTC).replace(tzinfo=None)
        return value.isoformat(sep=" ")
    if isinstance(value, (dt.date, dt.time)):
        return value.isoformat()
    return value


class SQLiteTargetMixin(_Base):
    """Target-side methods of the SQLite adapter (mixed into SQLiteAdapter)."""

    CREATE_OBJECT: ClassVar[dict[str, str]] = {
        # SQLite has no CREATE OR REPLACE: drop first (executescript runs both).
        "view": "DROP VIEW IF EXISTS {name}; CREATE VIEW {name} AS {sql}",
        "table_as_select": "DROP TABLE IF EXISTS {name}; CREATE TABLE {name} AS {sql}",
    }
    PROMOTE: ClassVar[dict[str, tuple[str, ...]]] = {
        kind: (template,) for kind, template in CREATE_OBJECT.items()}
    INSERT_ROWS: ClassVar[int] = 10_000

    _con: sqlite3.Connection
    _with_deadline: Callable[[], None]  # SQLiteAdapter's: arms the statement timeout
    _path: str

    def _sandbox_file(self, name: str) -> Path:
        home = Path(self._path)
        return home.with_name(f"{home.stem}.{name}.sqlite")

    def _sandbox_schema(self) -> str | None:
        """The schema writes must name: `main` once the sandbox file is main."""
        return "main" if getattr(self, "_in_sandbox", False) else self.sandbox

    def qualified(self, name: str) -> str:
        schema = self._sandbox_schema()
        return self.quote(name) if not schema else f"{self.quote(schema)}.{self.quote(name)}"

    def create_sandbox(self, name: str) -> None:
        if self.role != "target":
            raise SandboxViolation("refused: the source never gets a sandbox")
        path = self._sandbox_file(name)
        self._con.close()
        self._con = sqlite3.connect(path, check_same_thread=False)
        self._con.execute(f"ATTACH DATABASE ? AS {HOME}", (self._path,))
        self.sandbox = name
        self._in_sandbox = True

    def drop_sandbox(self, name: str) -> None:
        if self.sandbox == name:
            self._con.close()
            self._con = sqlite3.connect(self._path, check_same_thread=False)
            self.sandbox = None
            self._in_sandbox = False
        self._sandbox_file(name).unlink(missing_ok=True)

    def create_table(self, name: str, columns: list[dict[str, Any]],
                     primary_key: list[str] | None = None) -> None:
        cols = ", ".join(f"{self.quote(c['name'])} {self.ddl_type(c['canonical'])}"
                         for c in columns)
        target = self.qualified(name)
        self.execute(f"DROP TABLE IF EXISTS {target}; "
                     f"CREATE TABLE {target} ({cols}{self.key_clause(primary_key)})")

    def _append_batch(self, name: str, batch: pa.RecordBatch) -> None:
        target = self._append_target(name)
        cols = ", ".join(self.quote(n) for n in batch.schema.names)
        sql = f"INSERT INTO {target} ({cols}) VALUES ({', '.join('?' * batch.num_columns)})"
        rows = zip(*(c.to_pylist() for c in batch.columns), strict=True)
        try:
            with self._con:  # one transaction per batch: SQLite commits per statement otherwise
                self._con.executemany(sql, ([_to_sqlite(v) for v in row] for row in rows))
        except sqlite3.Error as exc:
            raise self._classify(exc, sql) from exc
        self.tracer.event("sql", side=self.role, sql=sql, rows=batch.num_rows, error=None)

    def _promoted_name(self, name: str) -> str:
        # Views are created in the real file, whose own tables (promoted first) they read.
        return f"{HOME}.{self.quote(name)}" if getattr(self, "_in_sandbox", False) \
            else self.quote(name)

    def _run(self, sql: str) -> None:
        self._with_deadline()
        # executescript: CREATE_OBJECT templates are two statements (the guard checked both).
        self._con.executescript(sql)

    def _classify(self, exc: Exception, sql: str) -> BaseException:
        text = str(exc)
        if "cannot reference objects in database" in text:
            return CompileFailed(f"{text}: a view in the SQLite sandbox file can only read "
                                 f"tables of that file; use loader = \"copy\" (the default) so "
                                 f"the base tables are copied into it")
        return super()._classify(exc, sql)
