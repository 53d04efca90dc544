"""The MariaDB and SQLite recipes for DuckDB's own reads: which results they take, what they
send, and that the scanner extensions load from their wheels without a network."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import duckdb
import pyarrow as pa
import pytest

from tools.db import mysql_arrow_scan, mysql_scan
from tools.db.duckdb_extensions import loadable_path
from tools.db.registry import open_adapter

PREFIX = "SET STATEMENT tx_read_only = 1, max_statement_time = 60, time_zone = '+00:00' FOR "


@pytest.mark.parametrize(("arrow_type", "scannable"), [
    (pa.int64(), True), (pa.int8(), True), (pa.float64(), True), (pa.float32(), True),
    (pa.decimal128(12, 2), True), (pa.date32(), True), (pa.timestamp("us"), True),
    (pa.string(), True), (pa.binary(), True),
    (pa.timestamp("us", tz="UTC"), False),  # MariaDB TIMESTAMP, an instant
    (pa.uint64(), False), (pa.time64("us"), False), (pa.null(), False),
])
def test_mysql_scanner_takes_only_types_it_maps_exactly(arrow_type: pa.DataType,
                                                        scannable: bool) -> None:
    schema = pa.schema([("id", pa.int64()), ("v", arrow_type)])
    assert mysql_scan.scannable(schema) == scannable


def test_mysql_recipe_reads_through_a_read_only_statement_and_keeps_the_password_secret() -> None:
    schema = pa.schema([("id", pa.int64()), ("name", pa.string())])
    args = {"host": "db", "port": 3306, "user": "u", "password": "s3cr'et", "database": "d"}
    r = mysql_scan.recipe(args, PREFIX, "SELECT id, name FROM t;", schema, "al")
    assert any("READ_ONLY" in s for s in r.setup)
    quoted = (PREFIX + "SELECT id, name FROM t").replace("'", "''")
    assert f"'{quoted}'" in r.relation  # the prefix rides on the query itself
    assert r.decode_text  # a query's text comes as BLOB: decoded once copied
    assert r.check is not None and "@@tx_read_only" in r.check
    assert "s3cr" not in r.relation + r.via + (r.check or "")
    assert any("PASSWORD 's3cr''et'" in s for s in r.setup)  # in the secret only
    assert r.schema == schema


@pytest.mark.parametrize(("arrow_type", "carried"), [
    (pa.int64(), True), (pa.string(), True), (pa.date32(), True), (pa.timestamp("us"), True),
    (pa.decimal128(12, 2), True), (pa.decimal128(38, 10), True), (pa.decimal128(28, 0), True),
    # connectorx reads every DECIMAL as decimal128(38, 10): more digits would be lost
    (pa.decimal128(30, 11), False), (pa.decimal128(29, 0), False),
    (pa.timestamp("us", tz="UTC"), False), (pa.uint64(), False),  # not the scanner's either
])
def test_connectorx_takes_only_what_it_carries_exactly(arrow_type: pa.DataType,
                                                       carried: bool) -> None:
    schema = pa.schema([("id", pa.int64()), ("v", arrow_type)])
    assert mysql_arrow_scan.carried(schema) == carried


@pytest.mark.parametrize("name", ["mysql", "sqlite"])
def test_scanner_extensions_load_from_their_wheels(name: str) -> None:
    path = loadable_path(name)
    assert path.name == f"{name}_scanner.duckdb_extension"
    con = duckdb.connect(config={"autoinstall_known_extensions": False,
                                 "autoload_known_extensions": False})
    con.execute(f"LOAD '{path}'")
    loaded = {r[0] for r in con.execute(
        "SELECT extension_name FROM duckdb_extensions() WHERE loaded").fetchall()}
    assert f"{name}_scanner" in loaded or name in loaded


def _sqlite_file(tmp_path: Path, rows: list[tuple[object, ...]], decl: str) -> str:
    path = tmp_path / "s.db"
    con = sqlite3.connect(path)
    con.execute(f"CREATE TABLE t (id INTEGER, v {decl})")
    con.executemany("INSERT INTO t VALUES (?, ?)", rows)
    con.commit()
    con.close()
    return f"sqlite:///{path}"


@pytest.mark.parametrize(("decl", "rows", "read"), [
    ("REAL", [(1, 1.5), (2, None)], "scanned by DuckDB"),
    ("TEXT", [(1, "a"), (2, "é")], "scanned by DuckDB"),
    ("DATE", [(1, "2020-01-01")], "Arrow batches"),  # the scanner says DATE, the Arrow path text
    ("INTEGER", [(1, 5), (2, "x")], "Arrow batches"),  # a value off its declared type
])
def test_sqlite_side_is_scanned_only_when_types_agree(tmp_path: Path, decl: str,
                                                      rows: list[tuple[object, ...]],
                                                      read: str) -> None:
    from tools.diff.run import DiffRequest, diff_urls

    url = _sqlite_file(tmp_path, rows, decl)
    report = diff_urls(DiffRequest(url, "t", url, "t", key=["id"])).report
    assert report.evidence["read"]["source"] == read
    assert report.verdict == "parity"
    assert report.rows_source == len(rows)


@pytest.mark.parametrize(("sql", "plain"), [
    ("SELECT * FROM t", True), ('SELECT "id", v AS w FROM "t"', True),
    ("SELECT id, 7 / 2 AS half FROM t", False), ("SELECT * FROM t WHERE v > 5", False),
    ("SELECT id, count(*) FROM t GROUP BY id", False), ("SELECT * FROM t LIMIT 3", False),
    ("SELECT * FROM t JOIN u ON t.id = u.id", False), ("SELECT * FROM (SELECT * FROM t)", False),
])
def test_only_a_plain_sqlite_read_is_left_to_duckdb(sql: str, plain: bool) -> None:
    from tools.db.sqlite_scan import plain_read

    assert plain_read(sql) == plain


def test_a_sqlite_query_runs_with_sqlite_semantics(tmp_path: Path) -> None:
    """7/2 is 3 in SQLite and 3.5 in DuckDB: a computing query is read by SQLite itself."""
    from tools.diff.run import DiffRequest, diff_urls

    url = _sqlite_file(tmp_path, [(1, "a")], "TEXT")
    report = diff_urls(DiffRequest(url, "SELECT id, 7 / 2 AS half FROM t", url,
                                   "SELECT id, 3 AS half FROM t", key=["id"])).report
    assert report.evidence["read"] == {"source": "Arrow batches", "target": "Arrow batches"}
    assert report.verdict == "parity"


def test_sqlite_target_role_is_never_scanned(tmp_path: Path) -> None:
    url = _sqlite_file(tmp_path, [(1, "a")], "TEXT")
    adapter = open_adapter(url, "target")
    try:
        assert adapter.duckdb_scan("SELECT * FROM t", "al") is None
    finally:
        adapter.close()
