"""Fresh databases for an eval: one per side per run, made from an ENGINE argument.

ENGINE is `sqlite`, `duckdb` or `clickhouse` (a new embedded database file in the run's work
folder) or the SQLAlchemy URL of a PostgreSQL/MySQL server, on which a new database is created
for the run and dropped afterwards. The URL's own database is only used to connect.

Setup work (the suite's scripts, CSVs, generated TPC tables) goes through the drivers here
directly, not through the adapters: the adapters are read-only on the source by design, and
building a source database is the harness's job, not the migration's.
"""

from __future__ import annotations

import csv
import secrets
import sqlite3
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy.engine import make_url

from evals.scripts import Statement
from tools.db.registry import ADAPTERS
from tools.db.urls import SCHEME_DIALECT, scheme
from tools.errors import ConfigError, CutoverError

EMBEDDED = ("sqlite", "duckdb", "clickhouse")
SERVER_SCHEMES = {"postgresql": "postgres", "postgres": "postgres", "mysql": "mysql",
                  "mariadb": "mysql"}
# Most MySQL codebases were written against a case-insensitive, PAD SPACE collation (the
# MariaDB and MySQL 5.7 default); the traps depend on it, so the harness pins it.
MYSQL_DATABASE_OPTIONS = "CHARACTER SET utf8mb4 COLLATE utf8mb4_general_ci"
_CLICKHOUSE_SCHEMES = ("chdb", "clickhouse", "clickhousedb")


class EngineNotRunnable(CutoverError):
    """The engine cannot run here (no adapter yet, no server); the pair is reported, not run."""

    kind = "not_runnable"


@dataclass
class Endpoint:
    """One fresh database of a run."""

    engine: str
    """sqlite, duckdb, clickhouse, postgres or mysql."""
    url: str
    """SQLAlchemy URL of the fresh database (may hold a password: log `label` instead)."""
    dialect: str
    server_url: str | None = None
    """Servers only: the URL the database was created through (to drop it)."""

    @property
    def label(self) -> str:
        if self.server_url is None:
            return self.engine
        return make_url(self.url).render_as_string(hide_password=True)


def engine_kind(spec: str) -> str:
    """The engine an ENGINE argument names; a clear error for anything else."""
    if spec in EMBEDDED:
        return spec
    if "://" in spec and scheme(spec) in SERVER_SCHEMES:
        return SERVER_SCHEMES[scheme(spec)]
    raise ConfigError(f"unknown engine {spec!r}: use sqlite, duckdb, clickhouse, or the "
                      f"SQLAlchemy URL of a PostgreSQL/MySQL server (postgresql://user:pw@host"
                      f":port/db, mysql://user:pw@host:port/db)")


def engine_dialect(spec: str) -> str:
    """The sqlglot dialect an ENGINE argument speaks."""
    kind = engine_kind(spec)
    return SCHEME_DIALECT[scheme(spec)] if kind in ("postgres", "mysql") else kind


def provision(spec: str, workdir: Path, role: str) -> Endpoint:
    """Create a fresh database for `role` ('source' or 'target') of one run."""
    kind = engine_kind(spec)
    workdir.mkdir(parents=True, exist_ok=True)
    if kind in ("sqlite", "duckdb"):
        path = workdir / f"{role}.{kind}"
        path.unlink(missing_ok=True)
        if kind == "sqlite":
            sqlite3.connect(path).close()  # the SQLite adapter expects the file to exist
        return Endpoint(kind, f"{kind}:///{path}", kind)
    if kind == "clickhouse":
        return _clickhouse(workdir, role)
    return _server_database(spec, kind, role)


def _clickhouse(workdir: Path, role: str) -> Endpoint:
    known = [s for s in _CLICKHOUSE_SCHEMES if s in ADAPTERS]
    if not known:
        raise EngineNotRunnable(
            "ClickHouse (chdb) has no adapter in tools/db/registry.py yet, so a migration "
            "cannot compile or diff on it; this pair is reported as not runnable. Add "
            "tools/db/clickhouse.py and register its scheme to run it.")
    return Endpoint("clickhouse", f"{known[0]}:///{workdir / f'{role}.chdb'}", "clickhouse")


def _server_database(spec: str, kind: str, role: str) -> Endpoint:
    if scheme(spec) not in ADAPTERS:
        raise EngineNotRunnable(f"no adapter registered for {scheme(spec)!r} URLs")
    name = f"cutover_eval_{role[:3]}_{secrets.token_hex(4)}"
    try:
        if kind == "postgres":
            _pg_admin(spec, f'CREATE DATABASE "{name}"')
        else:
            _mysql_admin(spec, f"CREATE DATABASE `{name}` {MYSQL_DATABASE_OPTIONS}")
    except Exception as exc:  # driver errors differ; the message says what to check
        raise EngineNotRunnable(f"cannot create a database on {_safe(spec)}: {exc}. Check that "
                                f"the server runs and the role may CREATE DATABASE.") from exc
    url = make_url(spec).set(database=name).render_as_string(hide_password=False)
    return Endpoint(kind, url, SCHEME_DIALECT[scheme(spec)], server_url=spec)


