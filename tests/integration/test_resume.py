"""A run killed mid-way resumes in a new process and ends with the same report.

Integration, not unit: it needs a real process to kill (SIGKILL mid-run) and runs the project
three times (~50 s). No server needed."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from tests.support.projects import make_project

FILES = {f"sql/v{i:02d}.sql": f"""
    CREATE VIEW v{i:02d} AS SELECT customer_id, SUM(qty) / COUNT(*) AS q{i}, {i} AS k
    FROM orders GROUP BY customer_id;
""" for i in range(12)}


def _events(run_dir: Path) -> list[dict]:
    path = run_dir / "events.jsonl"
    if not path.exists():
        return []
    out = []
    for line in path.read_text().splitlines():
        try:
            out.append(json.loads(line))
        except json.JSONDecodeError:
            pass
    return out


def _comparable(report: dict) -> list[tuple]:
    return [(o["name"], o["verdict"], o["attempts"], o["final_sql"]) for o in report["objects"]]


WORKERS = 2


def test_killed_run_resumes_to_the_same_report(tmp_path):
    project = make_project(tmp_path / "p", FILES, config_extra=f"[run]\nworkers = {WORKERS}\n")
    env = {**os.environ, "COLUMNS": "200"}
    cmd = [sys.executable, "-m", "cutover", "run", str(project), "--runs-dir", "runs"]
    proc = subprocess.Popen([*cmd, "--run-id", "killed"], cwd=tmp_path, env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    run_dir = tmp_path / "runs" / "killed"
    deadline = time.time() + 120
    while time.time() < deadline:
        diffs = [e for e in _events(run_dir) if e["kind"] == "node_end"
                 and e["node"] == "data_differ"]
        if len(diffs) >= 8 or proc.poll() is not None:
            break
        time.sleep(0.01)
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    assert not (run_dir / "report.json").exists(), "the run finished before it was killed"
    before = {e["object"] for e in _events(run_dir) if e["kind"] == "diff"}

    resumed = subprocess.run([*cmd, "--resume", "killed"], cwd=tmp_path, env=env,
                             capture_output=True, text=True, timeout=300)
    assert resumed.returncode == 0, resumed.stderr
    events = _events(run_dir)
    assert any(e["kind"] == "resume" for e in events)
    # objects diffed before the kill are not diffed again (at most the ones in flight: one
    # per worker), and an object finished before the kill is never redone
    after_resume = events[[e["kind"] for e in events].index("resume"):]
    rediffed = {e["object"] for e in after_resume if e["kind"] == "diff"} & before
    assert len(rediffed) <= WORKERS, (rediffed, before)
    finished = {e["object"] for e in events[:events.index(after_resume[0])]
                if e["kind"] == "node_end" and e.get("node") == "data_differ"
                and e["object"] not in rediffed}
    assert not finished & {e["object"] for e in after_resume if e["kind"] == "diff"}

    clean = subprocess.run([*cmd, "--run-id", "clean"], cwd=tmp_path, env=env,
                           capture_output=True, text=True, timeout=300)
    assert clean.returncode == 0, clean.stderr
    killed_report = json.loads((run_dir / "report.json").read_text())
    clean_report = json.loads((tmp_path / "runs" / "clean" / "report.json").read_text())
    assert _comparable(killed_report) == _comparable(clean_report)
    assert killed_report["counts"]["parity"] == 12
