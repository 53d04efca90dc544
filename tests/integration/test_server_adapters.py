"""Server adapters against real PostgreSQL and MariaDB (and embedded DuckDB): a type matrix
copied source -> target between every pair, the catalog, errors, snapshots and timeouts.

Values are compared after plain Python normalisation (decimals by value, instants in UTC,
booleans from 0/1): this tests the adapters, not the differ.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy.engine import make_url

from tests.integration.conftest import sandbox_for
from tools.db.base import Adapter
from tools.db.registry import open_adapter
from tools.errors import CompileFailed, ConnectionLost, QueryFailed

pytestmark = pytest.mark.integration

UTC = dt.UTC
COLUMNS = ("id", "i", "big", "amount", "dbl", "txt", "code", "flag", "d", "ts", "tstz")
ROWS: list[tuple[Any, ...]] = [
    (1, 42, 2**53 + 1, Decimal("12345678901234.5678"), 0.1, "trailing  ", "ab  ", True,
     dt.date(2024, 2, 29), dt.datetime(2024, 1, 2, 3, 4, 5, 123456),
     dt.datetime(2024, 1, 2, 3, 4, 5, 654321, tzinfo=UTC)),
    (2, -7, -(2**62) - 1, Decimal("-0.0001"), -1.5e300, "ünïcødé 😀 ∑ — ǅ", "Ω", False,
     dt.date(1999, 12, 31), dt.datetime(1970, 1, 1, 0, 0, 0),
     dt.datetime(2001, 9, 9, 1, 46, 40, tzinfo=UTC)),
    (3, None, None, None, None, None, None, None, None, None, None),
    (4, 0, 0, Decimal("0.0000"), 0.0, "", "", False, dt.date(2000, 1, 1),
     dt.datetime(2038, 1, 19, 3, 14, 7), dt.datetime(2038, 1, 1, 0, 0, 0, tzinfo=UTC)),
]
EXPECTED_CANONICAL = {
    "id": "int", "i": "int", "big": "int", "amount": "decimal(18,4)", "dbl": "float",
    "txt": "text", "code": "text", "flag": "bool", "d": "date", "ts": "timestamp",
    "tstz": "timestamptz",
}

# Native DDL of the matrix table per engine. MySQL has no timestamptz: TIMESTAMP (stored as
# UTC, read in the session zone) is its instant type.
MATRIX_DDL = {
    "postgres": ("CREATE TABLE matrix (id integer PRIMARY KEY, i integer, big bigint, "
                 "amount numeric(18,4), dbl double precision, txt text, code varchar(10), "
                 "flag boolean, d date, ts timestamp, tstz timestamptz)"),
    "mysql": ("CREATE TABLE matrix (id int PRIMARY KEY, i int, big bigint, amount decimal(18,4), "
              "dbl double, txt text, code varchar(10), flag boolean, d date, ts datetime(6), "
              "tstz timestamp(6) NULL)"),
    "duckdb": ("CREATE TABLE matrix (id INTEGER PRIMARY KEY, i INTEGER, big BIGINT, "
               "amount DECIMAL(18,4), dbl DOUBLE, txt VARCHAR, code VARCHAR(10), flag BOOLEAN, "
               "d DATE, ts TIMESTAMP, tstz TIMESTAMPTZ)"),
}
ENGINES = ("postgres", "mysql", "duckdb")


# ---------------------------------------------------------------- fixtures
@pytest.fixture
def make_url_for(request: pytest.FixtureRequest, tmp_path: Path) -> Callable[[str, str], str]:
    """make_url_for(engine, role) -> URL of a fresh database for this test."""

    def _url(engine: str, role: str) -> str:
        if engine == "postgres":
            return request.getfixturevalue("pg_db")
        if engine == "mysql":
            return request.getfixturevalue("mysql_db")
        return f"duckdb:///{tmp_path / f'{role}.duckdb'}"

    return _url


def _seed(engine: str, url: str) -> None:
    """Create and fill the matrix table with the engine's own driver (not the adapter)."""
    u = make_url(url)
    if engine == "postgres":
        import psycopg

        with psycopg.connect(host=u.host, port=u.port, user=u.username, password=u.password,
                             dbname=u.database, autocommit=True) as con:
            con.execute(MATRIX_DDL["postgres"])
            with con.cursor() as cur:
                cur.executemany(f"INSERT INTO matrix VALUES ({', '.join(['%s'] * 11)})", ROWS)
    elif engine == "mysql":
        import pymysql

        con = pymysql.connect(host=u.host, port=u.port, user=u.username, password=u.password,
                              database=u.database, autocommit=True, charset="utf8mb4")
        try:
            cur = con.cursor()
            cur.execute("SET time_zone = '+00:00'")
            cur.execute(MATRIX_DDL["mysql"])
            rows = [tuple(v.replace(tzinfo=None) if isinstance(v, dt.datetime) else v
                          for v in row) for row in ROWS]
            cur.executemany(f"INSERT INTO matrix VALUES ({', '.join(['%s'] * 11)})", rows)
        finally:
            con.close()
    else:
        import duckdb

        con = duckdb.connect(u.database)
        try:
            con.execute("SET TimeZone = 'UTC'")
            con.execute(MATRIX_DDL["duckdb"])
            con.executemany(f"INSERT INTO matrix VALUES ({', '.join(['?'] * 11)})", ROWS)
        finally:
            con.close()


