"""PostgreSQL's three ways out give the same rows: the cursor, COPY as CSV into Arrow
(tools/db/postgres_copy.py) and DuckDB's postgres_scanner (tools/db/postgres_scan.py).

A read with a `limit` goes through the cursor; a whole read through COPY; the stream differ
lets DuckDB scan. For every type the fast paths take, and for the values that trip text
formats (NULL vs '' vs 'NULL', quotes, commas, newlines, NaN, ±Infinity, -0.0, float extremes,
numeric NaN, one-column NULL rows), the paths must agree. The source's snapshot must survive a
COPY that is stopped half-way; the scan keeps the guard and falls back when it cannot run.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from decimal import Decimal, InvalidOperation
from typing import Any

import duckdb
import psycopg
import pyarrow as pa
import pytest
from sqlalchemy.engine import make_url

from tools.db.base import Adapter
from tools.db.registry import open_adapter
from tools.db.scan import DuckDBScan
from tools.diff.normalise import connect
from tools.diff.run import DiffRequest, diff_urls
from tools.diff.stream import load, load_scanned
from tools.errors import GuardRefused
from tools.trace import Tracer

ALL = 10**9  # a limit no result reaches: forces the cursor path, cuts nothing

SETUP = r"""
CREATE TABLE hazards (
  id int PRIMARY KEY, i2 smallint, i8 bigint, r real, d double precision,
  n numeric(12,2), nu numeric, nw numeric(50,10), b boolean, t text, v varchar(10),
  c char(4), dt date, ts timestamp(3), tz timestamptz, tm time, j jsonb, u uuid);
INSERT INTO hazards VALUES
 (1, -32768, -9223372036854775808, 1.5, 'NaN', 1.50, 1.5, 12345678901234567890123456789.1234567891,
  true, '', 'NULL', 'ab', '2000-02-29', '2020-01-01 00:00:00.123', '2020-06-01 12:00:00+02',
  '23:59:59.999999', '{"b": 1, "a": [1, 2]}', 'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11'),
 (2, 32767, 9223372036854775807, 'Infinity', 'Infinity', -0.01, 'NaN', 0,
  false, 'a,b "quoted"' || chr(10) || 'next line', 'NULL ', 'x', '0001-01-01',
  '1970-01-01 00:00:00', '1999-12-31 23:59:59.5-08', '00:00:00', '[]', NULL),
 (3, NULL, NULL, '-Infinity', '-Infinity', NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL,
  NULL, NULL, NULL, NULL, NULL),
 (4, 0, 0, '-0', '-0', 0, 0.000000000001, -1, true, 'naïve café ✓', '', '', '9999-12-31',
  '2262-04-11 23:47:16.854775', '2000-01-01 00:00:00+00', '12:00', 'null', NULL),
 (5, 1, 1, 3.4028235e38, 1.7976931348623157e308, 9999999999.99, -123.456, 1e-10, false,
  E'tab\there\\back', 'é', 'é', '2024-01-01', '2024-01-01 00:00:00', '2024-01-01 00:00:00+00',
  '01:02:03', '{"x": "y\"z"}', NULL),
 (6, 2, 2, 1e-45, 5e-324, 0.01, 1, 2, true, ' lead and trail ', 'v', 'c', '2024-01-01',
  '2024-01-01 00:00:00', '2024-01-01 00:00:00+00', '01:02:03', '"s"', NULL);
"""


@pytest.fixture
def source(pg_db: str) -> Iterator[Adapter]:
    with psycopg.connect(_conninfo(pg_db), autocommit=True) as con:
        con.execute(SETUP)
    adapter = open_adapter(pg_db, "source")
    try:
        yield adapter
    finally:
        adapter.close()


def _conninfo(url: str) -> str:
    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


def _same(copied: pa.Table, fetched: pa.Table) -> None:
    """Equal schemas and equal values, NaN equal to NaN and -0.0 told apart from 0.0."""
    assert copied.schema == fetched.schema
    for name, left, right in zip(copied.column_names, copied.columns, fetched.columns,
                                 strict=True):
        for a, b in zip(left.to_pylist(), right.to_pylist(), strict=True):
            assert _key(a) == _key(b), (name, a, b)


def _key(value: Any) -> Any:
    """NaN equals NaN; -0.0 is not 0.0; a numeric kept as text ('NaN' in its column) compares
    by value: the cursor writes Python's 1E-12 where PostgreSQL writes 0.000000000001."""
    if isinstance(value, str):
        try:
            number = Decimal(value) if value.strip() == value else None
        except InvalidOperation:
            return value
        if number is None:
            return value
        return ("numeric", number if number.is_finite() else str(number))
    if isinstance(value, float):
        return ("float", "nan" if math.isnan(value) else value, math.copysign(1, value))
    return value


