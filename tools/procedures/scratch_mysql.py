"""Run MySQL / MariaDB routines on a scratch copy, never on the source: a database of its own
on the source's server (`cutover_scratch_<hex>`), its tables created with the source's
declared column types and filled from the source adapter's read-only snapshot, dropped
afterwards.

The source adapter stays read-only (its session is read-only and the guard refuses CALL and
every write). The routines run on a second connection whose DATABASE() is checked to be the
scratch one before anything runs, so whatever a procedure writes — the tables it should,
tables it should not — lands in the copy. A server that refuses CREATE DATABASE leaves the
routine translated but not proven.
"""

from __future__ import annotations

import re
import secrets
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import pyarrow as pa
from sqlalchemy.engine import make_url

from tools.db.base import Adapter
from tools.errors import CutoverError, SandboxViolation
from tools.procedures.scratch import unique_names

PREFIX = "cutover_scratch_"
_DEFINER = re.compile(r"(?is)^(\s*create\s+(?:or\s+replace\s+)?)definer\s*=\s*"
                      r"(?:`[^`]*`|'[^']*'|\w+)(?:\s*@\s*(?:`[^`]*`|'[^']*'|[\w.%]+))?\s*")


@dataclass
class CallResult:
    """What `CALL p(...)` gave on the copy: each result set in order, and the OUT values."""

    result_sets: list[pa.Table] = field(default_factory=list)
    out: pa.Table | None = None
    """One row, a column per OUT / INOUT parameter (None when the procedure has none)."""


def _connect(url: str, database: str | None) -> Any:
    import pymysql

    u = make_url(url)
    args: dict[str, Any] = {"host": u.host or "localhost", "port": u.port or 3306,
                            "user": u.username, "password": u.password or "",
                            "autocommit": True, "charset": "utf8mb4"}
    if database:
        args["database"] = database
    return pymysql.connect(**args)


@contextmanager
def mysql_scratch(source_url: str) -> Iterator[Any]:
    """A connection to a fresh scratch database on the source's server (its DATABASE()
    checked), dropped on exit. Raises CutoverError when the server refuses to create it."""
    import pymysql

    name = f"{PREFIX}{secrets.token_hex(4)}"
    home = make_url(source_url).database or ""
    admin = _connect(source_url, None)
    try:
        with admin.cursor() as cur:
            cur.execute("SELECT default_character_set_name, default_collation_name FROM "
                        "information_schema.schemata WHERE schema_name = %s", (home,))
            found = cur.fetchone()
            charset = f" CHARACTER SET {found[0]} COLLATE {found[1]}" if found else ""
            try:
                cur.execute(f"CREATE DATABASE `{name}`{charset}")
            except pymysql.Error as exc:
                raise CutoverError(f"the server refused a scratch database ({exc.args[-1]}): "
                                   f"translated but not proven") from exc
        try:
            con = _connect(source_url, name)
            try:
                with con.cursor() as cur:
                    cur.execute("SELECT DATABASE()")
                    current = (cur.fetchone() or [None])[0]
                    if current != name:
                        raise SandboxViolation(f"refused: connected to {current!r}, not the "
                                               f"scratch database {name!r}")
                    cur.execute("SET time_zone = '+00:00'")  # as the source adapter reads
                yield con
            finally:
                con.close()
        finally:
            with admin.cursor() as cur:
                cur.execute(f"DROP DATABASE IF EXISTS `{name}`")
    finally:
        admin.close()


def _checked(con: Any) -> None:
    """Before a routine runs: the session is still in a scratch database."""
    with con.cursor() as cur:
        cur.execute("SELECT DATABASE()")
        current = (cur.fetchone() or [""])[0] or ""
    if not current.startswith(PREFIX):
        raise SandboxViolation(f"refused to run a routine outside a scratch database "
                               f"({current!r})")


def copy_tables(source: Adapter, con: Any, tables: Sequence[Mapping[str, Any]],
                home: str = "") -> None:
    """Each table as the source declares it, filled from the source's snapshot. With the
    source's database name (`home`), `CREATE TABLE ... LIKE` copies its definition whole:
    defaults, AUTO_INCREMENT, ON UPDATE CURRENT_TIMESTAMP, generated columns and indexes
    (without foreign keys or triggers: a copy has nothing to cascade to) — what a procedure's
    INSERT or UPDATE meets on the source. Else the declared column types and key."""
    import pymysql

    for table in tables:
        if home:
            try:
                with con.cursor() as cur:
                    cur.execute(f"CREATE TABLE `{table['name']}` LIKE "
                                f"`{home}`.`{table['name']}`")
                _fill(source, con, table)
                continue
            except pymysql.Error:
                pass  # the definition is not readable here: the declared types below
        columns = []
        for c in table["columns"]:
            collate = f" COLLATE {c['collation']}" if c.get("collation") else ""
            columns.append(f"`{c['name']}` {c['type']}{collate}"
                           f"{'' if c.get('nullable', True) else ' NOT NULL'}")
        key = table.get("primary_key") or []
        if key:
            columns.append("PRIMARY KEY (" + ", ".join(f"`{k}`" for k in key) + ")")
        with con.cursor() as cur:
            cur.execute(f"CREATE TABLE `{table['name']}` ({', '.join(columns)})")
        _fill(source, con, table)


