"""Fresh databases for an eval: one per side per run, made from an ENGINE argument.

ENGINE is the name of an embedded engine (sqlite, duckdb, clickhouse: a new database file in
the run's work folder) or the SQLAlchemy URL of a database server (PostgreSQL, MySQL/MariaDB),
on which a new database is created for the run and dropped afterwards; the URL's own database
is only used to connect. Which engines qualify, and how each makes a fresh database, are the
adapters' class tables (`ENGINE`, `EMBEDDED`, `FRESH_DATABASE`): nothing here names an engine.

Setup work (the suite's scripts, CSVs, generated TPC tables) goes through the adapter's
`setup_connection`, not through an adapter instance: adapters are read-only on the source by
design, and building a source database is the harness's job, not the migration's.
"""

from __future__ import annotations

import csv
import datetime
import decimal
import gzip
import re
import secrets
import tempfile
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy.engine import make_url
from sqlglot import exp

from evals.scripts import Statement
from tools.db.base import Adapter
from tools.db.registry import adapter_class, adapter_classes, engine_class
from tools.db.urls import scheme
from tools.errors import ConfigError, CutoverError


class EngineNotRunnable(CutoverError):
    """The engine cannot run here (no adapter yet, no server); the pair is reported, not run."""

    kind = "not_runnable"


@dataclass
class Endpoint:
    """One fresh database of a run."""

    engine: str
    """The adapter's ENGINE name: sqlite, duckdb, clickhouse, postgres or mysql."""
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

    @property
    def adapter(self) -> type[Adapter]:
        return adapter_class(self.url)


def _unknown(spec: str) -> ConfigError:
    embedded = [c.ENGINE for c in adapter_classes() if c.EMBEDDED and "suffix" in c.FRESH_DATABASE]
    servers = [f"{c.ENGINE} ({c.SCHEMES[0]}://user:pw@host:port/db)" for c in adapter_classes()
               if "create" in c.FRESH_DATABASE]
    return ConfigError(f"unknown engine {spec!r}: use {', '.join(embedded)}, or the SQLAlchemy "
                       f"URL of a server: {', '.join(servers)}")


def engine_adapter(spec: str) -> type[Adapter]:
    """The adapter an ENGINE argument names; a clear error for anything else."""
    if "://" not in spec:
        cls = engine_class(spec)
        if cls is None or not cls.EMBEDDED or "suffix" not in cls.FRESH_DATABASE:
            raise _unknown(spec)
        return cls
    try:
        cls = adapter_class(spec)
    except ConfigError:
        raise _unknown(spec) from None
    if cls.EMBEDDED or "create" not in cls.FRESH_DATABASE:
        raise _unknown(spec)
    return cls


def engine_kind(spec: str) -> str:
    """The engine an ENGINE argument names (its adapter's ENGINE)."""
    return engine_adapter(spec).ENGINE


def engine_dialect(spec: str) -> str:
    """The sqlglot dialect an ENGINE argument speaks."""
    cls = engine_adapter(spec)
    return cls.dialect_of(scheme(spec)) if "://" in spec else cls.DIALECT


def provision(spec: str, workdir: Path, role: str) -> Endpoint:
    """Create a fresh database for `role` ('source' or 'target') of one run."""
    cls = engine_adapter(spec)
    workdir.mkdir(parents=True, exist_ok=True)
    if cls.EMBEDDED:
        path = workdir / f"{role}.{cls.FRESH_DATABASE['suffix']}"
        path.unlink(missing_ok=True)
        url = f"{cls.SCHEMES[0]}:///{path}"
        _touch(cls, url)
        return Endpoint(cls.ENGINE, url, cls.DIALECT)
    return _server_database(spec, cls, role)


def _touch(cls: type[Adapter], url: str) -> None:
    """Create the empty file where the engine's setup connection can (SQLite's adapter needs
    it to exist); engines without one create their file on first use."""
    try:
        con = cls.setup_connection(url)
    except ConfigError:
        return
    con.close()