SQL = [
    "SELECT * FROM hazards ORDER BY id",
    # duplicate names, expressions, and results typed only by the query
    "SELECT id, id, t AS x, v AS x, n * 2 AS n2, sum(n) OVER (ORDER BY id) AS run, "
    "avg(i8) AS avg_big, CAST(d AS text) AS dt FROM hazards GROUP BY id ORDER BY id",
    # one column, NULL in some rows: each such row is an empty line of CSV
    "SELECT t FROM hazards ORDER BY id",
    "SELECT CAST(NULL AS integer) AS only_null FROM generate_series(1, 3)",
    # no rows at all
    "SELECT * FROM hazards WHERE id < 0",
    # a trailing line comment must not swallow COPY's closing parenthesis
    "SELECT id FROM hazards -- the end",
]


@pytest.mark.parametrize("sql", SQL)
def test_copy_path_reads_what_the_cursor_reads(source: Adapter, sql: str) -> None:
    copied = source.read_arrow(sql)
    fetched = source.read_arrow(sql, limit=ALL)
    assert copied.num_rows == fetched.num_rows
    _same(copied, fetched)


def test_copy_path_keeps_null_empty_and_the_text_null_apart(source: Adapter) -> None:
    rows = source.read_arrow("SELECT id, t, v FROM hazards WHERE id IN (1, 2, 3, 4) ORDER BY id")
    assert rows.column("t").to_pylist()[0] == ""
    assert rows.column("t").to_pylist()[1] == 'a,b "quoted"\nnext line'
    assert rows.column("t").to_pylist()[2] is None
    assert rows.column("v").to_pylist() == ["NULL", "NULL ", None, ""]


def test_copy_path_types_and_extremes(source: Adapter) -> None:
    table = source.read_arrow("SELECT * FROM hazards ORDER BY id")
    types = {f.name: f.type for f in table.schema}
    assert types["n"] == pa.decimal128(12, 2)
    assert types["tz"] == pa.timestamp("us", tz="UTC")
    assert types["dt"] == pa.date32() and types["tm"] == pa.time64("us")
    # numeric(50,10) does not fit decimal128: typed from its values, as on the cursor
    assert str(table.column("nw").to_pylist()[0]) == "12345678901234567890123456789.1234567891"
    d = table.column("d").to_pylist()
    assert math.isnan(d[0]) and d[1] == math.inf and d[2] == -math.inf
    assert math.copysign(1, d[3]) == -1.0 and d[4] == 1.7976931348623157e308 and d[5] == 5e-324
    assert table.column("nu").to_pylist()[1] == "NaN"  # numeric NaN: text, as on the cursor
    assert str(table.column("tz").to_pylist()[0]) == "2020-06-01 10:00:00+00:00"


def test_batches_of_the_requested_size(source: Adapter) -> None:
    batches = list(source.read_batches("SELECT g, g::numeric / 7 AS r FROM "
                                       "generate_series(1, 40) g", batch_rows=7))
    assert [b.num_rows for b in batches] == [7, 7, 7, 7, 7, 5]
    assert len({b.schema for b in batches}) == 1


def test_server_date_style_does_not_change_what_is_read(pg_db: str) -> None:
    """A server or role whose DateStyle is not ISO still gives ISO text to the COPY path."""
    with psycopg.connect(_conninfo(pg_db), autocommit=True) as con:
        name = make_url(pg_db).database
        con.execute(f"ALTER DATABASE \"{name}\" SET DateStyle = 'SQL, DMY'")
        con.execute(f"ALTER DATABASE \"{name}\" SET extra_float_digits = -3")
    adapter = open_adapter(pg_db, "source")
    try:
        table = adapter.read_arrow("SELECT DATE '2024-03-01' AS d, 0.1::float8 + 0.2 AS f, "
                                   "TIMESTAMP '2024-03-01 10:00' AS ts")
    finally:
        adapter.close()
    assert str(table.column("d")[0]) == "2024-03-01"
    assert table.column("f").to_pylist() == [0.1 + 0.2]  # all 17 digits, not 0.3
    assert str(table.column("ts")[0]) == "2024-03-01 10:00:00"


