"""kill -9 of `cutover run` at node boundaries and inside nodes, then `--resume` (issue 9 item 1).

Every resume must finish with the verdicts of an uninterrupted run, no duplicated rows in the
loaded tables, no objects in the sandbox that an uninterrupted run does not leave, and a
checkpoint file that passes SQLite's integrity check. The kill is a real SIGKILL sent when the
run's own trace shows the chosen point (a node starting, the n-th statement, the n-th object
finishing, spec.json just written); the process dies wherever it then is, as it would by an OOM
killer or a pulled plug.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import sqlite3
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SHOP = ROOT / "examples" / "shop"
RUN_TIMEOUT_S = 240


def _events(run_dir: Path) -> list[dict]:
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


def _nth(kind: str, n: int, **match: str) -> Callable[[Path], bool]:
    def reached(run_dir: Path) -> bool:
        hits = [e for e in _events(run_dir) if e.get("kind") == kind
                and all(e.get(k) == v for k, v in match.items())]
        return len(hits) >= n
    reached.__name__ = f"{kind}#{n}" + "".join(f"[{v}]" for v in match.values())
    return reached


def _spec_written(run_dir: Path) -> bool:
    return (run_dir / "spec.json").exists()


# At least ten distinct instants: right after spec.json, node boundaries of the outer graph,
# inside the loader's copy, inside the per-object loop (compile, diff, fixer), between objects.
KILL_POINTS: list[Callable[[Path], bool]] = [
    _spec_written,
    _nth("plan", 1),
    _nth("load", 1),
    _nth("load", 3),
    _nth("sql", 12),
    _nth("compile", 1),
    _nth("diff", 2),
    _nth("compile", 7),
    _nth("sql_version", 9),
    _nth("diff", 11),
    _nth("compile", 18),
    _nth("diff", 19),
]


def _project(base: Path) -> Path:
    project = base / "shop"
    shutil.copytree(SHOP, project, ignore=shutil.ignore_patterns("data", "runs"))
    return project


def _cutover(*args: str) -> subprocess.Popen:
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    return subprocess.Popen([sys.executable, "-m", "cutover", *args], cwd=ROOT, env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)


def _finish(proc: subprocess.Popen) -> tuple[int, str]:
    out, _ = proc.communicate(timeout=RUN_TIMEOUT_S)
    return proc.returncode, out


def _state(project: Path, runs: Path, run_id: str) -> dict:
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


@pytest.fixture(scope="module")
def baseline(tmp_path_factory: pytest.TempPathFactory) -> dict:
    base = tmp_path_factory.mktemp("kills-baseline")
    project = _project(base)
    code, out = _finish(_cutover("run", str(project), "--runs-dir", str(base / "runs"),
                                 "--run-id", "base"))
    assert code in (0, 1), out
    return _state(project, base / "runs", "base")


@pytest.mark.parametrize("point", KILL_POINTS, ids=[p.__name__ for p in KILL_POINTS])
def test_kill_then_resume_equals_an_uninterrupted_run(tmp_path: Path, baseline: dict,
                                                      point: Callable[[Path], bool],
                                                      tally) -> None:
    project, runs, run_id = _project(tmp_path), tmp_path / "runs", "killed"
    proc = _cutover("run", str(project), "--runs-dir", str(runs), "--run-id", run_id)
    deadline = time.monotonic() + RUN_TIMEOUT_S
    while not point(runs / run_id):
        assert proc.poll() is None, f"the run ended before {point.__name__}"
        assert time.monotonic() < deadline
        time.sleep(0.005)
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    tally["kills"]["tried"] += 1
    # A killed run is resumable from any instant, and resuming it finishes the job.
    code, out = _finish(_cutover("run", "--resume", run_id, "--runs-dir", str(runs)))
    assert code in (0, 1), out
    resumed = _state(project, runs, run_id)
    check = sqlite3.connect(runs / run_id / "checkpoints.sqlite")
    try:
        assert check.execute("PRAGMA integrity_check").fetchone() == ("ok",)
    finally:
        check.close()
    equal = resumed == baseline
    tally["kills"]["resumed equal" if equal else "lost"] += 1
    assert resumed["verdicts"] == baseline["verdicts"]
    assert resumed["counts"] == baseline["counts"]  # no duplicated rows in loaded tables
    assert resumed["relations"] == baseline["relations"]  # nothing orphaned in the sandbox