def _server_database(spec: str, cls: type[Adapter], role: str) -> Endpoint:
    name = f"cutover_eval_{role[:3]}_{secrets.token_hex(4)}"
    try:
        _admin(cls, spec, cls.FRESH_DATABASE["create"].format(name=name))
    except Exception as exc:  # driver errors differ; the message says what to check
        raise EngineNotRunnable(f"cannot create a database on {_safe(spec)}: {exc}. Check that "
                                f"the server runs and the role may CREATE DATABASE.") from exc
    url = make_url(spec).set(database=name).render_as_string(hide_password=False)
    return Endpoint(cls.ENGINE, url, engine_dialect(spec), server_url=spec)


def dispose(endpoint: Endpoint, run_token: str | None = None) -> None:
    """Drop a server database made by provision (files stay with the run for inspection).

    Where sandboxes are databases of their own (FRESH_DATABASE `leftovers`), those of runs
    whose id holds `run_token` are dropped too (a run that crashed did not drop its own)."""
    if endpoint.server_url is None:
        return
    cls = endpoint.adapter
    name = make_url(endpoint.url).database
    _admin(cls, endpoint.server_url, cls.FRESH_DATABASE["drop"].format(name=name))
    if run_token and "leftovers" in cls.FRESH_DATABASE:
        pattern = "cutover\\\\_%" + run_token.replace("-", "\\\\_") + "%"
        con = cls.setup_connection(endpoint.server_url, database=False)
        try:
            cur = con.cursor()
            cur.execute(cls.FRESH_DATABASE["leftovers"].format(pattern=pattern))
            for (sandbox,) in cur.fetchall():
                cur.execute(cls.FRESH_DATABASE["drop"].format(name=sandbox))
        finally:
            con.close()


def _safe(url: str) -> str:
    return make_url(url).render_as_string(hide_password=True)


def _admin(cls: type[Adapter], url: str, sql: str) -> None:
    con = cls.setup_connection(url, database=False)
    try:
        con.cursor().execute(sql)
    finally:
        con.close()


