"""Fixtures the LLM loop tests share (unit and HTTP): a tracer and a real SQLite → DuckDB
adapter pair. Conftests import them so pytest finds them by name."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.support import orders_pair
from tools.trace import Tracer


@pytest.fixture
def tracer(tmp_path: Path) -> Tracer:
    return Tracer(tmp_path / "run" / "events.jsonl")


@pytest.fixture
def pair(tmp_path: Path, tracer: Tracer):
    source, target = orders_pair(tmp_path, tracer)
    yield source, target
    source.close()
    target.close()