def _normalise(column: str, value: Any) -> Any:
    if value is None:
        return None
    if column == "flag":
        return bool(value)  # MySQL BOOLEAN is TINYINT(1): 0/1 on the way back
    if column == "tstz" and isinstance(value, dt.datetime):
        # Naive instants are UTC (MySQL DATETIME(6) keeps them as UTC wall-clock time).
        return value.astimezone(UTC) if value.tzinfo else value.replace(tzinfo=UTC)
    if column == "amount":
        return Decimal(value)
    return value


def _normalised_rows(rows: list[tuple[Any, ...]]) -> list[tuple[Any, ...]]:
    return [tuple(_normalise(c, v) for c, v in zip(COLUMNS, row, strict=True)) for row in rows]


def _copy(source: Adapter, target: Adapter, table: dict[str, Any]) -> int:
    target.create_table(table["name"], table["columns"])
    cols = ", ".join(source.quote(c["name"]) for c in table["columns"])
    for batch in source.read_batches(f"SELECT {cols} FROM {source.quote(table['name'])}",
                                     batch_rows=3):
        target.append_arrow(table["name"], batch)
    return target.count_rows(table["name"])


# ---------------------------------------------------------------- the matrix
@pytest.mark.parametrize("target_engine", ENGINES)
@pytest.mark.parametrize("source_engine", ENGINES)
def test_type_matrix_round_trip(source_engine: str, target_engine: str,
                                make_url_for: Callable[[str, str], str]) -> None:
    source_url, target_url = make_url_for(source_engine, "source"), make_url_for(target_engine,
                                                                                  "target")
    _seed(source_engine, source_url)
    source = open_adapter(source_url, "source")
    target = open_adapter(target_url, "target")
    try:
        (table,) = [t for t in source.tables() if t["name"] == "matrix"]
        assert table["primary_key"] == ["id"]
        assert table["row_count"] == len(ROWS)
        assert {c["name"]: c["canonical"] for c in table["columns"]} == EXPECTED_CANONICAL

        target.create_sandbox(sandbox_for(target_url))
        assert _copy(source, target, table) == len(ROWS)

        back = target.read_arrow(f"SELECT * FROM {target.qualified('matrix')} ORDER BY id")
        assert back.column_names == list(COLUMNS)
        got = _normalised_rows([tuple(r.values()) for r in back.to_pylist()])
        assert got == _normalised_rows(ROWS)
    finally:
        source.close()
        target.close()


@pytest.mark.parametrize("engine", ["postgres", "mysql"])
def test_read_types_are_arrow_typed(engine: str, make_url_for: Callable[[str, str], str]) -> None:
    url = make_url_for(engine, "source")
    _seed(engine, url)
    source = open_adapter(url, "source")
    try:
        schema = source.read_arrow("SELECT * FROM matrix").schema
        empty = source.read_arrow("SELECT * FROM matrix WHERE id < 0")
    finally:
        source.close()
    import pyarrow as pa

    assert schema.field("amount").type == pa.decimal128(18, 4)
    assert schema.field("big").type == pa.int64()
    assert schema.field("ts").type == pa.timestamp("us")
    assert schema.field("tstz").type == pa.timestamp("us", tz="UTC")
    assert schema.field("d").type == pa.date32()
    assert empty.num_rows == 0 and empty.schema == schema  # typed even with no rows


# ---------------------------------------------------------------- sessions and errors
@pytest.mark.parametrize("engine", ["postgres", "mysql"])
def test_source_reads_one_snapshot(engine: str, make_url_for: Callable[[str, str], str]) -> None:
    url = make_url_for(engine, "source")
    _seed(engine, url)
    source = open_adapter(url, "source")
    writer = open_adapter(url, "target")
    try:
        assert source.count_rows("matrix") == len(ROWS)
        writer._run("INSERT INTO matrix (id) VALUES (99)")  # bypasses the sandbox on purpose
        assert writer.count_rows("matrix") == len(ROWS) + 1
        assert source.count_rows("matrix") == len(ROWS)  # still the snapshot of the first read
    finally:
        source.close()
        writer.close()


