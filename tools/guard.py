"""SQL allow-list guards. Fail closed: anything that does not parse is refused.

- check_read_only: what may run on the source — exactly one SELECT/WITH query, with no DML, DDL,
  writable CTE, SELECT INTO, row locks, or side-effect function anywhere in it.
- check_sandbox_write: what may run on the target — statements whose every written object
  lives in the run's sandbox schema.
This is one of three independent layers (the read-only session and least-privilege roles are
the others); it must hold on its own.
"""

from __future__ import annotations

import logging

import sqlglot
from sqlglot import exp
from sqlglot.errors import SqlglotError

from tools.errors import GuardRefused, SandboxViolation

# sqlglot logs a warning for every EXPLAIN it falls back to parsing as a Command.
logging.getLogger("sqlglot").setLevel(logging.ERROR)

__all__ = ["GuardRefused", "check_read_only", "check_sandbox_write"]

# Functions with side effects or that reach outside the database, by engine family.
DENIED_FUNCTIONS = frozenset({
    # postgres
    "pg_sleep", "pg_sleep_for", "pg_sleep_until", "set_config", "nextval", "setval",
    "currval", "lastval", "dblink", "dblink_exec", "dblink_connect", "lo_import", "lo_export",
    "lo_unlink", "pg_read_file", "pg_read_binary_file", "pg_ls_dir", "pg_stat_file",
    "pg_terminate_backend", "pg_cancel_backend", "pg_reload_conf", "pg_rotate_logfile",
    "pg_advisory_lock", "pg_advisory_xact_lock", "pg_notify", "txid_current", "query_to_xml",
    "pg_logical_emit_message", "pg_create_restore_point", "pg_switch_wal", "copy",
    # mysql / mariadb
    "sleep", "benchmark", "get_lock", "release_lock", "load_file", "sys_exec", "sys_eval",
    "master_pos_wait", "release_all_locks", "last_insert_id",
    # sqlite / duckdb / clickhouse
    "load_extension", "writefile", "readfile", "edit", "fts3_tokenizer",
    "read_csv", "read_csv_auto", "read_parquet", "read_json", "read_json_auto", "read_text",
    "read_blob", "glob", "getenv", "system", "url", "file", "s3", "remote", "mysql",
    "postgresql", "sqlite_scan", "postgres_scan", "query_table",
})

_WRITE_NODES: tuple[type[exp.Expr], ...] = (
    exp.Insert, exp.Update, exp.Delete, exp.Merge, exp.Create, exp.Drop, exp.Alter,
    exp.Command, exp.TruncateTable, exp.Into, exp.Lock, exp.Set, exp.Transaction,
    exp.Commit, exp.Rollback, exp.Pragma, exp.Copy, exp.Use, exp.Grant, exp.Describe,
    exp.LoadData, exp.Analyze, exp.Refresh, exp.Cache, exp.Uncache,
)


def _parse(sql: str, dialect: str, purpose: str) -> list[exp.Expr]:
    try:
        statements = [s for s in sqlglot.parse(sql, read=dialect) if s is not None]
    except SqlglotError as exc:
        first = str(exc).splitlines()[0]
        raise GuardRefused(f"refused ({purpose}): the statement does not parse as {dialect} "
                           f"SQL, and the guard fails closed: {first}") from exc
    return statements


# Whole families of side-effect functions, by name prefix (lo_create, lo_put, dblink_send_query…).
DENIED_PREFIXES = ("lo_", "dblink", "pg_advisory", "pg_try_advisory", "pg_logical_",
                   "pg_replication_")

# MySQL/MariaDB run the inside of /*! … */ and /*M! … */ "comments"; sqlglot drops them as
# comments, so the guard would judge a different statement than the server runs. Fail closed:
# the marker is refused even inside a string literal.
_EXECUTABLE_COMMENTS = ("/*!", "/*m!", "/*+")


def _function_name(node: exp.Func) -> str:
    if isinstance(node, exp.Anonymous):
        # .name is the identifier's text without quotes: "nextval"(...) is nextval(...)
        return node.name.lower()
    return node.sql_name().lower()


def _denied(name: str) -> bool:
    bare = name.rsplit(".", 1)[-1]
    return bare in DENIED_FUNCTIONS or bare.startswith(DENIED_PREFIXES)


def check_read_only(sql: str, dialect: str) -> exp.Expr:
    """Return the parsed query, or raise GuardRefused saying why it may not run on the source."""
    lowered = sql.lower()
    if any(marker in lowered for marker in _EXECUTABLE_COMMENTS):
        raise GuardRefused("refused (source is read-only): executable comments (/*! … */, "
                           "/*M! … */, optimizer hints) run code the guard cannot see")
    statements = _parse(sql, dialect, "source is read-only")
    if len(statements) != 1:
        raise GuardRefused(f"refused (source is read-only): expected exactly one statement, "
                           f"found {len(statements)}")
    tree = statements[0]
    if not isinstance(tree, exp.Query):
        raise GuardRefused(f"refused (source is read-only): only SELECT/WITH queries may run "
                           f"on the source, not {type(tree).__name__.upper()}")
    for node in tree.walk():
        if isinstance(node, _WRITE_NODES):
            raise GuardRefused(f"refused (source is read-only): the query contains "
                               f"{type(node).__name__.upper()} ({node.sql(dialect)[:80]})")
        if isinstance(node, exp.Func) and _denied(_function_name(node)):
            raise GuardRefused(f"refused (source is read-only): function "
                               f"{_function_name(node)}() has side effects or reads outside "
                               f"the database")
    return tree


def _written_tables(stmt: exp.Expr) -> list[exp.Table]:
    if isinstance(stmt, exp.Drop):
        return [t for t in (stmt.args.get("tables") or [stmt.this]) if isinstance(t, exp.Table)]
    if isinstance(stmt, exp.Create):
        target = stmt.this
        if isinstance(target, exp.Schema):
            target = target.this
        return [target] if isinstance(target, exp.Table) else []
    if isinstance(stmt, (exp.Insert, exp.Update, exp.Delete, exp.Merge, exp.TruncateTable,
                         exp.Alter)):
        target = stmt.this
        if isinstance(target, exp.Schema):
            target = target.this
        return [target] if isinstance(target, exp.Table) else []
    return []


def check_sandbox_write(sql: str, dialect: str, sandbox: str | None) -> None:
    """Refuse a target statement that writes anywhere but the sandbox schema.

    Read-only statements (SELECT, EXPLAIN) pass; CREATE SCHEMA / DROP SCHEMA pass only for
    the sandbox itself.
    """
    statements = _parse(sql, dialect, "target writes stay in the sandbox")
    for stmt in statements:
        if isinstance(stmt, exp.Query) or (isinstance(stmt, exp.Command)
                                           and str(stmt.this).upper() in ("EXPLAIN", "DESCRIBE")):
            continue
        if isinstance(stmt, (exp.Set, exp.Use)):
            continue  # session settings (search_path) change nothing stored
        kind = str(stmt.args.get("kind") or "").upper()
        if isinstance(stmt, (exp.Create, exp.Drop)) and kind in ("SCHEMA", "DATABASE"):
            tables = _written_tables(stmt)
            name = (tables[0].db or tables[0].name) if tables else ""
            if sandbox and name.lower() == sandbox.lower():
                continue
            raise SandboxViolation(f"refused: only the run's sandbox schema {sandbox!r} may be "
                                   f"created or dropped, not {name!r}")
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
