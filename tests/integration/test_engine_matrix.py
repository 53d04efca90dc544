"""The type matrix copied by the loader between the engines added here (ClickHouse via chdb,
SQLite as a target, Spark) and the others, then compared with the differ: zero differences.

Sources are seeded through their adapter (tools.db.tpch.seed), copied with the loader's own
function, and the copy is read back on the target and diffed against the source's rows.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from decimal import Decimal

import pyarrow as pa
import pytest

from agents.loader import _copy
from tests.integration.conftest import sandbox_for
from tools.db import tpch
from tools.db.registry import open_adapter
from tools.diff.compare import compare

pytestmark = pytest.mark.integration

MATRIX = pa.table({
    "id": pa.array([1, 2, 3, 4], pa.int64()),
    "big": pa.array([2**53 + 1, -(2**62) - 1, None, 0], pa.int64()),
    "amount": pa.array([Decimal("12345678901234.5678"), Decimal("-0.0001"), None,
                        Decimal("0.0000")], pa.decimal128(18, 4)),
    "dbl": pa.array([0.1, -1.5e300, None, 0.0], pa.float64()),
    "txt": ["trailing  ", "ünïcødé 😀 ∑ — ǅ", None, ""],
    "flag": [True, False, None, False],
    "d": pa.array([dt.date(2024, 2, 29), dt.date(1999, 12, 31), None, dt.date(2000, 1, 1)]),
    "ts": pa.array([dt.datetime(2024, 1, 2, 3, 4, 5, 123456), dt.datetime(1970, 1, 1), None,
                    dt.datetime(2038, 1, 19, 3, 14, 7)], pa.timestamp("us")),
    "tstz": pa.array([dt.datetime(2024, 1, 2, 3, 4, 5, 654321, tzinfo=dt.UTC),
                      dt.datetime(2001, 9, 9, 1, 46, 40, tzinfo=dt.UTC), None,
                      dt.datetime(2038, 1, 1, tzinfo=dt.UTC)], pa.timestamp("us", tz="UTC")),
})
NEW = ("clickhouse", "sqlite")
OLD = ("duckdb", "postgres", "mysql")
PAIRS = [(s, t) for s in (*OLD, "clickhouse") for t in NEW if s != t] + \
    [("clickhouse", t) for t in OLD]




def copy_and_diff(source_url: str, target_url: str) -> None:
    tpch.seed(source_url, {"matrix": MATRIX})
    source = open_adapter(source_url, "source")
    target = open_adapter(target_url, "target")
    try:
        (table,) = [t for t in source.tables() if t["name"] == "matrix"]
        target.create_sandbox(sandbox_for(target_url))
        assert _copy(source, target, table, batch_rows=3) == MATRIX.num_rows
        query = "SELECT * FROM {} ORDER BY id"
        before = source.read_arrow(query.format(source.quote("matrix")))
        after = target.read_arrow(query.format(target.qualified("matrix")))
        report = compare(before, after, key=["id"])
        assert report.verdict in ("parity", "parity_with_tolerance"), report.summary()
        assert report.rows_matched == MATRIX.num_rows
    finally:
        source.close()
        target.close()


@pytest.mark.parametrize(("source", "target"), PAIRS, ids=lambda e: str(e))
def test_matrix_copies_without_differences(source: str, target: str,
                                           engine_url: Callable[[str, str], str]) -> None:
    copy_and_diff(engine_url(source, "source"), engine_url(target, "target"))


@pytest.mark.slow
@pytest.mark.parametrize(("source", "target"), [("duckdb", "spark"), ("spark", "postgres")],
                         ids=lambda e: str(e))
def test_matrix_through_spark(source: str, target: str,
                              engine_url: Callable[[str, str], str]) -> None:
    pytest.importorskip("pyspark", reason="Spark needs the extra: pip install 'cutover[spark]'")
    copy_and_diff(engine_url(source, "source"), engine_url(target, "target"))
