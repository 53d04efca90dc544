"""The semantics library's grid proof on the embedded engines (SQLite, DuckDB, chdb): each
fixture case's source expression on its source engine against its translation on the target.
PostgreSQL and MariaDB pairs: tests/integration/test_semantics_grid_servers.py."""

from __future__ import annotations

import pytest

from tests.support import semantics_grid as grid

CASES = [c for c in grid.load_cases() if c.source in grid.EMBEDDED]
PAIRS = [(c, t) for c in CASES for t in c.targets if t in grid.EMBEDDED]


@pytest.fixture(scope="module")
def chdb_results() -> dict[str, list | str]:
    """Every chdb job of this module, run in one child process."""
    return grid.chdb_results(PAIRS)


@pytest.mark.parametrize(("case", "target"), PAIRS,
                         ids=[f"{c.id}->{t}" for c, t in PAIRS])
def test_grid_case_keeps_source_meaning(case: grid.GridCase, target: str,
                                        chdb_results: dict) -> None:
    sql = grid.translated(case, target)
    if sql is None:
        return
    expected = grid.run_embedded(case.source, grid.setup_sql(case, case.source), case.query())
    if target == "clickhouse":
        got = chdb_results[case.id]
        assert not isinstance(got, str), f"{sql}\n{got}"
    else:
        got = grid.run_embedded(target, grid.setup_sql(case, target), sql)
    diffs = grid.differences(case, expected, got)
    assert not diffs, f"{case.source} -> {target}: {sql}\nrow, source, target: {diffs[:8]}"
