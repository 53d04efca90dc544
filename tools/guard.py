"""SQL allow-list guards. Fail closed: anything that does not parse is refused.

- check_read_only: what may run as a read, on the source and on the target — exactly one
  SELECT/WITH query, with no DML, DDL, writable CTE, SELECT INTO, row locks, side-effect
  function, function that reads files/URLs/secrets, or table name that is a path.
- check_sandbox_write: what may run as a write on the target — statements whose every written
  object lives in the run's sandbox schema, and whose bodies (CTAS / INSERT … SELECT queries,
  their CTEs, WHERE subqueries) pass the same read rules: a `CREATE TABLE sandbox.x AS WITH d AS
  (DELETE FROM public.t …) SELECT …` writes outside the sandbox, however its destination reads.
On PostgreSQL a function called by name must be on an allow-list (the IMMUTABLE/STABLE
built-ins, plus the non-volatile functions the adapter found in the catalog): a deny-list
always misses one (replication slots, stats resets, xml exporters that run SQL text).
This is one of three independent layers (the read-only session and least-privilege roles are
the others); it must hold on its own.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable

import sqlglot
from sqlglot import exp
from sqlglot.errors import SqlglotError

from tools import guard_lists
from tools.errors import GuardRefused, SandboxViolation

# sqlglot logs a warning for every EXPLAIN it falls back to parsing as a Command.
logging.getLogger("sqlglot").setLevel(logging.ERROR)

__all__ = ["GuardRefused", "check_read_only", "check_sandbox_write"]

_WRITE_NODES: tuple[type[exp.Expr], ...] = (
    exp.Insert, exp.Update, exp.Delete, exp.Merge, exp.Create, exp.Drop, exp.Alter,
    exp.Command, exp.TruncateTable, exp.Into, exp.Lock, exp.Set, exp.Transaction,
    exp.Commit, exp.Rollback, exp.Pragma, exp.Copy, exp.Use, exp.Grant, exp.Describe,
    exp.LoadData, exp.Analyze, exp.Refresh, exp.Cache, exp.Uncache, exp.Attach, exp.Detach,
    exp.Install, exp.Execute, exp.Export,
)

# MySQL/MariaDB run the inside of /*! … */ and /*M! … */ "comments"; sqlglot drops them as
# comments, so the guard would judge a different statement than the server runs. Fail closed:
# the marker is refused even inside a string literal.
_EXECUTABLE_COMMENTS = ("/*!", "/*m!", "/*+")

# Session settings a target statement may change: none of them stores anything or widens what
# the session may do (SET ROLE, SET enable_external_access = true, SET readonly = 0 would).
_SESSION_SETTINGS = frozenset({"search_path", "timezone", "time zone", "statement_timeout",
                               "datestyle", "extra_float_digits", "client_encoding"})

# Objects a target may create in its sandbox besides tables and views: their bodies are plain
# SQL the walk can read. Procedural bodies (CREATE FUNCTION … $$ … $$) are strings it cannot.
_SANDBOX_KINDS = frozenset({"TABLE", "VIEW", "MACRO", "INDEX"})


def _parse(sql: str, dialect: str, purpose: str) -> list[exp.Expr]:
    try:
        statements = [s for s in sqlglot.parse(sql, read=dialect) if s is not None]
    except SqlglotError as exc:
        first = str(exc).splitlines()[0]
        raise GuardRefused(f"refused ({purpose}): the statement does not parse as {dialect} "
                           f"SQL, and the guard fails closed: {first}") from exc
    except RecursionError as exc:
        raise GuardRefused(f"refused ({purpose}): the statement nests too deeply for the "
                           f"parser, and the guard fails closed") from exc
    return statements


def _function_name(node: exp.Func) -> str:
    if isinstance(node, exp.Anonymous):
        # .name is the identifier's text without quotes: "nextval"(...) is nextval(...)
        return node.name.lower()
    return node.sql_name().lower()


def _check_node(node: exp.Expr, dialect: str, purpose: str,
                functions: frozenset[str]) -> None:
    """One node of a statement judged as a read: raise GuardRefused if it may not run."""
    if isinstance(node, _WRITE_NODES):
        raise GuardRefused(f"refused ({purpose}): the query contains "
                           f"{type(node).__name__.upper()} ({node.sql(dialect)[:80]})")
    if isinstance(node, exp.Func):
        name = _function_name(node)
        why = guard_lists.denied(name)
        if why:
            raise GuardRefused(f"refused ({purpose}): function {name}() {why}")
        if dialect == "postgres" and isinstance(node, exp.Anonymous) \
                and name not in guard_lists.postgres_allowed() and name not in functions:
            raise GuardRefused(
                f"refused ({purpose}): function {name}() is not a known side-effect-free "
                f"PostgreSQL function (IMMUTABLE/STABLE built-ins and the database's own "
                f"non-VOLATILE functions are allowed)")
    if isinstance(node, exp.Table):
        _check_table(node, purpose)


def _check_table(table: exp.Table, purpose: str) -> None:
    # `FROM '/etc/passwd'`, `FROM "data.csv"`, Spark's parquet.`/path`: a file, not a table.
    if isinstance(table.this, exp.Identifier) and guard_lists.path_like(table.name):
        raise GuardRefused(f"refused ({purpose}): {table.name!r} names a file or URL, not a "
                           f"table; reading outside the database is not allowed")
    if table.db and table.db.lower() in guard_lists.FILE_FORMAT_SCHEMAS \
            and guard_lists.path_like(table.name):
        raise GuardRefused(f"refused ({purpose}): {table.sql()} reads a file")


def _check_reads(nodes: Iterable[exp.Expr], dialect: str, purpose: str,
                 functions: frozenset[str]) -> None:
    for node in nodes:
        _check_node(node, dialect, purpose, functions)


def check_read_only(sql: str, dialect: str, *, side: str = "source",
                    functions: Iterable[str] = ()) -> exp.Expr:
    """Return the parsed query, or raise GuardRefused saying why it may not run as a read.

    `functions` adds names the database itself vouches for (non-volatile user functions)."""
    purpose = "source is read-only" if side == "source" else f"{side} reads only"
    lowered = sql.lower()
    if any(marker in lowered for marker in _EXECUTABLE_COMMENTS):
        raise GuardRefused(f"refused ({purpose}): executable comments (/*! … */, "
                           f"/*M! … */, optimizer hints) run code the guard cannot see")
    statements = _parse(sql, dialect, purpose)
    if len(statements) != 1:
        raise GuardRefused(f"refused ({purpose}): expected exactly one statement, "
                           f"found {len(statements)}")
    tree = statements[0]
    if not isinstance(tree, exp.Query):
        raise GuardRefused(f"refused ({purpose}): only SELECT/WITH queries may run "
                           f"as a read, not {type(tree).__name__.upper()}")
    _check_reads(tree.walk(), dialect, purpose, frozenset(functions))
    return tree


def _written_tables(stmt: exp.Expr) -> list[exp.Table]:
    if isinstance(stmt, exp.Drop):
        return [t for t in (stmt.args.get("tables") or [stmt.this]) if isinstance(t, exp.Table)]
    if isinstance(stmt, (exp.Create, exp.Insert, exp.Update, exp.Delete, exp.Merge,
                         exp.TruncateTable)):
        target = stmt.this
        if isinstance(target, (exp.Schema, exp.UserDefinedFunction)):
            target = target.this  # CREATE TABLE x (cols…) / CREATE MACRO x(args) AS …
        return [target] if isinstance(target, exp.Table) else []
    return []


def _body(stmt: exp.Expr, written: list[exp.Table]) -> Iterable[exp.Expr]:
    """Every node of a write statement except the statement itself and its destination."""
    skip = {id(stmt)} | {id(t) for t in written}
    for node in stmt.walk():
        if id(node) in skip:
            continue
        if isinstance(node, (exp.Schema, exp.UserDefinedFunction)) and node.parent is stmt:
            continue  # CREATE TABLE x (columns…) / MACRO x(args): a signature, not a read
        yield node


def check_sandbox_write(sql: str, dialect: str, sandbox: str | None, *,
                        functions: Iterable[str] = ()) -> None:
    """Refuse a target statement that writes anywhere but the sandbox schema, or whose body
    does anything a read may not (nested writes, file readers, side-effect functions).

    Queries pass when they pass as reads; CREATE SCHEMA / DROP SCHEMA pass only for the
    sandbox itself; SET only for harmless session settings."""
    purpose = "target writes stay in the sandbox"
    allowed = frozenset(functions)
    if any(marker in sql.lower() for marker in _EXECUTABLE_COMMENTS):
        raise SandboxViolation(f"refused ({purpose}): executable comments run code the guard "
                               f"cannot see")
    for stmt in _parse(sql, dialect, purpose):
        if isinstance(stmt, exp.Query):
            _check_reads(stmt.walk(), dialect, "target reads only", allowed)
            continue
        if isinstance(stmt, exp.Set):
            _check_setting(stmt, dialect)
            continue
        kind = str(stmt.args.get("kind") or "").upper()
        if isinstance(stmt, (exp.Create, exp.Drop)) and kind in ("SCHEMA", "DATABASE"):
            tables = _written_tables(stmt)
            name = (tables[0].db or tables[0].name) if tables else ""
            if sandbox and name.lower() == sandbox.lower():
                continue
            raise SandboxViolation(f"refused: only the run's sandbox schema {sandbox!r} may be "
                                   f"created or dropped, not {name!r}")
        if isinstance(stmt, exp.Create) and kind not in _SANDBOX_KINDS:
            raise SandboxViolation(f"refused: CREATE {kind} is not an allowed write on the "
                                   f"target (its body is not SQL the guard can read)")
        written = _written_tables(stmt)
        if not written:
            raise SandboxViolation(f"refused: {type(stmt).__name__.upper()} is not an allowed "
                                   f"write on the target ({stmt.sql(dialect)[:80]})")
        for table in written:
            schema = table.db
            if not sandbox or schema.lower() != sandbox.lower():
                raise SandboxViolation(
                    f"refused: {table.sql(dialect)} is outside the run's sandbox {sandbox!r}; "
                    f"target writes stay in the sandbox (promote with --apply)")
        try:
            _check_reads(_body(stmt, written), dialect, purpose, allowed)
        except GuardRefused as exc:
            raise SandboxViolation(str(exc)) from exc


def _check_setting(stmt: exp.Set, dialect: str) -> None:
    for item in stmt.expressions:
        target = item.this if isinstance(item, exp.SetItem) else item
        name = target.this if isinstance(target, exp.EQ) else target
        text = (name.name if isinstance(name, (exp.Column, exp.Identifier)) else
                name.sql(dialect)).lower().strip()
        if text not in _SESSION_SETTINGS:
            raise SandboxViolation(f"refused: SET {text} is not a setting the target session "
                                   f"may change")
