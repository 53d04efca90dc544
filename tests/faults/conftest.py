"""The fault-injection suite (issue 9): every test here adds to one tally, and the session ends
with the table the issue asks for — each "lost" column must read 0.

Run alone: `.venv/bin/pytest -q tests/faults` (the README's test command runs it too).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator

import pytest

from tests import servers

# row -> column -> count; the rows and columns the summary prints, in order.
TALLY: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
COLUMNS = {
    "kills": ("tried", "resumed equal", "lost"),
    "database faults": ("tried", "survived", "lost"),
    "hostile statements": ("tried", "held", "executed"),
    "canaries": ("planted", "found in files", "leaked"),
    "mutations": ("planted", "found", "missed"),
    "identical data": ("compared", "equal", "false differences"),
    "bad input files": ("tried", "verdict with position", "crashed"),
}


@pytest.fixture(scope="module")
def pg() -> Iterator[servers.Server]:
    """A private PostgreSQL server for one module: faults may freeze, restart or kill it."""
    if not servers.postgres_available():
        pytest.skip("PostgreSQL binaries are not installed")
    server = servers.start_postgres(port=56432)
    yield server
    servers.stop(server)


@pytest.fixture(scope="module")
def maria() -> Iterator[servers.Server]:
    """A private MariaDB server for one module."""
    if not servers.mariadb_available():
        pytest.skip("MariaDB binaries are not installed")
    server = servers.start_mariadb(port=54306)
    yield server
    servers.stop(server)


@pytest.fixture
def tally() -> Iterator[dict[str, dict[str, int]]]:
    yield TALLY


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    if not TALLY:
        return
    terminalreporter.section("fault-injection tally")
    for row, (a, b, lost) in COLUMNS.items():
        if row not in TALLY:
            continue
        counts = TALLY[row]
        terminalreporter.write_line(f"{row:<20} {a} {counts[a]:>5}   {b} {counts[b]:>5}   "
                                    f"{lost} {counts[lost]:>3}")
