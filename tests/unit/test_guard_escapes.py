"""The escapes found by fault injection stay closed: a write's body is read whole, no side reads
a file, URL or secret, and PostgreSQL functions are judged by an allow-list.

Guard-level cases run without a database; the DuckDB cases also prove the engine's own wall
(external access off) holds when the guard is bypassed.
"""

from __future__ import annotations

import pytest

from tools import guard
from tools.db.registry import open_adapter
from tools.errors import CutoverError, GuardRefused, SandboxViolation

SB = "cutover_r"

# (dialect, statement): writes whose destination is in the sandbox but whose body is not a read.
HOSTILE_BODIES = [
    ("postgres", f"CREATE TABLE {SB}.x AS WITH d AS (DELETE FROM public.accounts RETURNING *) "
                 "SELECT * FROM d"),
    ("postgres", f"INSERT INTO {SB}.x WITH u AS (UPDATE accounts SET b = 0 RETURNING id) "
                 "SELECT id FROM u"),
    ("postgres", f"CREATE TABLE {SB}.x AS SELECT nextval('s') AS n"),
    ("postgres", f"CREATE VIEW {SB}.v AS SELECT pg_read_file('/etc/passwd') AS t"),
    ("postgres", f"CREATE TABLE {SB}.x AS SELECT query_to_xml('DELETE FROM t', true, true, '')"),
    ("postgres", f"UPDATE {SB}.x SET a = (SELECT my_volatile_fn(1))"),
    ("postgres", f"DELETE FROM {SB}.x WHERE a IN (SELECT pg_stat_reset())"),
    ("postgres", f"CREATE FUNCTION {SB}.f() RETURNS int AS 'DELETE FROM t; SELECT 1' "
                 "LANGUAGE sql"),
    ("duckdb", f"CREATE TABLE {SB}.x AS SELECT * FROM '/etc/passwd'"),
    ("duckdb", f"CREATE TABLE {SB}.x AS SELECT * FROM \"/tmp/creds.csv\""),
    ("duckdb", f"CREATE TABLE {SB}.x AS SELECT * FROM read_csv('/etc/passwd')"),
    ("duckdb", f"INSERT INTO {SB}.x SELECT * FROM read_ndjson_objects('/x.json')"),
    ("duckdb", f"CREATE VIEW {SB}.v AS SELECT * FROM parquet_scan('/x.parquet')"),
    ("duckdb", f"CREATE TABLE {SB}.x AS SELECT * FROM sniff_csv('/etc/passwd')"),
    ("duckdb", f"CREATE TABLE {SB}.x AS SELECT * FROM duckdb_secrets()"),
    ("duckdb", f"CREATE TABLE {SB}.x AS SELECT * FROM glob('/etc/*')"),
    ("duckdb", f"CREATE TABLE {SB}.x AS SELECT * FROM query('SELECT 1')"),
    ("duckdb", f"CREATE TABLE {SB}.x AS SELECT getenv('HOME') AS h"),
    ("duckdb", f"CREATE TABLE {SB}.x AS SELECT * FROM 'https://example.invalid/x.csv'"),
    ("duckdb", "SET enable_external_access = true"),
    ("duckdb", f"ATTACH '/tmp/other.duckdb' AS {SB}"),
    ("duckdb", "INSTALL httpfs"),
    ("clickhouse", f"CREATE TABLE {SB}.x ENGINE = Memory AS SELECT * FROM file('/etc/passwd')"),
    ("clickhouse", f"INSERT INTO {SB}.x SELECT * FROM url('http://127.0.0.1/x', CSV)"),
    ("clickhouse", f"INSERT INTO {SB}.x SELECT * FROM s3('http://127.0.0.1/b/x', CSV)"),
    ("clickhouse", f"INSERT INTO {SB}.x SELECT * FROM remote('127.0.0.1', db.t)"),
    ("sqlite", "ATTACH DATABASE '/tmp/x.db' AS pwned"),
    ("sqlite", f"CREATE TABLE {SB}.x AS SELECT load_extension('/tmp/evil.so')"),
    ("sqlite", f"CREATE TABLE {SB}.x AS SELECT readfile('/etc/passwd') AS t"),
    ("mysql", f"CREATE TABLE {SB}.x AS SELECT load_file('/etc/passwd') AS t"),
    ("mysql", f"CREATE TABLE {SB}.x AS SELECT * FROM t FOR UPDATE"),
    ("spark", f"CREATE TABLE {SB}.x AS SELECT * FROM parquet.`/tmp/x.parquet`"),
]


@pytest.mark.parametrize(("dialect", "sql"), HOSTILE_BODIES)
def test_write_bodies_are_read_whole(dialect: str, sql: str) -> None:
    with pytest.raises((SandboxViolation, GuardRefused)):
        guard.check_sandbox_write(sql, dialect, SB)


