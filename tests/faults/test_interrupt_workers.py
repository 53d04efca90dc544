"""Ctrl-C with parallel workers (`[run] workers = 2`): the signal reaches the main thread only,
yet the workers' statements in flight are cancelled on the server at once, no finished object
is lost, and `--resume` redoes at most the objects that were in flight.

The source is a private PostgreSQL server; the objects count a long generate_series, so a
statement left running would hold its backend busy for many seconds after the stop.
"""

from __future__ import annotations

import signal
import textwrap
import time
from pathlib import Path

import pytest
from sqlalchemy.engine import make_url

from tests import servers
from tests.faults.projects import _fresh_database, cutover, events, finish, wait_for

pytestmark = pytest.mark.integration
WORKERS = 2
SLOW = "SELECT count(*) AS n, {k} AS k FROM generate_series(1, 30000000) AS g(x)"


def _project(base: Path, url: str) -> Path:
    project = base / "slow"
    (project / "sql").mkdir(parents=True)
    (project / "data").mkdir()
    for k in range(4):
        (project / "sql" / f"slow_{k}.sql").write_text(SLOW.format(k=k) + ";\n")
    (project / "cutover.toml").write_text(textwrap.dedent(f"""
        [project]
        name = "slow"
        codebase = ["sql/**/*.sql"]

        [source]
        url = "{url}"
        allow_privileged = true

        [target]
        url = "duckdb:///data/target.duckdb"

        [run]
        workers = {WORKERS}
        statement_timeout_s = 600
        """))
    return project


def _active(url: str) -> list[str]:
    import psycopg

    database = make_url(url).database
    with psycopg.connect(url, autocommit=True) as con:
        return [r[0] for r in con.execute(
            "SELECT query FROM pg_stat_activity WHERE datname = %s AND state = 'active' "
            "AND pid <> pg_backend_pid()", [database]).fetchall()]


def _done(run_dir: Path) -> set[str]:
    return {p.parent.name for p in (run_dir / "artifacts").glob("*/outcome.json")}


def test_ctrl_c_cancels_the_workers_queries_and_loses_nothing(tmp_path: Path,
                                                              pg: servers.Server) -> None:
    url = _fresh_database(pg.url, "postgres")
    project, runs = _project(tmp_path, url), tmp_path / "runs"
    run_dir = runs / "stopped"
    proc = cutover("run", str(project), "--runs-dir", str(runs), "--run-id", "stopped")
    # Both workers inside a slow source query.
    wait_for(proc, lambda: sum("generate_series" in q for q in _active(url)) >= WORKERS,
             "two slow queries on the source")
    finished_before = _done(run_dir)
    stopped_at = time.monotonic()
    proc.send_signal(signal.SIGINT)
    code, out = finish(proc, timeout=120)
    took = time.monotonic() - stopped_at
    assert code == 130, out
    assert "--resume" in out
    # The server is not left running the workers' statements.
    deadline = time.monotonic() + 5
    while any("generate_series" in q for q in _active(url)) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not any("generate_series" in q for q in _active(url)), _active(url)
    assert took < 30, f"the stop waited {took:.1f}s for the workers' queries"
    # Nothing done is lost: every outcome kept before the stop is still there.
    assert finished_before <= _done(run_dir)
    stopped_with = _done(run_dir)

    # Resume: kept objects are not redone; at most the objects in flight ran again.
    code, out = finish(cutover("run", "--resume", "stopped", "--runs-dir", str(runs)),
                       timeout=600)
    assert code in (0, 1), out
    log = events(run_dir)
    start = max(i for i, e in enumerate(log) if e.get("kind") == "resume")
    ended = [e for e in log[start:] if e.get("kind") == "object_end"]
    redone = {e["object"] for e in ended if not e.get("kept")}
    assert not redone & stopped_with, redone & stopped_with  # finished objects never rerun
    assert len(_done(run_dir)) == 4