def _fill(source: Adapter, con: Any, table: Mapping[str, Any]) -> None:
    """The table's rows from the source's read-only snapshot (generated columns left to the
    copy to compute)."""
    with con.cursor() as cur:
        cur.execute("SELECT column_name FROM information_schema.columns WHERE "
                    "table_schema = DATABASE() AND table_name = %s AND "
                    "extra NOT LIKE '%%GENERATED%%'", (table["name"],))
        names = [n for (n,) in cur.fetchall()] or [c["name"] for c in table["columns"]]
        insert = (f"INSERT INTO `{table['name']}` ({', '.join(f'`{n}`' for n in names)}) "
                  f"VALUES ({', '.join(['%s'] * len(names))})")
        listed = ", ".join(source.quote(n) for n in names)
        for batch in source.read_batches(f"SELECT {listed} FROM {source.quote(table['name'])}",
                                         batch_rows=5_000):
            rows = [tuple(row.values()) for row in batch.to_pylist()]
            if rows:
                cur.executemany(insert, rows)


def create_routines(con: Any, definitions: Sequence[str]) -> list[str]:
    """CREATE each routine on the copy (its DEFINER dropped: the copy's user runs it); the
    reasons of those that did not create."""
    import pymysql

    failed = []
    with con.cursor() as cur:
        for definition in definitions:
            try:
                cur.execute(_DEFINER.sub(r"\1", definition))
            except pymysql.Error as exc:
                failed.append(str(exc.args[-1]))
    return failed


def _table(cur: Any) -> pa.Table:
    names = unique_names([d[0] for d in cur.description])
    rows = cur.fetchall()
    if not rows:
        return pa.table({n: pa.array([], pa.null()) for n in names})
    return pa.Table.from_pylist([dict(zip(names, row, strict=True)) for row in rows])




def call_on_copy(con: Any, call: str, outputs: Mapping[str, str | None]) -> CallResult:
    """`call` (`CALL p(v1, v2, @cutover_out_x)`) on the copy: every result set it returns in
    order, then `SELECT @cutover_out_x AS x, ...` for `outputs` (OUT / INOUT parameter ->
    its INOUT value, None for OUT)."""
    import pymysql

    _checked(con)
    found = CallResult()
    try:
        with con.cursor() as cur:
            for name, value in outputs.items():
                cur.execute(f"SET @cutover_out_{name} = {value or 'NULL'}")
            cur.execute(call)
            while True:
                if cur.description:
                    found.result_sets.append(_table(cur))
                if not cur.nextset():
                    break
            if outputs:
                cur.execute("SELECT " + ", ".join(f"@cutover_out_{n} AS `{n}`"
                                                  for n in outputs))
                found.out = _table(cur)
    except pymysql.Error as exc:
        raise CutoverError(f"the procedure failed on the scratch copy: {exc.args[-1]}") from exc
    return found


def query_on_copy(con: Any, query: str) -> pa.Table:
    """One query's rows on the copy (a function's invocation)."""
    import pymysql

    _checked(con)
    try:
        with con.cursor() as cur:
            cur.execute(query)
            return _table(cur)
    except pymysql.Error as exc:
        raise CutoverError(f"the original failed on the scratch copy: {exc.args[-1]}") from exc


def read_table(con: Any, name: str) -> pa.Table:
    """A table of the copy as the routine left it."""
    return query_on_copy(con, f"SELECT * FROM `{name}`")


def queries_on_mysql_scratch(source: Adapter, source_url: str,
                             tables: Sequence[Mapping[str, Any]], definitions: Sequence[str],
                             queries: Mapping[str, str]) -> dict[str, pa.Table | CutoverError]:
    """scratch.queries_on_scratch on MySQL / MariaDB: each query's rows (or why it failed)
    on one copy of `tables` where the `definitions` were created."""
    out: dict[str, pa.Table | CutoverError] = {}
    with mysql_scratch(source_url) as con:
        copy_tables(source, con, tables, make_url(source_url).database or "")
        create_routines(con, definitions)
        for name, query in queries.items():
            try:
                out[name] = query_on_copy(con, query)
            except CutoverError as exc:
                out[name] = exc
    return out


def run_on_mysql_scratch(source: Adapter, source_url: str, tables: Sequence[Mapping[str, Any]],
                         definitions: Sequence[str], call: str, written: Sequence[str],
                         outputs: Mapping[str, str | None] | None = None,
                         ) -> tuple[CallResult, dict[str, pa.Table]]:
    """The CALL's result sets and OUT values, and the tables `written` as the procedure left
    them, on a copy of `tables` where the `definitions` (the procedure and every function of
    the codebase: it may call them) were created."""
    with mysql_scratch(source_url) as con:
        copy_tables(source, con, tables, make_url(source_url).database or "")
        failed = create_routines(con, definitions)
        try:
            found = call_on_copy(con, call, outputs or {})
        except CutoverError as exc:
            if failed:
                raise CutoverError(f"{exc} (a routine did not create on the copy: "
                                   f"{failed[0]})") from exc
            raise
        return found, {t: read_table(con, t) for t in written}
