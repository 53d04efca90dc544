"""The semantics library's grid proof on the embedded engines (SQLite, DuckDB, chdb): each
fixture case's source expression on its source engine against its translation on the target.
PostgreSQL and MariaDB pairs: tests/integration/test_semantics_grid_servers.py."""

from __future__ import annotations

import pytest

from tests.support import semantics_grid as grid
from tools.errors import Unsupported
from tools.sql import transpile

CASES = [c for c in grid.load_cases() if c.source in grid.EMBEDDED]
PAIRS = [(c, t) for c in CASES for t in c.targets if t in grid.EMBEDDED]


def _translated(case: grid.GridCase, target: str) -> str | None:
    """The target SQL, or None when the library rules the pair unsupported (with a reason)."""
    try:
        return transpile(case.query(), case.source, target, case.id, case.schema())
    except Unsupported as exc:
        # "unsupported" is a valid outcome, but only as the library's own verdict
        assert "cannot be carried" in str(exc), str(exc)
        return None


def _source_values(case: grid.GridCase) -> list:
    return grid.run_embedded(case.source, grid.setup_sql(case, case.source), case.query())


@pytest.fixture(scope="module")
def chdb_results() -> dict[str, list | str]:
    """Every chdb job of this module, run in one child process."""
    jobs = [(case, sql) for case, target in PAIRS if target == "clickhouse"
            if (sql := _translated(case, "clickhouse")) is not None]
    results = grid.run_chdb_batch([(grid.setup_sql(c, "clickhouse"), sql) for c, sql in jobs])
    return {case.id: result for (case, _), result in zip(jobs, results, strict=True)}


@pytest.mark.parametrize(("case", "target"), PAIRS,
                         ids=[f"{c.id}->{t}" for c, t in PAIRS])
def test_grid_case_keeps_source_meaning(case: grid.GridCase, target: str,
                                        chdb_results: dict) -> None:
    sql = _translated(case, target)
    if sql is None:
        return
    expected = _source_values(case)
    if target == "clickhouse":
        got = chdb_results[case.id]
        assert not isinstance(got, str), f"{sql}\n{got}"
    else:
        got = grid.run_embedded(target, grid.setup_sql(case, target), sql)
    diffs = [(case.rows[i], e, g) for i, (e, g) in enumerate(zip(expected, got, strict=True))
             if not grid.same([e], [g])]
    assert not diffs, f"{case.source} -> {target}: {sql}\nrow, source, target: {diffs[:8]}"