def test_a_copy_stopped_half_way_keeps_the_source_snapshot(pg_db: str) -> None:
    with psycopg.connect(_conninfo(pg_db), autocommit=True) as con:
        con.execute("CREATE TABLE big AS SELECT g AS id FROM generate_series(1, 300000) g")
        adapter = open_adapter(pg_db, "source")
        try:
            before = adapter.read_arrow("SELECT count(*) AS n FROM big").column("n")[0].as_py()
            con.execute("INSERT INTO big VALUES (0)")  # committed after the snapshot began
            reader = adapter.read_batches("SELECT id FROM big", batch_rows=1000)
            assert next(reader).num_rows == 1000
            reader.close()  # the rest of the COPY is abandoned
            after = adapter.read_arrow("SELECT count(*) AS n FROM big").column("n")[0].as_py()
            whole = adapter.read_arrow("SELECT id FROM big").num_rows
        finally:
            adapter.close()
    assert before == after == whole == 300000


# ---------------------------------------------------------------- DuckDB's own scan
SCANNABLE = "SELECT id, i2, i8, r, d, n, b, t, v, dt, ts, tz, tm FROM hazards"


def _both_ways(adapter: Adapter, sql: str) -> tuple[Any, Any, Any]:
    """The result loaded into one DuckDB by the scanner (table sc) and by Arrow (table ar)."""
    con = connect()
    scanned = load_scanned(con, adapter, sql, "sc")
    arrow = load(con, "ar", adapter.read_batches(sql, batch_rows=1000),
                 lambda: adapter.read_arrow(sql, limit=0).schema)
    return con, scanned, arrow


def test_the_scan_loads_what_the_arrow_path_loads(source: Adapter) -> None:
    con, scanned, arrow = _both_ways(source, SCANNABLE)
    assert scanned is not None, "every column here is one the scanner types like Arrow"
    assert scanned.schema == arrow.schema and scanned.rows == arrow.rows == 6
    # Row for row by text, so NaN = NaN and -0.0 <> 0.0.
    same = " AND ".join(f"CAST(a.{c} AS VARCHAR) IS NOT DISTINCT FROM CAST(b.{c} AS VARCHAR)"
                        for c in scanned.schema.names)
    assert con.execute(f"SELECT count(*) FROM sc a ANTI JOIN ar b ON {same}").fetchone() == (0,)
    assert con.execute("SELECT CAST(d AS VARCHAR) FROM sc WHERE id = 4").fetchone() == ("-0.0",)


@pytest.mark.parametrize("sql", [
    "SELECT id, nu FROM hazards",  # unconstrained numeric: the scanner makes it DOUBLE
    "SELECT id, sum(i8) AS s FROM hazards GROUP BY id",  # numeric from sum(bigint): same
    "SELECT id, j FROM hazards",  # jsonb
    "SELECT id, u FROM hazards",  # uuid
    "SELECT id, c FROM hazards",  # char(n)
])
def test_results_the_scan_would_type_differently_stay_on_the_arrow_path(source: Adapter,
                                                                         sql: str) -> None:
    assert source.duckdb_scan(sql, "cutover_scan_x") is None


def test_the_scan_keeps_the_guard(source: Adapter) -> None:
    with pytest.raises(GuardRefused):
        source.duckdb_scan("DELETE FROM hazards RETURNING id", "cutover_scan_x")
    with pytest.raises(GuardRefused):
        source.duckdb_scan("SELECT pg_terminate_backend(1)", "cutover_scan_x")


def test_the_scan_session_is_read_only_and_utc(source: Adapter) -> None:
    recipe = source.duckdb_scan("SELECT id FROM hazards", "cutover_scan_x")
    assert recipe is not None
    con = connect()
    for statement in recipe.setup:
        con.execute(statement)
    settings = con.execute(
        "SELECT * FROM postgres_query('cutover_scan_x', 'SELECT current_setting(''"
        "default_transaction_read_only'') AS ro, current_setting(''TimeZone'') AS tz')"
    ).fetchall()
    assert settings == [("on", "UTC")]
    with pytest.raises(duckdb.Error):
        con.execute("CALL postgres_execute('cutover_scan_x', 'CREATE TABLE x (a int)')")
    with psycopg.connect(_conninfo(source.url), autocommit=True) as check:
        assert check.execute("SELECT to_regclass('x')").fetchone() == (None,)


