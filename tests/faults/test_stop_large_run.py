"""Stopping a run with hundreds of objects pending (issue 10/9): SIGTERM or Ctrl-C during a wide
wave starts no new object, writes no error record per pending object, exits within seconds
with one line saying how many objects are done and how to resume, and `--resume` finishes with
the verdicts of an uninterrupted run. `cutover run` runs as a process on a generated SQLite →
DuckDB codebase; no database server.

Before the fix every pending object of the wave still started after the signal, was
interrupted, and left a node_start/node_end pair in the trace and an error in the checkpoint.
"""

from __future__ import annotations

import re
import signal
import sqlite3
import textwrap
import time
from pathlib import Path

import pytest

from tests.faults.projects import cutover, events, finish, wait_for

OBJECTS = 80  # pending objects far outnumber the workers; the two whole runs stay short
DONE_BEFORE_STOP = 6
EXIT_BOUND_S = 20


def _project(base: Path, workers: int) -> Path:
    """OBJECTS quick objects over one small table, nearly all in the first wave; every fifth
    divides integers (SQLite floors 7/2, DuckDB does not), so the fixer has work too."""
    project = base / "wide"
    (project / "sql").mkdir(parents=True)
    (project / "data").mkdir()
    con = sqlite3.connect(project / "data" / "source.sqlite")
    con.execute("CREATE TABLE orders (id INTEGER PRIMARY KEY, qty INTEGER, amount REAL, "
                "status TEXT)")
    con.executemany("INSERT INTO orders VALUES (?, ?, ?, ?)",
                    [(i, i % 9 + 1, round(i * 1.5, 2), ("new", "paid", "sent")[i % 3])
                     for i in range(200)])
    con.commit()
    con.close()
    for i in range(OBJECTS):
        if i % 5 == 0:
            body = f"SELECT status, SUM(qty) / COUNT(*) AS q_{i} FROM orders GROUP BY status"
        elif i % 5 == 1 and i > 5:
            body = f"SELECT COUNT(*) AS n_{i} FROM obj_{i - 5:03d}"
        else:
            body = f"SELECT id, amount * {i} AS v FROM orders WHERE id % {i % 7 + 2} = 0"
        statement = f"CREATE VIEW obj_{i:03d} AS {body}" if i % 5 == 2 else body
        (project / "sql" / f"obj_{i:03d}.sql").write_text(statement + ";\n", encoding="utf-8")
    (project / "cutover.toml").write_text(textwrap.dedent(f"""
        [project]
        name = "wide"
        codebase = ["sql/**/*.sql"]

        [source]
        url = "sqlite:///data/source.sqlite"

        [target]
        url = "duckdb:///data/target.duckdb"

        [run]
        workers = {workers}
        """), encoding="utf-8")
    return project


def _verdicts(run_dir: Path) -> dict[str, str]:
    import json

    report = json.loads((run_dir / "report.json").read_text(encoding="utf-8"))
    return {o["name"]: o["verdict"] for o in report["objects"]}


def _kept(run_dir: Path) -> int:
    return sum(1 for _ in (run_dir / "artifacts").glob("*/outcome.json"))


def _split(run_dir: Path) -> tuple[list[dict], list[dict]]:
    """The run's events before and after the stop took hold (its `stop_objects` event). Not
    the instant the signal was sent: on a loaded machine the handler may run a few objects
    later, and what it promises is that nothing starts once it has run."""
    import json

    log = [json.loads(line) for line in (run_dir / "events.jsonl").read_text().splitlines()
           if line.strip()]
    at = next(i for i, e in enumerate(log) if e.get("kind") == "stop_objects")
    return log[:at], log[at + 1:]


def _started(log: list[dict]) -> set[str]:
    return {e["object"] for e in log if e.get("kind") == "node_start" and e.get("object")}


def _error_records(run_dir: Path) -> int:
    """Errors LangGraph saved to the checkpoint (one per interrupted task)."""
    con = sqlite3.connect(run_dir / "checkpoints.sqlite")
    try:
        return con.execute("SELECT COUNT(*) FROM writes WHERE channel = '__error__'").fetchone()[0]
    finally:
        con.close()


