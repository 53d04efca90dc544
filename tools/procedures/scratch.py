"""Run a procedure on a scratch copy, never on the source: a database of its own on the
source's server, filled from the source's read-only snapshot, dropped afterwards.

The source adapter stays read-only (its session and the guard refuse CALL and every write);
the procedure runs on a second connection whose current_database() is checked to be the
scratch database before anything runs, so whatever it writes — the tables it should, tables it
should not, sequences — lands in the copy.
"""

from __future__ import annotations

import secrets
import time
from collections.abc import Collection, Iterator, Mapping, Sequence
from contextlib import contextmanager
from typing import Any

import pyarrow as pa
from sqlalchemy.engine import make_url

from tools.db.base import Adapter
from tools.db.registry import open_adapter
from tools.db.urls import scheme
from tools.errors import ConfigError, CutoverError, SandboxViolation

SCRATCH_SCHEMA = "scratch"
MYSQL_SCHEMES = ("mysql", "mariadb")
"""Sources whose scratch copy is tools/procedures/scratch_mysql.py's."""


def _connect(url: str, database: str) -> Any:
    import psycopg

    u = make_url(url)
    return psycopg.connect(host=u.host or "localhost", port=u.port or 5432, user=u.username,
                           password=u.password, dbname=database, autocommit=True)


@contextmanager
def scratch_database(source_url: str) -> Iterator[str]:
    """Create an empty scratch database on the source's server; yield its URL; drop it."""
    if scheme(source_url) not in ("postgresql", "postgres"):
        raise ConfigError(f"procedures are proven on a PostgreSQL scratch copy; the source is "
                          f"{scheme(source_url)!r}: the procedure is translated but not proven")
    name = f"cutover_scratch_{secrets.token_hex(4)}"
    admin = _connect(source_url, make_url(source_url).database or "postgres")
    try:
        admin.execute(f'CREATE DATABASE "{name}"')
        try:
            yield make_url(source_url).set(database=name).render_as_string(hide_password=False)
        finally:
            _drop(admin, name)
    finally:
        admin.close()


def _drop(admin: Any, name: str, tries: int = 20) -> None:
    """DROP the scratch database. WITH (FORCE) cannot end a backend of another role (an
    autovacuum worker on the fresh copy is the superuser's): wait for it and try again."""
    for attempt in range(tries):
        try:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            return
        except Exception as exc:  # psycopg's classes: InsufficientPrivilege / ObjectInUse
            if attempt == tries - 1:
                raise CutoverError(f"the scratch database {name} could not be dropped "
                                   f"({str(exc).splitlines()[0]}): drop it by hand") from exc
            time.sleep(0.5)


def copy_tables(source: Adapter, scratch: Adapter, tables: Sequence[Mapping[str, Any]]) -> None:
    """Each table with its declared source types, filled from the source's snapshot."""
    for table in tables:
        cols = ", ".join(f"{scratch.quote(c['name'])} {c['type']}" for c in table["columns"])
        scratch.execute(f"CREATE TABLE {scratch.qualified(table['name'])} "
                        f"({cols}{scratch.key_clause(table.get('primary_key'))}) "
                        f"WITH (autovacuum_enabled = false)")  # short-lived: no vacuum worker
        for batch in source.read_batches(f"SELECT * FROM {source.quote(table['name'])}",
                                         batch_rows=50_000):
            scratch.append_arrow(table["name"], batch)


def _scratch_session(scratch_url: str) -> Any:
    """A connection to the scratch database, checked to be one before anything runs."""
    database = make_url(scratch_url).database or ""
    if not database.startswith("cutover_scratch_"):
        raise SandboxViolation(f"refused to run a procedure outside a scratch database "
                               f"({database!r})")
    con = _connect(scratch_url, database)
    current = con.execute("SELECT current_database()").fetchone()
    if not current or current[0] != database:
        con.close()
        raise SandboxViolation(f"refused: connected to {current!r}, not {database!r}")
    return con


def call_procedure(scratch_url: str, definition: str, call: str,
                   session: Sequence[str] = ()) -> None:
    """CREATE the procedure in the scratch schema and CALL it there; `session`: statements
    run first on the same session (random_stream.shadow_session)."""
    con = _scratch_session(scratch_url)
    try:
        # public too: a definition from pg_get_functiondef names its schema (public.p), and
        # the whole database is the copy, so either schema is scratch
        con.execute(f"SET search_path = {SCRATCH_SCHEMA}, public")
        for statement in session:
            con.execute(statement)
        con.execute(definition)
        con.execute(call)
    except SandboxViolation:
        raise
    except Exception as exc:  # psycopg's classes: the procedure itself failed
        raise CutoverError(f"the procedure failed on the scratch copy: "
                           f"{str(exc).strip().splitlines()[0]}") from exc
    finally:
        con.close()