@pytest.mark.parametrize("engine", ["postgres", "mysql"])
@pytest.mark.parametrize("role", ["source", "target"])
def test_errors_are_classified_and_connection_survives(
        engine: str, role: str, make_url_for: Callable[[str, str], str]) -> None:
    url = make_url_for(engine, role)
    _seed(engine, url)
    adapter = open_adapter(url, role)  # type: ignore[arg-type]
    try:
        with pytest.raises(CompileFailed):
            adapter.read_arrow("SELECT no_such_column FROM matrix")
        with pytest.raises(CompileFailed):
            adapter.read_arrow("SELECT * FROM no_such_table")
        if engine == "postgres":  # MySQL returns NULL for 1/0
            with pytest.raises(QueryFailed):
                adapter.read_arrow("SELECT 1 / 0 AS x")
        # PostgreSQL aborts the transaction on an error: the adapter must have rolled back.
        assert adapter.count_rows("matrix") == len(ROWS)
    finally:
        adapter.close()


# A query that runs for seconds on each engine without any side-effect function.
SLOW_QUERY = {
    "postgres": "SELECT count(*) FROM generate_series(1, 100000000) a",
    "mysql": "SELECT count(*) FROM seq_1_to_100000 a, seq_1_to_100000 b",
}


@pytest.mark.parametrize("engine", ["postgres", "mysql"])
def test_statement_timeout_is_blocked_not_a_compile_error(
        engine: str, make_url_for: Callable[[str, str], str]) -> None:
    adapter = open_adapter(make_url_for(engine, "source"), "source", timeout_s=1)
    try:
        with pytest.raises(ConnectionLost):
            adapter.read_arrow(SLOW_QUERY[engine])
        assert adapter.read_arrow("SELECT 1 AS one").column(0)[0].as_py() == 1
    finally:
        adapter.close()


@pytest.mark.parametrize("url", ["postgresql://nobody:x@127.0.0.1:1/db",
                                 "mysql://nobody:x@127.0.0.1:1/db"])
def test_unreachable_server_is_connection_lost(url: str) -> None:
    with pytest.raises(ConnectionLost) as info:
        open_adapter(url, "source", timeout_s=2)
    assert "x@" not in str(info.value)  # the password never reaches the message


@pytest.mark.parametrize("engine", ["postgres", "mysql"])
def test_sandbox_lifecycle(engine: str, make_url_for: Callable[[str, str], str]) -> None:
    url = make_url_for(engine, "target")
    target = open_adapter(url, "target")
    sandbox = sandbox_for(url)
    try:
        target.create_sandbox(sandbox)
        target.create_sandbox(sandbox)  # idempotent: a resumed run re-enters it
        target.create_table("t", [{"name": "a", "canonical": "int"}])
        view = target.create_object_sql("view", "v", f"SELECT a FROM {target.qualified('t')}")
        assert view is not None
        target.execute(view)
        target.execute(view)  # re-creating a candidate replaces it
        assert "v" in target.views()
        target.explain(f"SELECT * FROM {target.qualified('v')}")
        with pytest.raises(CompileFailed):
            target.explain("SELECT * FROM no_such_table_anywhere")
        target.drop_sandbox(sandbox)
        assert target.sandbox is None
    finally:
        target.close()


# Many batches of one result must share one schema, even where the first batch had to guess.
MULTI_BATCH = {
    "postgres": ("SELECT g, g::numeric / 7 AS ratio, sum(g::numeric) OVER (ORDER BY g) AS run "
                 "FROM generate_series(1, 40) g"),
    "mysql": ("SELECT seq AS g, seq / 7 AS ratio, CAST(seq AS TIME) AS t "
              "FROM seq_1_to_40"),
}


@pytest.mark.parametrize("engine", ["postgres", "mysql"])
def test_batches_share_one_schema(engine: str, make_url_for: Callable[[str, str], str]) -> None:
    adapter = open_adapter(make_url_for(engine, "source"), "source")
    try:
        batches = list(adapter.read_batches(MULTI_BATCH[engine], batch_rows=7))
        whole = adapter.read_arrow(MULTI_BATCH[engine])
    finally:
        adapter.close()
    assert len(batches) == 6
    assert len({b.schema for b in batches}) == 1
    assert whole.num_rows == 40
    ratio = whole.column("ratio").to_pylist()
    assert abs(float(ratio[-1]) - 40 / 7) < 1e-3