@pytest.fixture(scope="module")
def whole_run(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    """The peer: the same codebase, uninterrupted."""
    base = tmp_path_factory.mktemp("whole")
    project, runs = _project(base, 2), base / "runs"
    code, out = finish(cutover("run", str(project), "--runs-dir", str(runs), "--run-id", "whole"))
    assert code in (0, 1), out
    return _verdicts(runs / "whole")


# --resume after one of the two stops only: each resume costs a whole run's time.
@pytest.mark.parametrize(("workers", "signum", "resume"),
                         [(2, signal.SIGTERM, True), (1, signal.SIGINT, False)],
                         ids=["workers2-SIGTERM-resume", "workers1-SIGINT"])
def test_a_stop_starts_nothing_more_exits_at_once_and_resumes_to_the_same_report(
        tmp_path: Path, request: pytest.FixtureRequest, workers: int, signum: int,
        resume: bool) -> None:
    project, runs = _project(tmp_path, workers), tmp_path / "runs"
    run_dir = runs / "stopped"
    proc = cutover("run", str(project), "--runs-dir", str(runs), "--run-id", "stopped")
    wait_for(proc, lambda: _kept(run_dir) >= DONE_BEFORE_STOP, f"{DONE_BEFORE_STOP} objects done")
    stopped_at = time.monotonic()
    proc.send_signal(signum)
    code, out = finish(proc, timeout=120)
    took = time.monotonic() - stopped_at

    assert code == 130, out
    assert "Traceback" not in out, out
    assert took < EXIT_BOUND_S, f"the stop took {took:.1f}s"
    before, after = _split(run_dir)
    # No object starts once the stop took hold (one per worker may have been starting as it
    # came), and at most the objects in flight reach a verdict.
    started_after = _started(after) - _started(before)
    assert len(started_after) <= workers, sorted(started_after)
    assert sum(e.get("kind") == "object_end" for e in after) <= workers
    assert _error_records(run_dir) <= workers  # not one per pending object
    done = _kept(run_dir)
    assert DONE_BEFORE_STOP <= done < OBJECTS
    name = signal.Signals(signum).name
    last = out.strip().splitlines()[-1]
    assert re.fullmatch(rf"interrupted by {name}: {done} of {OBJECTS} objects done and kept in "
                        rf"\S+stopped; resume with: cutover run --resume stopped --runs-dir "
                        rf"\S+runs", last), last

    if not resume:
        return
    finished = {p.parent.name for p in (run_dir / "artifacts").glob("*/outcome.json")}
    code, out = finish(cutover("run", "--resume", "stopped", "--runs-dir", str(runs)))
    assert code in (0, 1), out
    assert _verdicts(run_dir) == request.getfixturevalue("whole_run")
    log = events(run_dir)
    resumed = max(i for i, e in enumerate(log) if e.get("kind") == "resume")
    redone = {e["object"] for e in log[resumed:]
              if e.get("kind") == "object_end" and not e.get("kept")}
    assert not redone & finished, sorted(redone & finished)  # finished objects are kept


def test_a_second_signal_quits_at_once(tmp_path: Path) -> None:
    project, runs = _project(tmp_path, 2), tmp_path / "runs"
    run_dir = runs / "twice"
    proc = cutover("run", str(project), "--runs-dir", str(runs), "--run-id", "twice")
    wait_for(proc, lambda: _kept(run_dir) >= 2, "two objects done")
    stopped_at = time.monotonic()
    proc.send_signal(signal.SIGINT)
    time.sleep(0.01)  # two different signals: the kernel cannot merge them into one
    proc.send_signal(signal.SIGTERM)
    code, out = finish(proc, timeout=120)
    assert code == 130, out
    assert time.monotonic() - stopped_at < EXIT_BOUND_S
    assert "SIGTERM again: quitting now" in out, out
    assert "Traceback" not in out, out