def dispose(endpoint: Endpoint, run_token: str | None = None) -> None:
    """Drop a server database made by provision (files stay with the run for inspection).

    On MySQL a sandbox is a database of its own: those of runs whose id holds `run_token`
    are dropped too (a run that crashed did not drop its own)."""
    if endpoint.server_url is None:
        return
    name = make_url(endpoint.url).database
    if endpoint.engine == "postgres":
        _pg_admin(endpoint.server_url, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        return
    _mysql_admin(endpoint.server_url, f"DROP DATABASE IF EXISTS `{name}`")
    if run_token:
        pattern = "cutover\\_%" + run_token.replace("-", "\\_") + "%"
        con = _mysql_connect(endpoint.server_url, database=False)
        try:
            with con.cursor() as cur:
                cur.execute("SHOW DATABASES LIKE %s", (pattern,))
                for (sandbox,) in cur.fetchall():
                    cur.execute(f"DROP DATABASE IF EXISTS `{sandbox}`")
        finally:
            con.close()


def _safe(url: str) -> str:
    return make_url(url).render_as_string(hide_password=True)


def _pg_connect(url: str) -> Any:
    import psycopg

    u = make_url(url)
    return psycopg.connect(host=u.host or "localhost", port=u.port or 5432, user=u.username,
                           password=u.password, dbname=u.database or "postgres",
                           autocommit=True, connect_timeout=10)


def _mysql_connect(url: str, database: bool = True) -> Any:
    import pymysql

    u = make_url(url)
    args: dict[str, Any] = {"host": u.host or "localhost", "port": u.port or 3306,
                            "user": u.username, "password": u.password or "",
                            "autocommit": True, "charset": "utf8mb4", "connect_timeout": 10}
    if database and u.database:
        args["database"] = u.database
    return pymysql.connect(**args)


def _pg_admin(url: str, sql: str) -> None:
    with _pg_connect(url) as con:
        con.execute(sql)


def _mysql_admin(url: str, sql: str) -> None:
    con = _mysql_connect(url, database=False)
    try:
        con.cursor().execute(sql)
    finally:
        con.close()


# ------------------------------------------------------------------------ writing setup
class Session:
    """A writable connection to a fresh database, for setup only."""

    def __init__(self, endpoint: Endpoint) -> None:
        self.endpoint = endpoint
        self.paramstyle = "?" if endpoint.engine in ("sqlite", "duckdb") else "%s"
        path = make_url(endpoint.url).database or ""
        if endpoint.engine == "sqlite":
            self._con: Any = sqlite3.connect(path, isolation_level=None)
        elif endpoint.engine == "duckdb":
            import duckdb

            self._con = duckdb.connect(path)
        elif endpoint.engine == "postgres":
            self._con = _pg_connect(endpoint.url)
        elif endpoint.engine == "mysql":
            self._con = _mysql_connect(endpoint.url)
        else:
            raise EngineNotRunnable(f"no setup session for {endpoint.engine}")

    def execute(self, sql: str) -> None:
        if self.endpoint.engine == "mysql":
            with self._con.cursor() as cur:
                cur.execute(sql)
        else:
            self._con.execute(sql)

    def query(self, sql: str) -> list[tuple[Any, ...]]:
        if self.endpoint.engine in ("mysql", "postgres"):
            with self._con.cursor() as cur:
                cur.execute(sql)
                return list(cur.fetchall())
        return list(self._con.execute(sql).fetchall())

    def executemany(self, sql: str, rows: Sequence[Sequence[Any]]) -> None:
        if not rows:
            return
        if self.endpoint.engine in ("mysql", "postgres"):
            with self._con.cursor() as cur:
                cur.executemany(sql, rows)
        else:
            self._con.executemany(sql, rows)

    def run_script(self, statements: Iterable[Statement], where: str) -> int:
        done = 0
        for stmt in statements:
            try:
                self.execute(stmt.sql)
            except Exception as exc:  # every driver has its own error classes
                first = str(exc).strip().splitlines()[0] if str(exc).strip() else repr(exc)
                raise ConfigError(f"{where}:{stmt.line}: setup statement failed on "
                                  f"{self.endpoint.engine}: {first}. Fix the script (it runs "
                                  f"on a fresh, empty database)") from exc
            done += 1
        return done

    def insert_rows(self, table: str, columns: list[str], rows: Sequence[Sequence[Any]]) -> None:
        marks = ", ".join([self.paramstyle] * len(columns))
        names = ", ".join(self.quote(c) for c in columns)
        sql = f"INSERT INTO {self.quote(table)} ({names}) VALUES ({marks})"
        # One transaction per table: in autocommit mode SQLite and PostgreSQL would commit
        # (and fsync) every row, which made loading TPC-H sf 0.01 take over a minute.
        if self.endpoint.engine == "postgres":
            with self._con.transaction():
                self.executemany(sql, rows)
            return
        if self.endpoint.engine == "sqlite":
            self._con.execute("BEGIN")
        for start in range(0, len(rows), 5000):
            self.executemany(sql, rows[start:start + 5000])
        if self.endpoint.engine == "sqlite":
            self._con.execute("COMMIT")

    def load_csv(self, table: str, path: Path) -> int:
        """CSV with a header row; empty fields are NULL; the database casts the text."""
        with path.open(newline="", encoding="utf-8") as fh:
            reader = csv.reader(fh)
            header = next(reader, None)
            if not header:
                raise ConfigError(f"{path}: empty CSV; the first row must name the columns")
            rows = [[v if v != "" else None for v in row] for row in reader]
        self.insert_rows(table, header, rows)
        return len(rows)

    def quote(self, name: str) -> str:
        if self.endpoint.engine == "mysql":
            return f"`{name}`"
        return f'"{name}"'

    def close(self) -> None:
        self._con.close()
