"""`cutover check`: connect to both sides before a run and show what the run would meet —
engine versions, dialects, whether the source session really is read-only, the target's
privileges, and the sandbox the run would write in. Nothing is written anywhere."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from rich.markup import escape
from rich.table import Table

from cutover import config as cfgmod
from cutover.console import console
from cutover.dialects import check_dialect
from tools.errors import CutoverError

# Per dialect: one read-only SELECT each (they pass the source guard). Data first.
VERSION_SQL = {
    "sqlite": "SELECT sqlite_version() AS v", "duckdb": "SELECT version() AS v",
    "postgres": "SELECT version() AS v", "mysql": "SELECT version() AS v",
    "clickhouse": "SELECT version() AS v",
}
# The session's own read-only switch: proof that a write would be refused by the database,
# not only by Cutover's guard.
READ_ONLY_SQL = {
    "sqlite": ("SELECT query_only AS v FROM pragma_query_only()", ("1",)),
    "duckdb": ("SELECT current_setting('access_mode') AS v", ("read_only",)),
    "postgres": ("SELECT current_setting('transaction_read_only') AS v", ("on",)),
    "mysql": ("SELECT @@session.tx_read_only AS v", ("1",)),
}
PRIVILEGES_SQL = {
    "postgres": ("SELECT has_database_privilege(current_database(), 'CREATE') AS can_create, "
                 "(SELECT rolsuper FROM pg_roles WHERE rolname = current_user) AS superuser"),
}


@dataclass
class SideReport:
    role: str
    dialect: str
    version: str
    read_only: str
    privileges: str


def _scalar_row(adapter: Any, sql: str) -> dict[str, Any]:
    rows = adapter.read_arrow(sql).to_pylist()
    return rows[0] if rows else {}


def _probe(adapter: Any, role: str, dialect: str) -> SideReport:
    def ask(sql: str | None) -> dict[str, Any] | str:
        if sql is None:
            return "not probed for this engine"
        try:
            return _scalar_row(adapter, sql)
        except CutoverError as exc:
            return f"could not tell ({exc})"

    version = ask(VERSION_SQL.get(dialect))
    probe = READ_ONLY_SQL.get(dialect)
    read_only: str = "not probed for this engine (the SQL guard still applies)"
    if role == "source" and probe:
        answer = ask(probe[0])
        read_only = (answer if isinstance(answer, str) else
                     "yes (the session refuses writes)" if str(answer.get("v")).lower()
                     in probe[1] else f"NO: {answer.get('v')!r} (only the SQL guard protects it)")
    elif role == "target":
        read_only = "no (writes go to the sandbox only)"
    privileges = ask(PRIVILEGES_SQL.get(dialect))
    return SideReport(role, dialect, version if isinstance(version, str) else str(version["v"]),
                      read_only, privileges if isinstance(privileges, str) else
                      ", ".join(f"{k}={v}" for k, v in privileges.items()))


def check_project(project_dir: Path) -> list[SideReport]:
    from tools.db.registry import open_adapter

    ctx, _ = cfgmod.build_context(project_dir, "check", Path("runs").resolve())
    reports = []
    for role, url, dialect in (("source", ctx.source_url, ctx.source_dialect),
                               ("target", ctx.target_url, ctx.target_dialect)):
        check_dialect(dialect, f"[{role}] dialect")
        adapter = open_adapter(url, role, None, ctx.statement_timeout_s)  # type: ignore[arg-type]
        try:
            reports.append(_probe(adapter, role, dialect))
        finally:
            adapter.close()
    return reports


def print_check(project_dir: Path) -> None:
    reports = check_project(project_dir)
    table = Table(title=f"cutover check {project_dir}")
    for column in ("side", "dialect", "version", "read-only session", "privileges"):
        table.add_column(column, overflow="fold")
    for r in reports:
        table.add_row(r.role, r.dialect, escape(r.version), escape(r.read_only),
                      escape(r.privileges))
    console.print(table)
    console.print("A run writes only inside the target sandbox schema cutover_<run_id> "
                  "(kept for inspection unless keep_sandbox = false in the run table).",
                  markup=False)