def run_on_scratch(source: Adapter, source_url: str, tables: Sequence[Mapping[str, Any]],
                   definition: str, call: str, written: list[str],
                   session: Sequence[str] = ()) -> dict[str, pa.Table]:
    """The tables `written` as the procedure leaves them, run on a scratch copy of `tables`
    (`session`: see call_procedure)."""
    if scheme(source_url) in MYSQL_SCHEMES:  # a MySQL procedure runs on a MariaDB/MySQL copy
        from tools.procedures.scratch_mysql import run_on_mysql_scratch

        return run_on_mysql_scratch(source, source_url, tables, [definition], call, written)[1]
    with scratch_database(source_url) as url:
        scratch = open_adapter(url, "target", source.tracer)
        try:
            scratch.create_sandbox(SCRATCH_SCHEMA)
            copy_tables(source, scratch, tables)
            call_procedure(url, definition, call, session)
            return {t: scratch.read_arrow(f"SELECT * FROM {scratch.qualified(t)}")
                    for t in written}
        finally:
            scratch.close()


def queries_on_scratch(source: Adapter, source_url: str, tables: Sequence[Mapping[str, Any]],
                       definitions: Sequence[str], queries: Mapping[str, str],
                       timeout_s: float = 60.0, cursors: Collection[str] = (),
                       session: Sequence[str] = ()) -> dict[str, pa.Table | CutoverError]:
    """Each of `queries`' result (or why it failed) on one scratch copy of `tables` where the
    `definitions` (the codebase's functions: a query calling one needs it created, and it may
    call others) exist. A definition that does not create is skipped: a query needing it then
    fails and says why. One copy serves every query: they only read (a function that writes
    anyway writes the copy). The queries named in `cursors` return a refcursor: they run in a
    transaction and their result is what FETCH ALL reads from the cursor. `session`: see
    call_procedure."""
    if scheme(source_url) in MYSQL_SCHEMES:
        from tools.procedures.scratch_mysql import queries_on_mysql_scratch

        return queries_on_mysql_scratch(source, source_url, tables, definitions, queries)
    out: dict[str, pa.Table | CutoverError] = {}
    with scratch_database(source_url) as url:
        scratch = open_adapter(url, "target", source.tracer)
        try:
            scratch.create_sandbox(SCRATCH_SCHEMA)
            copy_tables(source, scratch, tables)
        finally:
            scratch.close()
        con = _scratch_session(url)
        try:
            con.execute(f"SET search_path = {SCRATCH_SCHEMA}, public")
            con.execute(f"SET statement_timeout = {int(timeout_s * 1000)}")
            for statement in session:
                con.execute(statement)
            for definition in definitions:
                try:
                    con.execute(definition)
                except Exception:  # psycopg's classes: a broken definition of the corpus
                    continue
            for name, query in queries.items():
                try:
                    if name in cursors:
                        con.execute("BEGIN")  # a refcursor lives until the transaction ends
                    cursor = con.execute(query)
                    if name in cursors:
                        (portal,) = cursor.fetchone() or (None,)
                        if portal is None:
                            raise CutoverError("the function returned no cursor")
                        quoted = portal.replace('"', '""')
                        cursor = con.execute(f'FETCH ALL FROM "{quoted}"')
                    names = [d.name for d in cursor.description or []]
                    rows = cursor.fetchall()
                except Exception as exc:  # psycopg's classes: the source query failed
                    out[name] = CutoverError(f"the original failed on the scratch copy: "
                                             f"{_failure(exc, timeout_s)}")
                    continue
                finally:
                    if name in cursors:
                        con.execute("ROLLBACK")
                out[name] = (pa.Table.from_pylist([dict(zip(unique_names(names), row, strict=True))
                                                   for row in rows])
                             if rows else _empty(names))
        finally:
            con.close()
    return out


def _failure(exc: Exception, timeout_s: float) -> str:
    """PostgreSQL's message with its DETAIL (which column's type, which value), and for a
    timeout how long it had: the reason a routine is not proven must say what failed."""
    message = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
    diag = getattr(exc, "diag", None)
    detail = getattr(diag, "message_detail", None)
    if detail:
        message += f" ({detail.strip()})"
    if getattr(diag, "sqlstate", None) == "57014":  # query_canceled: the statement timeout
        message += (f" after {timeout_s:g} s: the original's own run time on a copy of the "
                    f"source's tables and keys, not the translation's")
    return message


def unique_names(names: list[str]) -> list[str]:
    """Result column names made unique (a second `n` becomes `n_2`), as Arrow needs."""
    seen: dict[str, int] = {}
    out = []
    for name in names:
        seen[name] = seen.get(name, 0) + 1
        out.append(name if seen[name] == 1 else f"{name}_{seen[name]}")
    return out


def _empty(names: list[str]) -> pa.Table:
    return pa.table({n: pa.array([], pa.null()) for n in unique_names(names)})
