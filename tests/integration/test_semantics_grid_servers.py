"""The semantics library's grid proof on PostgreSQL and MariaDB: every fixture case whose
source or target is a server, against the real engines (embedded ones in process, chdb in a
child process). The embedded-only pairs: tests/unit/test_semantics_grid.py."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
import sqlalchemy as sa

from tests.integration.conftest import drop_database, new_database
from tests.support import semantics_grid as grid

PAIRS = [(c, t) for c in grid.load_cases() for t in c.targets
         if c.source in grid.SERVERS or t in grid.SERVERS]
_DRIVERS = {"postgresql://": "postgresql+psycopg://", "mysql://": "mysql+pymysql://"}


def _engine(url: str) -> sa.Engine:
    for plain, driver in _DRIVERS.items():
        url = url.replace(plain, driver, 1)
    return sa.create_engine(url)


@pytest.fixture(scope="module")
def servers(pg_url: str, mysql_url: str) -> Iterator[dict[str, sa.Engine]]:
    """A database of its own on each server; MariaDB's is utf8mb4_bin so that the grid shows
    one family at a time (case-insensitive collations are the collation family's)."""
    made = {"postgres": (pg_url, new_database(pg_url)),
            "mysql": (mysql_url, new_database(mysql_url))}
    engines = {name: _engine(url) for name, (_, url) in made.items()}
    with engines["mysql"].begin() as conn:
        conn.exec_driver_sql("ALTER DATABASE CHARACTER SET utf8mb4 COLLATE utf8mb4_bin")
    try:
        yield engines
    finally:
        for engine in engines.values():
            engine.dispose()
        for server, url in made.values():
            drop_database(server, url)


def _run(engine: str, case: grid.GridCase, sql: str, servers: dict[str, Any]) -> list[Any]:
    setup = grid.setup_sql(case, engine)
    if engine in grid.SERVERS:
        return grid.run_server(servers[engine], setup, sql)
    return grid.run_embedded(engine, setup, sql)


@pytest.fixture(scope="module")
def chdb_results() -> dict[str, list | str]:
    return grid.chdb_results(PAIRS)


@pytest.mark.parametrize(("case", "target"), PAIRS, ids=[f"{c.id}->{t}" for c, t in PAIRS])
def test_grid_case_keeps_source_meaning_on_servers(case: grid.GridCase, target: str,
                                                   servers: dict[str, Any],
                                                   chdb_results: dict) -> None:
    sql = grid.translated(case, target)
    if sql is None:
        return
    expected = _run(case.source, case, case.query(), servers)
    if target == "clickhouse":
        got = chdb_results[case.id]
        assert not isinstance(got, str), f"{sql}\n{got}"
    else:
        got = _run(target, case, sql, servers)
    diffs = grid.differences(case, expected, got)
    assert not diffs, f"{case.source} -> {target}: {sql}\nrow, source, target: {diffs[:8]}"
