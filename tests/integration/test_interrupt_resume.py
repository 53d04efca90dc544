"""Ctrl-C and SIGTERM on a real `cutover run` (SQLite → DuckDB, in a subprocess): the run stops
at a safe point with exit 130 and the resume command, nothing is marked `blocked`, and
`--resume` finishes every object at parity."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.support.projects import make_project

REPO = Path(__file__).resolve().parents[2]
# A recursive CTE: instant on SQLite, seconds on DuckDB (about 6 s for 100,000 steps on a
# quiet 2-core machine), so the signal lands while DuckDB runs, and the resumed run redoes it
# well within the default 60 s statement timeout even under load (600,000 steps took 48 s).
SLOW = ("CREATE VIEW slow_count AS WITH RECURSIVE r(n) AS (SELECT 1 UNION ALL SELECT n + 1 "
        "FROM r WHERE n < 100000) SELECT count(*) AS c FROM r;")
FILES = {
    "sql/a_first.sql": "CREATE VIEW paris AS SELECT id, name FROM customers WHERE city = 'Paris';",
    "sql/b_slow.sql": SLOW,
    "sql/c_last.sql": "CREATE VIEW big_orders AS SELECT id, qty FROM orders WHERE qty > 2;",
}


def _cutover(*args: str, cwd: Path) -> subprocess.Popen[str]:
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    return subprocess.Popen([sys.executable, "-m", "cutover", *args], cwd=cwd, env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def _events(run_dir: Path) -> list[dict]:
    path = run_dir / "events.jsonl"
    if not path.exists():
        return []
    return [json.loads(line) for line in path.read_text().splitlines() if line.strip()]


def _wait_for_slow_query(proc: subprocess.Popen[str], run_dir: Path) -> None:
    """Until the differ has read the slow view's source side: DuckDB's read is then in flight
    (seconds), so the signal interrupts a live query."""
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and proc.poll() is None:
        if any(e["kind"] == "node_start" and e.get("object") == "slow_count" and
               e.get("node") == "data_differ" for e in _events(run_dir)):
            time.sleep(0.1)
            return
        time.sleep(0.02)
    pytest.fail(f"the run never reached slow_count (exit {proc.poll()})")


@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM], ids=["SIGINT", "SIGTERM"])
def test_signal_stops_run_and_resume_finishes_it(tmp_path: Path, sig: signal.Signals) -> None:
    project = make_project(tmp_path / "proj", FILES)
    runs = tmp_path / "runs"
    proc = _cutover("run", str(project), "--runs-dir", str(runs), "--run-id", "r1", cwd=tmp_path)
    _wait_for_slow_query(proc, runs / "r1")
    proc.send_signal(sig)
    out, err = proc.communicate(timeout=60)

    assert proc.returncode == 130, (out, err)
    assert f"cutover run --resume r1 --runs-dir {runs}" in err
    assert "Traceback" not in err and "internal error" not in err
    assert not (runs / "r1" / "report.json").exists()
    events = _events(runs / "r1")
    # the object in flight got no verdict (its work is redone on resume), whether the signal
    # cancelled its query or met it between two statements (objects run in worker threads)
    assert not any(e["kind"] == "object_end" and e.get("object") == "slow_count"
                   for e in events)
    assert events[-1]["kind"] == "interrupted"
    assert not any("blocked" in json.dumps(e) or e["kind"] == "error" for e in events)

    resumed = _cutover("run", "--resume", "r1", "--runs-dir", str(runs), cwd=tmp_path)
    out, err = resumed.communicate(timeout=300)
    assert resumed.returncode == 0, (out, err)
    report = json.loads((runs / "r1" / "report.json").read_text())
    assert {o["name"]: o["verdict"] for o in report["objects"]} == {
        "paris": "parity", "slow_count": "parity", "big_orders": "parity"}


def test_second_ctrl_c_quits_at_once(tmp_path: Path) -> None:
    project = make_project(tmp_path / "proj", FILES)
    runs = tmp_path / "runs"
    proc = _cutover("run", str(project), "--runs-dir", str(runs), "--run-id", "r2", cwd=tmp_path)
    _wait_for_slow_query(proc, runs / "r2")
    proc.send_signal(signal.SIGINT)
    proc.send_signal(signal.SIGINT)
    _, err = proc.communicate(timeout=30)
    assert proc.returncode == 130
    assert "Traceback" not in err


PG_SLOW = ("CREATE VIEW slow_count AS WITH RECURSIVE r(n) AS (SELECT 1 UNION ALL SELECT n + 1 "
           "FROM r WHERE n < 3000000) SELECT count(*) AS c FROM r;")


def test_ctrl_c_cancels_a_postgres_query_and_resume_finishes(tmp_path: Path, pg_db: str) -> None:
    """psycopg turns the interrupt into a server-side cancel (QueryCanceled): still an
    interrupt, not a verdict."""
    project = make_project(tmp_path / "proj", {**FILES, "sql/b_slow.sql": PG_SLOW}, target=pg_db)
    runs = tmp_path / "runs"
    proc = _cutover("run", str(project), "--runs-dir", str(runs), "--run-id", "pg", cwd=tmp_path)
    _wait_for_slow_query(proc, runs / "pg")
    proc.send_signal(signal.SIGINT)
    out, err = proc.communicate(timeout=60)
    assert proc.returncode == 130, (out, err)
    events = _events(runs / "pg")
    assert not any("blocked" in json.dumps(e) or e["kind"] == "error" for e in events)
    resumed = _cutover("run", "--resume", "pg", "--runs-dir", str(runs), cwd=tmp_path)
    out, err = resumed.communicate(timeout=300)
    assert resumed.returncode == 0, (out, err)
    report = json.loads((runs / "pg" / "report.json").read_text())
    assert {o["verdict"] for o in report["objects"]} == {"parity"}