# The same families as plain reads: a candidate is read on the target too.
HOSTILE_READS = [
    ("duckdb", "SELECT * FROM '/etc/passwd'"),
    ("duckdb", "SELECT * FROM read_text('/etc/passwd')"),
    ("duckdb", "SELECT * FROM read_blob('/etc/passwd')"),
    ("duckdb", "SELECT * FROM read_ndjson_objects('/x.json')"),
    ("duckdb", "SELECT * FROM parquet_metadata('/x.parquet')"),
    ("duckdb", "SELECT name FROM duckdb_secrets()"),
    ("duckdb", "SELECT * FROM sqlite_scan('/x.db', 't')"),
    ("postgres", "SELECT * FROM pg_create_logical_replication_slot('s', 'test_decoding')"),
    ("postgres", "SELECT pg_stat_reset()"),
    ("postgres", "SELECT query_to_xml_and_xmlschema('SELECT pg_read_file(''/x'')', true, "
                 "true, '')"),
    ("postgres", "SELECT pg_catalog.pg_read_file('/etc/passwd')"),
    ("postgres", "SELECT some_user_function(1)"),  # unknown: refused unless the catalog vouches
    ("clickhouse", "SELECT * FROM file('/etc/passwd', 'LineAsString')"),
    ("clickhouse", "SELECT * FROM executable('x.sh', CSV, 'a String')"),
    ("sqlite", "SELECT readfile('/etc/passwd')"),
    ("mysql", "SELECT load_file('/etc/passwd')"),
]


@pytest.mark.parametrize(("dialect", "sql"), HOSTILE_READS)
@pytest.mark.parametrize("side", ["source", "target"])
def test_reads_never_leave_the_database(dialect: str, sql: str, side: str) -> None:
    with pytest.raises(GuardRefused):
        guard.check_read_only(sql, dialect, side=side)


@pytest.mark.parametrize("sql", [
    "SELECT date_trunc('month', o.placed_at) AS m, sum(o.total) FROM orders o GROUP BY 1",
    "SELECT string_agg(name, ',' ORDER BY name), percentile_cont(0.5) WITHIN GROUP "
    "(ORDER BY x) FROM t",
    "SELECT to_char(now(), 'YYYY'), regexp_replace(a, 'x', 'y'), md5(a), random() FROM t",
    "SELECT * FROM generate_series(1, 10) AS g(n)",
    "SELECT jsonb_extract_path_text(doc, 'a'), age(now(), ts) FROM t",
])
def test_postgres_builtins_are_allowed(sql: str) -> None:
    guard.check_read_only(sql, "postgres")


def test_the_catalog_vouches_for_user_functions() -> None:
    sql = "SELECT shop_tax(total) FROM orders"
    with pytest.raises(GuardRefused, match="shop_tax"):
        guard.check_read_only(sql, "postgres")
    guard.check_read_only(sql, "postgres", functions={"shop_tax"})
    # ... but never for a name the deny lists hold, whatever the catalog says
    with pytest.raises(GuardRefused):
        guard.check_read_only("SELECT pg_read_file('/x')", "postgres",
                              functions={"pg_read_file"})


@pytest.mark.parametrize("sql", [
    f"CREATE OR REPLACE TABLE {SB}.t AS SELECT a, b FROM main.orders WHERE a > 1",
    f"INSERT INTO {SB}.t SELECT * FROM __cutover_batch",
    f"CREATE OR REPLACE VIEW {SB}.v AS WITH x AS (SELECT 1 AS a) SELECT a FROM x",
    f"CREATE OR REPLACE TABLE {SB}.t (a BIGINT, b VARCHAR, PRIMARY KEY (a))",
    f"CREATE MACRO {SB}.add1(x) AS x + 1",
    "SET search_path = 'cutover_r,main'",
])
def test_ordinary_sandbox_writes_still_pass(sql: str) -> None:
    guard.check_sandbox_write(sql, "duckdb", SB)


@pytest.fixture
def creds(tmp_path):
    path = tmp_path / "creds.csv"
    path.write_text("key,value\naws_secret,CANARY-7f3a9c\n", encoding="utf-8")
    return path


@pytest.mark.parametrize("role", ["source", "target"])
def test_duckdb_never_reads_a_local_file(tmp_path, creds, role: str) -> None:
    url = f"duckdb:///{tmp_path / 'db.duckdb'}"
    if role == "source":
        open_adapter(url, "target").close()  # the file must exist to be a source
    adapter = open_adapter(url, role)
    try:
        for sql in (f"SELECT * FROM '{creds}'", f"SELECT * FROM read_csv('{creds}')"):
            with pytest.raises(GuardRefused):
                adapter.read_arrow(sql)
            # The engine's own wall, with the guard bypassed: external access is off.
            with pytest.raises(Exception, match="(?i)disabled|does not exist|permission"):
                adapter._con.execute(sql).fetchall()
    finally:
        adapter.close()


def test_duckdb_target_refuses_a_ctas_that_copies_a_file(tmp_path, creds) -> None:
    target = open_adapter(f"duckdb:///{tmp_path / 't.duckdb'}", "target")
    try:
        target.create_sandbox(SB)
        statement = target.create_object_sql("table_as_select", "x",
                                             f"SELECT * FROM '{creds}'")
        assert statement is not None
        with pytest.raises(CutoverError):
            target.execute(statement)
        with pytest.raises(CutoverError):
            target.explain(f"SELECT * FROM read_csv('{creds}')")
        tables = target.read_arrow("SELECT table_name FROM information_schema.tables "
                                   f"WHERE table_schema = '{SB}'")
        assert tables.num_rows == 0
    finally:
        target.close()
