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


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    """The fault-injection tally (tests/support/fault_tally.py), when any test added to it."""
    from tests.support.fault_tally import summary_lines

    lines = summary_lines()
    if lines:
        terminalreporter.section("fault-injection tally")
        for line in lines:
            terminalreporter.write_line(line)