def test_a_scan_that_cannot_run_falls_back_to_arrow(pg_db: str, tmp_path: Any) -> None:
    with psycopg.connect(_conninfo(pg_db), autocommit=True) as con:
        con.execute(SETUP)
    tracer = Tracer(tmp_path / "events.jsonl")
    adapter = open_adapter(pg_db, "source", tracer=tracer)
    try:
        real = adapter.duckdb_scan("SELECT id FROM hazards", "x")
        assert real is not None
        broken = DuckDBScan(setup=[real.setup[0],  # LOAD the extension, then a dead server
                                   "ATTACH 'host=127.0.0.1 port=1 connect_timeout=2' AS "
                                   "cutover_scan_sc (TYPE postgres, READ_ONLY)"],
                            relation="postgres_query('cutover_scan_sc', 'SELECT 1 AS one')",
                            teardown=["DETACH DATABASE IF EXISTS cutover_scan_sc"])
        adapter.duckdb_scan = lambda sql, alias: broken  # type: ignore[method-assign]
        con = connect()
        assert load_scanned(con, adapter, "SELECT id FROM hazards", "sc") is None
        assert con.execute("SELECT count(*) FROM duckdb_tables() WHERE table_name = 'sc'"
                           ).fetchone() == (0,)
    finally:
        adapter.close()
    events = (tmp_path / "events.jsonl").read_text()
    assert '"scan_fallback"' in events and "port=1" in events


def test_cutover_diff_scans_postgres_and_stays_exact_past_2_53(pg_db: str, tmp_path: Any) -> None:
    """A table is scanned by DuckDB; a sum(bigint) (unconstrained numeric) comes as Arrow and
    keeps every digit: one unit off at 2^62 is found."""
    with psycopg.connect(_conninfo(pg_db), autocommit=True) as con:
        con.execute(SETUP)
        con.execute("CREATE TABLE big (g int, v bigint)")
        con.execute("INSERT INTO big VALUES (1, 4611686018427387904), (1, 1), (2, 7)")
    duck = tmp_path / "t.duckdb"
    with duckdb.connect(str(duck)) as con:
        con.execute("CREATE TABLE sums (g INTEGER, s DECIMAL(38,0))")
        con.execute("INSERT INTO sums VALUES (1, 4611686018427387906), (2, 7)")
        con.execute("CREATE TABLE ids AS SELECT CAST(id AS INTEGER) AS id FROM range(1, 7) r(id)")
    table = diff_urls(DiffRequest(pg_db, "hazards", f"duckdb:///{duck}", "ids",
                                  columns=["id"], algorithm="stream"))
    assert table.report.evidence["read"]["source"] == "scanned by DuckDB"
    assert table.report.verdict == "parity"
    sums = diff_urls(DiffRequest(pg_db, "SELECT g, sum(v) AS s FROM big GROUP BY g",
                                 f"duckdb:///{duck}", "sums", key=["g"], algorithm="stream"))
    assert sums.report.evidence["read"]["source"] == "Arrow batches"
    assert sums.report.changed_count == 1  # ...905 vs ...906: a double could not tell them apart


def test_without_the_scanner_wheel_the_arrow_path_reads(pg_db: str, tmp_path: Any,
                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    import importlib.util

    with psycopg.connect(_conninfo(pg_db), autocommit=True) as con:
        con.execute(SETUP)
    real = importlib.util.find_spec
    monkeypatch.setattr(importlib.util, "find_spec",
                        lambda name, *a: None if "postgres_scanner" in name else real(name, *a))
    tracer = Tracer(tmp_path / "events.jsonl")
    adapter = open_adapter(pg_db, "source", tracer=tracer)
    try:
        assert adapter.duckdb_scan("SELECT id FROM hazards", "x") is None
    finally:
        adapter.close()
    assert "duckdb-extension-postgres-scanner" in (tmp_path / "events.jsonl").read_text()
