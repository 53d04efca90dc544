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
    """`pytest tests/unit` (or any files under it) spreads over the cores with pytest-xdist:
    the unit suite is CPU-bound and its tests share nothing but read-only fixtures. Anything
    wider (integration, faults) stays in one process: those share servers on fixed ports and
    print one fault tally. `-n N` or CUTOVER_TEST_WORKERS=N (0 = one process) decide instead."""
    option = config.option
    if not config.pluginmanager.hasplugin("xdist") or os.environ.get("PYTEST_XDIST_WORKER") \
            or getattr(option, "numprocesses", None) is not None or option.dist != "no" \
            or option.usepdb or option.collectonly:
        return
    workers = os.environ.get("CUTOVER_TEST_WORKERS")
    if workers is not None:
        option.numprocesses = int(workers)
        return
    unit = ROOT / "tests" / "unit"
    paths = [Path(config.invocation_params.dir, arg.split("::")[0]).resolve()
             for arg in config.args]
    if paths and all(path.is_relative_to(unit) for path in paths):
        option.numprocesses = "auto"
        # whole files to a worker: a module's fixtures (the grid's one chdb child, the rule
        # catalog's runs) are built once, not once per worker
        option.dist = "loadfile"


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Tests marked `full` run only with CUTOVER_TESTS=full: the README's test command (and so
    CI) stays under its time budget, and says how many it left out."""
    if os.environ.get("CUTOVER_TESTS") == "full":
        return
    left_out = [item for item in items if item.get_closest_marker("full")]
    if left_out:
        config.hook.pytest_deselected(items=left_out)
        items[:] = [item for item in items if not item.get_closest_marker("full")]


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    """The fault-injection tally (tests/support/fault_tally.py), when any test added to it."""
    from tests.support.fault_tally import summary_lines

    lines = summary_lines()
    if lines:
        terminalreporter.section("fault-injection tally")
        for line in lines:
            terminalreporter.write_line(line)
