"""The fault-injection suite (issue 9): every test here adds to one tally
(tests/support/fault_tally.py), and the session ends with the table the issue asks for (printed
by tests/conftest.py) — each "lost" column must read 0.

Run alone: `.venv/bin/pytest -q tests/faults` (the README's test command runs it too).
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests import servers
from tests.support.fault_tally import TALLY


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
