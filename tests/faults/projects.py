"""Projects and run helpers the fault suite shares: the shop (SQLite → DuckDB), the traps
suites loaded into a private PostgreSQL or MariaDB server (→ DuckDB), `cutover run` as a
process, and the state a finished run leaves (verdicts, loaded row counts, sandbox relations).
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import textwrap
import time
import uuid
from collections.abc import Callable
from pathlib import Path

import yaml
from sqlalchemy.engine import make_url

ROOT = Path(__file__).resolve().parents[2]
SHOP = ROOT / "examples" / "shop"
SUITES = ROOT / "evals" / "suites"
RUN_TIMEOUT_S = 300

# Views on top of the traps cases, so the server projects have dependencies too.
VIEWS = {
    "postgres": {
        "moves_in": "CREATE VIEW moves_in AS SELECT id, account_id, qty FROM movements "
                    "WHERE qty > 0",
        "moves_in_total": "CREATE VIEW moves_in_total AS SELECT account_id, SUM(qty) AS q "
                          "FROM moves_in GROUP BY account_id",
        "moves_in_report": "SELECT account_id, q FROM moves_in_total ORDER BY account_id",
    },
    "mysql": {
        "big_orders": "CREATE VIEW big_orders AS SELECT id, customer_id, qty FROM orders "
                      "WHERE qty > 3",
        "big_orders_total": "CREATE VIEW big_orders_total AS SELECT customer_id, "
                            "SUM(qty) AS q FROM big_orders GROUP BY customer_id",
        "big_orders_report": "SELECT customer_id, q FROM big_orders_total ORDER BY customer_id",
    },
}


def shop_project(base: Path) -> Path:
    project = base / "shop"
    shutil.copytree(SHOP, project, ignore=shutil.ignore_patterns("data", "runs"))
    return project


# The fault points need about twenty objects; the whole trap suite (60+ cases and growing)
# would only lengthen every kill-and-resume pair, so the project takes its first cases.
SERVER_CASES = 24


def server_project(base: Path, suite: str, server_url: str, *, extra: str = "") -> Path:
    """A project whose source is a fresh database on `server_url` holding the suite's setup,
    one SQL file per case of its first SERVER_CASES (plus VIEWS), target DuckDB in the
    project folder."""
    dialect = "postgres" if server_url.startswith("postgres") else "mysql"
    url = _fresh_database(server_url, dialect)
    manifest = yaml.safe_load((SUITES / suite / "manifest.yaml").read_text())
    setup = "\n".join((SUITES / suite / s).read_text() for s in manifest["setup"])
    _execute_script(url, dialect, setup)
    project = base / suite
    (project / "sql").mkdir(parents=True)
    (project / "data").mkdir()
    files = {case["id"]: case["sql"].rstrip().rstrip(";")
             for case in manifest["cases"][:SERVER_CASES]}
    files.update(VIEWS.get(dialect, {}))
    for name, sql in files.items():
        (project / "sql" / f"{name}.sql").write_text(sql + ";\n", encoding="utf-8")
    (project / "cutover.toml").write_text(textwrap.dedent(f"""
        [project]
        name = "{suite}"
        codebase = ["sql/**/*.sql"]

        [source]
        url = "{url}"
        allow_privileged = true   # the private server's test user owns its database

        [target]
        url = "duckdb:///data/target.duckdb"
        """) + textwrap.dedent(extra), encoding="utf-8")
    return project


def _fresh_database(server_url: str, dialect: str) -> str:
    name = f"f_{uuid.uuid4().hex[:10]}"
    if dialect == "postgres":
        import psycopg

        with psycopg.connect(server_url, autocommit=True) as con:
            con.execute(f'CREATE DATABASE "{name}"')
    else:
        con = _mysql(server_url)
        try:
            con.cursor().execute(f"CREATE DATABASE `{name}` COLLATE utf8mb4_general_ci")
        finally:
            con.close()
    return make_url(server_url).set(database=name).render_as_string(hide_password=False)


def _mysql(url: str, database: str | None = None):
    import pymysql

    u = make_url(url)
    return pymysql.connect(host=u.host, port=u.port, user=u.username, password=u.password or "",
                           database=database, autocommit=True, connect_timeout=10)


def _execute_script(url: str, dialect: str, script: str) -> None:
    if dialect == "postgres":
        import psycopg

        with psycopg.connect(url, autocommit=True) as con:
            con.execute(script)
        return
    body = "\n".join(line for line in script.splitlines() if not line.lstrip().startswith("--"))
    con = _mysql(url, make_url(url).database)
    try:
        with con.cursor() as cur:
            for statement in body.split(";\n"):
                if statement.strip():
                    cur.execute(statement)
    finally:
        con.close()


def source_url(project: Path) -> str:
    import tomllib

    return tomllib.loads((project / "cutover.toml").read_text())["source"]["url"]


def cutover(*args: str, env: dict[str, str] | None = None) -> subprocess.Popen:
    env = {**os.environ, "PYTHONUNBUFFERED": "1", **(env or {})}
    return subprocess.Popen([sys.executable, "-m", "cutover", *args], cwd=ROOT, env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)


def finish(proc: subprocess.Popen, timeout: float = RUN_TIMEOUT_S) -> tuple[int, str]:
    out, _ = proc.communicate(timeout=timeout)
    return proc.returncode, out


def events(run_dir: Path) -> list[dict]:
    path = run_dir / "events.jsonl"
    if not path.exists():
        return []
    out = []
    for line in path.read_text(encoding="utf-8", errors="replace").splitlines():
        try:
            out.append(json.loads(line))
        except ValueError:
            pass  # the line being written when we looked
    return out


def wait_for(proc: subprocess.Popen, reached: Callable[[], bool], what: str,
             timeout: float = RUN_TIMEOUT_S) -> None:
    deadline = time.monotonic() + timeout
    while not reached():
        assert proc.poll() is None, f"the run ended before {what}: {proc.communicate()[0]}"
        assert time.monotonic() < deadline, f"never reached {what}"
        time.sleep(0.005)


def run_state(project: Path, runs: Path, run_id: str) -> dict:
    """Verdicts, loaded row counts and sandbox relations a finished run left."""
    report = json.loads((runs / run_id / "report.json").read_text())
    verdicts = {o["name"]: o["verdict"] for o in report["objects"]}
    import duckdb

    con = duckdb.connect(str(project / "data" / "target.duckdb"), read_only=True)
    try:
        sandbox = f"cutover_{run_id}".replace("-", "_")
        schemas = [r[0] for r in con.execute(
            "SELECT schema_name FROM information_schema.schemata").fetchall()]
        sandbox = next((s for s in schemas if s.lower() == sandbox.lower()), sandbox)
        relations = sorted(r[0] for r in con.execute(
            "SELECT table_name FROM information_schema.tables WHERE table_schema = ?",
            [sandbox]).fetchall())
        tables = [r[0] for r in con.execute(
            "SELECT table_name FROM information_schema.tables WHERE table_schema = ? "
            "AND table_type = 'BASE TABLE'", [sandbox]).fetchall()]
        counts = {t: con.execute(f'SELECT COUNT(*) FROM "{sandbox}"."{t}"').fetchone()[0]
                  for t in tables}
    finally:
        con.close()
    return {"verdicts": verdicts, "relations": relations, "counts": counts}
