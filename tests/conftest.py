"""Shared fixtures: build a Context for a project folder and run the real graph on it."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("LANGGRAPH_STRICT_MSGPACK", "true")


@pytest.fixture
def run_project(tmp_path):
    """run_project(project_dir, chat_model=None, **overrides) -> RunOutcome"""
    from cutover.config import build_context
    from graph.run import run_migration

    counter = {"n": 0}

    def _run(project_dir: Path, chat_model=None, run_id: str | None = None, **overrides):
        counter["n"] += 1
        rid = run_id or f"t{counter['n']}"
        ctx, cfg = build_context(project_dir, rid, tmp_path / "runs", overrides)
        if chat_model is not None:
            ctx.chat_model = chat_model
        return run_migration(ctx, project=cfg.project.name)

    return _run


@pytest.hookimpl(tryfirst=True)  # before pytest-xdist's own hook reads -n
def pytest_cmdline_main(config: pytest.Config) -> None:
    """Every run spreads over the cores with pytest-xdist, whole files (or groups of files,
    tests/support/xdist_groups.py) to a worker: a module's fixtures (the grid's one chdb
    child, the hazard matrix's databases, a private fault server) are built once, and files
    that share state on the servers never overlap. `-n N`, `--dist`, or CUTOVER_TEST_WORKERS=N
    (0 = one process) decide instead."""
    option = config.option
    if not config.pluginmanager.hasplugin("xdist") or os.environ.get("PYTEST_XDIST_WORKER") \
            or option.usepdb or option.collectonly:
        return
    if getattr(option, "numprocesses", None) is None and option.dist == "no":
        workers = os.environ.get("CUTOVER_TEST_WORKERS")
        option.numprocesses = int(workers) if workers is not None else "auto"
    if option.dist == "no":
        # a bare `-n N` too: xdist's own default would be "load", test by test, which splits
        # modules and groups across workers (-n 0 still means one process)
        option.dist = "loadfile"


@pytest.hookimpl(tryfirst=True, optionalhook=True)  # before xdist's own: firstresult
def pytest_xdist_make_scheduler(config: pytest.Config, log: object) -> object:
    """`--dist loadfile` keeps the files of a group (tests/support/xdist_groups.py) on one
    worker; other modes are xdist's own."""
    if config.getvalue("dist") != "loadfile":
        return None
    from tests.support.xdist_groups import GroupedFileScheduling

    return GroupedFileScheduling(config, log)


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Tests marked `full` run only with CUTOVER_TESTS=full: the README's test command (and so
    CI) stays under its time budget, and says how many it left out."""
    if os.environ.get("CUTOVER_TESTS") == "full":
        return
    left_out = [item for item in items if item.get_closest_marker("full")]
    FULL_LEFT_OUT["here"] = len(left_out)
    if left_out:
        config.hook.pytest_deselected(items=left_out)
        items[:] = [item for item in items if not item.get_closest_marker("full")]


FULL_LEFT_OUT = {"here": 0, "by workers": 0}
"""Tests marked `full` this process left out; on the controller, what its workers left out
(each worker collects the whole suite, so each leaves out the same ones). pytest's own
"N deselected" counts only the controller's, and a controller collects nothing."""


def pytest_sessionfinish(session: pytest.Session) -> None:
    """On a pytest-xdist worker: hand its fault tally and its left-out count to the controller,
    which prints them."""
    workeroutput = getattr(session.config, "workeroutput", None)
    if workeroutput is not None:
        from tests.support.fault_tally import counts

        workeroutput["fault_tally"] = counts()
        workeroutput["full_left_out"] = FULL_LEFT_OUT["here"]


@pytest.hookimpl(optionalhook=True)
def pytest_testnodedown(node: object, error: object) -> None:
    """On the controller: add a finished worker's fault tally to this process's, and keep
    its count of the `full` tests it left out."""
    from tests.support.fault_tally import merge

    output = getattr(node, "workeroutput", {})
    merge(output.get("fault_tally", {}))
    FULL_LEFT_OUT["by workers"] = max(FULL_LEFT_OUT["by workers"], output.get("full_left_out", 0))


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    """The fault-injection tally (tests/support/fault_tally.py), when any test added to it,
    and how many `full` tests the workers left out."""
    from tests.support.fault_tally import summary_lines

    if FULL_LEFT_OUT["by workers"]:
        terminalreporter.write_line(f"{FULL_LEFT_OUT['by workers']} tests marked `full` left out "
                                    "(CUTOVER_TESTS=full runs them)")

    lines = summary_lines()
    if lines:
        terminalreporter.section("fault-injection tally")
        for line in lines:
            terminalreporter.write_line(line)
