"""kill -9 of `cutover run` at node boundaries and inside nodes, then `--resume` (issue 9 item 1),
on SQLite → DuckDB (the shop), PostgreSQL → DuckDB and MariaDB → DuckDB (the traps suites on
private servers).

Every resume must finish with the verdicts of an uninterrupted run, no duplicated rows in the
loaded tables, no objects in the sandbox that an uninterrupted run does not leave, and a
checkpoint file that passes SQLite's integrity check. The kill is a real SIGKILL sent when the
run's own trace shows the chosen point (a node starting, the n-th statement, the n-th object
finishing, spec.json just written); the process dies wherever it then is, as it would by an OOM
killer or a pulled plug.
"""

from __future__ import annotations

import os
import signal
import sqlite3
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.faults.projects import (
    cutover,
    events,
    finish,
    run_state,
    server_project,
    shop_project,
    wait_for,
)

Point = Callable[[Path], bool]


def _nth(kind: str, n: int, **match: str) -> Point:
    def reached(run_dir: Path) -> bool:
        hits = [e for e in events(run_dir) if e.get("kind") == kind
                and all(e.get(k) == v for k, v in match.items())]
        return len(hits) >= n
    reached.__name__ = f"{kind}#{n}" + "".join(f"[{v}]" for v in match.values())
    return reached


def _spec_written(run_dir: Path) -> bool:
    return (run_dir / "spec.json").exists()


# At least ten distinct instants per pair: right after spec.json, node boundaries of the outer
# graph, inside the loader's copy, inside the per-object loop (compile, diff, fixer), between
# objects.
KILL_POINTS: dict[str, list[Point]] = {
    "sqlite": [
        _spec_written, _nth("plan", 1), _nth("load", 1), _nth("load", 3), _nth("sql", 12),
        _nth("compile", 1), _nth("diff", 2), _nth("compile", 7), _nth("sql_version", 9),
        _nth("diff", 11), _nth("compile", 18), _nth("diff", 19),
    ],
    "postgres": [
        _spec_written, _nth("plan", 1), _nth("load", 1), _nth("load", 3), _nth("sql", 8),
        _nth("compile", 1), _nth("diff", 3), _nth("sql_version", 8), _nth("compile", 11),
        _nth("diff", 14), _nth("object_end", 20), _nth("diff", 22),
    ],
    # MariaDB's own failure modes: a killed client leaves its server session (and any
    # snapshot it held) behind, and the loader reads through another driver.
    "mysql": [
        _spec_written, _nth("plan", 1), _nth("load", 1), _nth("load", 3), _nth("sql", 8),
        _nth("compile", 1), _nth("diff", 3), _nth("sql_version", 8), _nth("compile", 11),
        _nth("diff", 14), _nth("object_end", 20), _nth("diff", 22),
    ],
}
# The README's test command (and so CI) runs the fast part: four instants per pair, one from
# each stretch of a run (spec written, loading, inside the object loop, near the end), and two
# on MariaDB (loading, inside the loop). CUTOVER_TESTS=full runs every instant.
FAST_POINTS = {"sqlite": (0, 3, 6, 11), "postgres": (0, 3, 7, 11), "mysql": (3, 7)}
CASES = [(pair, point) for pair, points in KILL_POINTS.items()
         for index, point in enumerate(points)
         if os.environ.get("CUTOVER_TESTS") == "full" or index in FAST_POINTS[pair]]


@pytest.fixture(scope="module")
def make_project(request: pytest.FixtureRequest) -> Callable[[str, Path], Path]:
    def make(pair: str, base: Path) -> Path:
        if pair == "sqlite":
            return shop_project(base)
        server = request.getfixturevalue("pg" if pair == "postgres" else "maria")
        return server_project(base, f"traps-{pair}", server.url)
    return make


@pytest.fixture(scope="module")
def baselines(tmp_path_factory: pytest.TempPathFactory,
              make_project: Callable[[str, Path], Path]) -> dict[str, dict]:
    """One uninterrupted run per pair, made on first use."""

    class Lazy(dict):
        def __missing__(self, pair: str) -> dict:
            base = tmp_path_factory.mktemp(f"kills-baseline-{pair}")
            project = make_project(pair, base)
            code, out = finish(cutover("run", str(project), "--runs-dir", str(base / "runs"),
                                       "--run-id", "base"))
            assert code in (0, 1), out
            state = run_state(project, base / "runs", "base")
            state["events"] = events(base / "runs" / "base")
            self[pair] = state
            return state
    return Lazy()


@pytest.mark.parametrize(("pair", "point"), CASES,
                         ids=[f"{pair}-{point.__name__}" for pair, point in CASES])
def test_kill_then_resume_equals_an_uninterrupted_run(tmp_path: Path, baselines: dict,
                                                      make_project, pair: str, point: Point,
                                                      tally) -> None:
    baseline = baselines[pair]
    # The point must happen in an uninterrupted run, or the kill would never be sent.
    assert point(_as_folder(tmp_path / "baseline-events", baseline["events"])), point.__name__
    project, runs, run_id = make_project(pair, tmp_path), tmp_path / "runs", "killed"
    proc = cutover("run", str(project), "--runs-dir", str(runs), "--run-id", run_id)
    wait_for(proc, lambda: point(runs / run_id), point.__name__)
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    tally["kills"]["tried"] += 1
    # A killed run is resumable from any instant, and resuming it finishes the job.
    code, out = finish(cutover("run", "--resume", run_id, "--runs-dir", str(runs)))
    assert code in (0, 1), out
    resumed = run_state(project, runs, run_id)
    check = sqlite3.connect(runs / run_id / "checkpoints.sqlite")
    try:
        assert check.execute("PRAGMA integrity_check").fetchone() == ("ok",)
    finally:
        check.close()
    expected = {k: baseline[k] for k in ("verdicts", "counts", "relations")}
    equal = resumed == expected
    tally["kills"]["resumed equal" if equal else "lost"] += 1
    assert resumed["verdicts"] == baseline["verdicts"]
    assert resumed["counts"] == baseline["counts"]  # no duplicated rows in loaded tables
    assert resumed["relations"] == baseline["relations"]  # nothing orphaned in the sandbox


def _as_folder(folder: Path, logged: list[dict]) -> Path:
    """A run folder holding only `logged` as its events (to ask a point about a baseline)."""
    import json

    folder.mkdir(parents=True, exist_ok=True)
    (folder / "events.jsonl").write_text("".join(json.dumps(e) + "\n" for e in logged))
    (folder / "spec.json").write_text("{}")
    return folder
