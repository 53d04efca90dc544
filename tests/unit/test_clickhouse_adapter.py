"""ClickHouse through chdb (embedded): types, the read-only source session, the sandbox, Arrow
loads and error classes. chdb runs one server per process on one data directory, so the
whole module shares one directory and every adapter is closed at the end of its test."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path

import pyarrow as pa
import pytest

from tools.db.clickhouse import canonical
from tools.db.registry import open_adapter
from tools.errors import CompileFailed, ConnectionLost, GuardRefused, QueryFailed

pytest.importorskip("chdb")


@pytest.fixture(scope="module")
def chdb_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("chdb")


@pytest.fixture
def target(chdb_dir: Path) -> Iterator:
    adapter = open_adapter(f"chdb:///{chdb_dir}?database=tgt", "target")
    yield adapter
    adapter.close()


@pytest.mark.parametrize(("declared", "expected"), [
    ("Int64", "int"), ("Nullable(UInt8)", "int"), ("Float32", "float"),
    ("Decimal(15, 2)", "decimal(15,2)"), ("Nullable(Decimal64(4))", "decimal(18,4)"),
    ("LowCardinality(Nullable(String))", "text"), ("FixedString(3)", "text"),
    ("Date32", "date"), ("DateTime64(6)", "timestamp"), ("DateTime('UTC')", "timestamptz"),
    ("Nullable(DateTime64(6, 'Europe/Paris'))", "timestamptz"), ("Bool", "bool"),
    ("Array(Int64)", "text"), ("UUID", "text"),
])
def test_canonical_types(declared: str, expected: str) -> None:
    assert canonical(declared) == expected


MATRIX = pa.table({
    "id": pa.array([1, 2, 3], pa.int64()),
    "amount": pa.array([Decimal("12345678901234.5678"), Decimal("-0.0001"), None],
                       pa.decimal128(18, 4)),
    "txt": ["trailing  ", "ünïcødé 😀", None],
    "flag": [True, False, None],
    "d": pa.array([dt.date(2024, 2, 29), dt.date(1950, 1, 1), None]),
    "ts": pa.array([dt.datetime(2024, 1, 2, 3, 4, 5, 123456), dt.datetime(1970, 1, 1), None],
                   pa.timestamp("us")),
    "tstz": pa.array([dt.datetime(2001, 9, 9, 1, 46, 40, tzinfo=dt.UTC), None, None],
                     pa.timestamp("us", tz="UTC")),
    "big": pa.array([2**62 + 1, -(2**62), None], pa.int64()),
    "dbl": pa.array([0.1, -1.5e300, None], pa.float64()),
    "empty": pa.array([None, None, None], pa.null()),
})
CANONICAL = {"id": "int", "amount": "decimal(18,4)", "txt": "text", "flag": "bool", "d": "date",
             "ts": "timestamp", "tstz": "timestamptz", "big": "int", "dbl": "float",
             "empty": "text"}


def test_arrow_round_trip_keeps_types(target) -> None:
    target.create_sandbox("cutover_rt")
    columns = [{"name": n, "canonical": c} for n, c in CANONICAL.items()]
    target.create_table("m", columns, ["id"])
    for batch in MATRIX.to_batches(max_chunksize=2):
        target.append_arrow("m", batch)
    assert target.count_rows("m") == 3
    back = target.read_arrow(f"SELECT * FROM {target.qualified('m')} ORDER BY id")
    assert back.schema.field("ts").type == pa.timestamp("us")  # naive stays naive
    assert back.schema.field("tstz").type.tz == "UTC"
    assert back.schema.field("amount").type == pa.decimal128(18, 4)
    expected = MATRIX.to_pylist()
    got = back.to_pylist()
    for row in got:
        if row["tstz"] is not None:
            row["tstz"] = row["tstz"].astimezone(dt.UTC)
    for want in expected:
        if want["tstz"] is not None:
            want["tstz"] = want["tstz"].astimezone(dt.UTC)
    assert got == expected
    target.drop_sandbox("cutover_rt")


def test_floats_load_into_decimals_at_the_nearest_value(target) -> None:
    """SQLite keeps DECIMAL(15,2) as REAL: 0.29 is 0.28999... ClickHouse's own Arrow reader
    would truncate it to 0.28 (and change TPC-H's sums); the adapter rounds first."""
    from decimal import Decimal

    target.create_sandbox("cutover_dec")
    target.create_table("p", [{"name": "price", "canonical": "decimal(15,2)"},
                              {"name": "ratio", "canonical": "float"}])
    values = [0.29, 1.15, 0.07, 2.675, -0.29, None]
    target.append_arrow("p", pa.record_batch({"price": pa.array(values),
                                              "ratio": pa.array(values)}))
    back = target.read_arrow(f"SELECT price, ratio FROM {target.qualified('p')}").to_pylist()
    assert sorted(str(r["price"]) for r in back) == sorted(
        ["0.29", "1.15", "0.07", "2.67", "-0.29", "None"])  # 2.675 is 2.67499... as a double
    assert {r["ratio"] for r in back} == set(values)
    assert Decimal("0.29") in {r["price"] for r in back}
    target.drop_sandbox("cutover_dec")


def test_sandbox_objects_and_errors(target) -> None:
    target.create_sandbox("cutover_sb")
    target.create_sandbox("cutover_sb")  # idempotent: a resumed run re-enters it
    target.create_table("t", [{"name": "a", "canonical": "int"}])
    target.append_arrow("t", pa.record_batch({"a": pa.array([1, 2], pa.int64())}))
    for kind in ("view", "table_as_select"):
        statement = target.create_object_sql(kind, f"o_{kind}", "SELECT a * 2 AS a FROM t")
        target.execute(statement)
        target.execute(statement)  # re-creating a candidate replaces it
    assert target.views() == [] and "o_view" in target.read_arrow(
        "SELECT name FROM system.tables WHERE database = 'cutover_sb'").column(0).to_pylist()
    assert target.read_arrow("SELECT sum(a) AS s FROM o_view").column(0)[0].as_py() == 6
    with pytest.raises(CompileFailed):
        target.explain("SELECT nope FROM t")
    with pytest.raises(QueryFailed):
        target.read_arrow("SELECT intDiv(1, 0) AS x")
    with pytest.raises(QueryFailed):
        target.read_arrow("SELECT toInt32('abc') AS x")
    target.drop_sandbox("cutover_sb")
    assert target.sandbox is None


def test_source_session_is_read_only_on_its_own(chdb_dir: Path, target) -> None:
    target.sandbox = "tgt"  # write the fixture table straight into the home database
    target.create_table("src", [{"name": "a", "canonical": "int"}])
    target.append_arrow("src", pa.record_batch({"a": pa.array([1, 2, 3], pa.int64())}))
    source = open_adapter(f"chdb:///{chdb_dir}?database=tgt", "source", timeout_s=1)
    try:
        (table,) = [t for t in source.tables() if t["name"] == "src"]
        assert table["row_count"] == 3 and table["primary_key"] == []
        with pytest.raises(GuardRefused):  # the guard
            source.read_arrow("INSERT INTO src VALUES (4)")
        for statement in ("INSERT INTO src VALUES (4)", "DROP TABLE src",
                          "SET readonly = 0", "CREATE TABLE x (a Int8) ENGINE = Memory"):
            with pytest.raises(GuardRefused):  # the session alone (guard bypassed)
                source._run_logged(statement)
        with pytest.raises(ConnectionLost):  # max_execution_time
            source.read_arrow("SELECT count() FROM numbers(100000000000)")
        assert source.count_rows("src") == 3
    finally:
        source.close()


def test_missing_source_database_is_connection_lost(chdb_dir: Path) -> None:
    with pytest.raises(ConnectionLost, match="not found"):
        open_adapter(f"chdb:///{chdb_dir}?database=nope", "source")