# ------------------------------------------------------------------------ writing setup
class Session:
    """A writable connection to a fresh database, for setup only."""

    def __init__(self, endpoint: Endpoint) -> None:
        self.endpoint = endpoint
        self.adapter = endpoint.adapter
        self.paramstyle = self.adapter.PARAMSTYLE
        try:
            self._con: Any = self.adapter.setup_connection(endpoint.url)
        except ConfigError as exc:
            raise EngineNotRunnable(f"no setup session for {endpoint.engine}: {exc}") from exc
        self._cur = self._con.cursor()

    def execute(self, sql: str) -> None:
        self._cur.execute(sql)

    def query(self, sql: str) -> list[tuple[Any, ...]]:
        self._cur.execute(sql)
        return [tuple(row) for row in self._cur.fetchall()]

    def executemany(self, sql: str, rows: Sequence[Sequence[Any]]) -> None:
        if rows:
            self._cur.executemany(sql, rows)

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
        if self.endpoint.engine == "mysql" and rows and _bulk_loadable(rows):
            self._mysql_load_data(table, columns, rows)
            return
        marks = ", ".join([self.paramstyle] * len(columns))
        names = ", ".join(self.quote(c) for c in columns)
        sql = f"INSERT INTO {self.quote(table)} ({names}) VALUES ({marks})"
        # One transaction per table: in autocommit mode SQLite and PostgreSQL would commit
        # (and fsync) every row, which made loading TPC-H sf 0.01 take over a minute.
        self.execute("BEGIN")
        try:
            for start in range(0, len(rows), 5000):
                self.executemany(sql, rows[start:start + 5000])
        except Exception:
            self.execute("ROLLBACK")
            raise
        self.execute("COMMIT")

    def _mysql_load_data(self, table: str, columns: list[str],
                         rows: Sequence[Sequence[Any]]) -> None:
        """MariaDB/MySQL's bulk path for Python rows: a tab-separated file, LOAD DATA."""
        with tempfile.NamedTemporaryFile("w", suffix=".tsv", encoding="utf-8", newline="",
                                         delete=False) as fh:
            fh.writelines("\t".join(map(_tsv_field, row)) + "\n" for row in rows)
        try:
            self.load_data_file(table, columns, Path(fh.name), len(rows))
        finally:
            Path(fh.name).unlink(missing_ok=True)

    def load_data_file(self, table: str, columns: list[str], path: Path, rows: int) -> None:
        """LOAD DATA LOCAL INFILE of a file in MySQL's default format (tab-separated, \\N
        NULL, backslash escapes): TPC-H sf 0.01 in seconds where row inserts took minutes.
        LOCAL turns conversion errors into warnings, so any warning fails the load."""
        import pymysql

        args = self.adapter._unconnected(self.endpoint.url)._connect_args(self.endpoint.url)
        con = pymysql.connect(**args, autocommit=True, charset="utf8mb4", local_infile=True)
        try:
            with con.cursor() as cur:
                names = ", ".join(self.quote(c) for c in columns)
                cur.execute(f"LOAD DATA LOCAL INFILE %s INTO TABLE {self.quote(table)} "
                            f"CHARACTER SET utf8mb4 FIELDS TERMINATED BY '\\t' "
                            f"ESCAPED BY '\\\\' LINES TERMINATED BY '\\n' ({names})",
                            (str(path),))
                loaded = cur.rowcount
                cur.execute("SHOW WARNINGS LIMIT 1")
                warning = cur.fetchone()
        finally:
            con.close()
        if warning or loaded != rows:
            raise ConfigError(f"loading {table} on {self.endpoint.engine}: {loaded} of "
                              f"{rows} rows; {warning[2] if warning else 'rows lost'}")

    def load_csv(self, table: str, path: Path, delimiter: str = ",", header: bool = True) -> int:
        """CSV (gzip when named .gz) with a header row, or without one filling the table's
        columns in order; empty fields are NULL; the database casts the text."""
        opener = gzip.open if path.suffix == ".gz" else open
        with opener(path, "rt", newline="", encoding="utf-8") as fh:
            reader = csv.reader(fh, delimiter=delimiter)
            names = next(reader, None) if header else self._columns(table)
            if not names:
                raise ConfigError(f"{path}: empty CSV; the first row must name the columns "
                                  f"(or set header: false)")
            width = len(names)
            # a TPC .tbl row ends in the delimiter: one empty field past the last column
            rows = [[v if v != "" else None for v in
                     (row[:width] if len(row) == width + 1 and row[-1] == "" else row)]
                    for row in reader]
        self.insert_rows(table, names, rows)
        return len(rows)

    def _columns(self, table: str) -> list[str]:
        self._cur.execute(f"SELECT * FROM {self.quote(table)} WHERE 1 = 0")
        return [d[0] for d in self._cur.description]

    def quote(self, name: str) -> str:
        return exp.to_identifier(name, quoted=True).sql(dialect=self.adapter.DIALECT)

    def close(self) -> None:
        self._cur.close()
        self._con.close()


_NEEDS_ESCAPE = re.compile(r"[\\\t\n\r]")


def _bulk_loadable(rows: Sequence[Sequence[Any]]) -> bool:
    """Rows of values a tab-separated file carries exactly (bytes are inserted row-wise)."""
    return all(not isinstance(v, (bytes, bytearray, memoryview)) for v in rows[0])


def _tsv_field(value: Any) -> str:
    """One field of LOAD DATA's default format: \\N is NULL; backslash, tab, newline escaped."""
    if value is None:
        return "\\N"
    if type(value) is str and not _NEEDS_ESCAPE.search(value):
        return value  # the common case (every CSV field), without the checks below
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, float):
        return repr(value)
    if isinstance(value, datetime.datetime):
        return value.isoformat(sep=" ")
    if isinstance(value, (datetime.date, decimal.Decimal, int)):
        return str(value)
    text = str(value)
    return (text.replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n")
            .replace("\r", "\\r"))
