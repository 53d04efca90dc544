"""The push-down and key-range checksum paths on real servers, through `cutover diff`, judged
against the stream algorithm on the same tables: every planted difference found, identical
tables reported identical, NULLs, float noise within tolerance, collations that ignore case or
trailing spaces, quotes and backslashes in text keys, duplicate and NULL keys."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import duckdb
import pytest
from sqlalchemy.engine import make_url
from typer.testing import CliRunner

from cutover.cli import app
from tests.integration.conftest import drop_database, mysql_connect, new_database, pg_connect

pytestmark = pytest.mark.integration

ROWS = 400
# id, name, x, amt, note: source rows, and target rows with planted differences
SOURCE = [(i, f"name {i}", i / 7.0, f"{i}.50", None if i % 5 == 0 else f"n{i}")
          for i in range(ROWS)]


def _target(rows: list[tuple]) -> list[tuple]:
    out = []
    for i, name, x, amt, note in rows:
        if i == 3:
            continue                       # only in source
        if i == 10:
            name = "NAME 10"               # case only: a case-insensitive collation says equal
        if i == 11:
            name = "name 11  "             # trailing spaces: PAD SPACE collations say equal
        if i == 12:
            x = x + 1e-13                  # float noise within the default tolerance
        if i == 13:
            x = x + 1.0                    # a real change
        if i == 14:
            note = None                    # text vs NULL
        if i == 15:
            note = ""                      # NULL (i % 5 == 0 rows hold NULL) vs empty text
        out.append((i, name, x, amt, note))
    return out + [(ROWS + 1, "new", 1.0, "1.00", "x")]  # only in target


PLANTED = {"changed": 5, "only_source": 1, "only_target": 1}  # 10, 11, 13, 14, 15


def run_diff(s_url: str, s_table: str, t_url: str, t_table: str, tmp: Path,
             *options: str) -> tuple[int, dict[str, Any]]:
    out = tmp / f"r{len(list(tmp.iterdir()))}.json"
    result = CliRunner().invoke(app, ["diff", s_url, s_table, t_url, t_table, "--json",
                                      str(out), *options])
    assert result.exit_code in (0, 1), result.output
    return result.exit_code, json.loads(out.read_text())


def counts(report: dict[str, Any]) -> dict[str, int]:
    return {"changed": report["changed_count"], "only_source": report["only_in_source_count"],
            "only_target": report["only_in_target_count"]}


def figures(report: dict[str, Any]) -> tuple:
    return (report["verdict"], report["rows_source"], report["rows_target"],
            report["rows_matched"], counts(report),
            sorted((c["name"], c["compared"], c["mismatched"]) for c in report["columns"]))


@pytest.fixture
def pg_schemas(pg_db: str) -> str:
    """One database, schemas a (source), b (planted) and c (identical copy)."""
    with pg_connect(pg_db) as con:
        for schema, rows in (("a", SOURCE), ("b", _target(SOURCE)), ("c", SOURCE)):
            con.execute(f"CREATE SCHEMA {schema}")
            amt = "numeric(12,4)" if schema == "b" else "numeric(10,2)"
            con.execute(f"CREATE TABLE {schema}.t (id integer PRIMARY KEY, name text, "
                        f"x double precision, amt {amt}, note text)")
            with con.cursor() as cur:
                cur.executemany(f"INSERT INTO {schema}.t VALUES (%s, %s, %s, %s, %s)", rows)
    return pg_db


def test_postgres_schemas_pushed_down(pg_schemas: str, tmp_path: Path) -> None:
    code, pushed = run_diff(pg_schemas, "a.t", pg_schemas, "b.t", tmp_path, "--algorithm",
                            "pushdown")
    assert code == 1 and pushed["evidence"]["algorithm"] == "pushdown"
    _, streamed = run_diff(pg_schemas, "a.t", pg_schemas, "b.t", tmp_path, "--algorithm",
                           "stream")
    assert counts(pushed) == counts(streamed) == PLANTED
    assert figures(pushed) == figures(streamed)
    # Only the keys the engine found differing left it (6 of 401 rows, not the tables).
    assert pushed["evidence"]["fetched_rows"]["source"] <= 8
    code, same = run_diff(pg_schemas, "a.t", pg_schemas, "c.t", tmp_path, "--algorithm",
                          "pushdown")
    assert code == 0 and same["evidence"]["algorithm"] == "pushdown"
    assert same["evidence"]["fetched_rows"] == {"source": 0, "target": 0}


def test_postgres_other_database_streams(pg_schemas: str, pg_url: str, tmp_path: Path) -> None:
    result = CliRunner().invoke(app, ["diff", pg_schemas, "a.t", pg_url, "a.t", "--algorithm",
                                      "pushdown"])
    assert result.exit_code == 2 or "two PostgreSQL databases" in result.output, result.output


@pytest.fixture
def mysql_pair(mysql_url: str) -> Iterator[tuple[str, str, str]]:
    """Two databases on one server: source, planted and identical tables, case-insensitive
    PAD SPACE collation on text (MariaDB's default)."""
    urls = [new_database(mysql_url) for _ in range(2)]
    try:
        con = mysql_connect(mysql_url)
        try:
            cur = con.cursor()
            for url, tables in ((urls[0], {"t": SOURCE, "k": None}),
                                (urls[1], {"t": _target(SOURCE), "same": SOURCE, "k": None})):
                db = make_url(url).database
                for name, rows in tables.items():
                    if name == "k":
                        cur.execute(f"CREATE TABLE `{db}`.k (code varchar(20) PRIMARY KEY, "
                                    f"v int) COLLATE utf8mb4_general_ci")
                        keyed = [("o'k", 1), ("a\\b", 2), ("plain", 3)]
                        if url == urls[1]:
                            keyed = [("o'k", 1), ("a\\b", 20), ("plain", 3), ("z", 4)]
                        cur.executemany(f"INSERT INTO `{db}`.k VALUES (%s, %s)", keyed)
                        continue
                    amt = "decimal(12,4)" if name == "t" and url == urls[1] else "decimal(10,2)"
                    cur.execute(f"CREATE TABLE `{db}`.`{name}` (id int PRIMARY KEY, "
                                f"name varchar(40), x double, amt {amt}, note varchar(40)) "
                                f"COLLATE utf8mb4_general_ci")
                    cur.executemany(f"INSERT INTO `{db}`.`{name}` VALUES (%s, %s, %s, %s, %s)",
                                    rows)
        finally:
            con.close()
        yield urls[0], urls[1], mysql_url
    finally:
        for url in urls:
            drop_database(mysql_url, url)


def test_mariadb_databases_pushed_down(mysql_pair: tuple[str, str, str], tmp_path: Path) -> None:
    a, b, _ = mysql_pair
    code, pushed = run_diff(a, "t", b, "t", tmp_path, "--algorithm", "pushdown")
    assert code == 1 and pushed["evidence"]["algorithm"] == "pushdown"
    _, streamed = run_diff(a, "t", b, "t", tmp_path, "--algorithm", "stream")
    assert counts(pushed) == counts(streamed)
    # Case and trailing spaces are differences, whatever the collation says.
    assert counts(pushed) == PLANTED
    assert figures(pushed) == figures(streamed)
    code, same = run_diff(a, "t", b, "same", tmp_path, "--algorithm", "pushdown")
    assert code == 0 and same["evidence"]["fetched_rows"] == {"source": 0, "target": 0}
    # Text keys with a quote and a backslash are listed back to the engine safely.
    _, keyed = run_diff(a, "k", b, "k", tmp_path, "--algorithm", "pushdown")
    _, keyed_stream = run_diff(a, "k", b, "k", tmp_path, "--algorithm", "stream")
    assert keyed["evidence"]["algorithm"] == "pushdown"
    assert counts(keyed) == counts(keyed_stream) == {"changed": 1, "only_source": 0,
                                                     "only_target": 1}


def test_mariadb_keyless_pushdown_explains_and_streams(mysql_pair: tuple[str, str, str],
                                                      tmp_path: Path) -> None:
    a, b, _ = mysql_pair
    code, report = run_diff(a, "SELECT name, x FROM t", b, "SELECT name, x FROM t", tmp_path,
                            "--algorithm", "pushdown", "--key", "name")
    assert code == 1 and report["evidence"].get("algorithm") != "pushdown"


# ---------------------------------------------------------------- checksum by key range


def _duck(path: Path, rows: list[tuple], amt: str = "DECIMAL(10,2)") -> str:
    con = duckdb.connect(str(path))
    con.execute(f"CREATE TABLE t (id INTEGER, name VARCHAR, x DOUBLE, amt {amt}, note VARCHAR)")
    con.executemany("INSERT INTO t VALUES (?, ?, ?, ?, ?)", rows)
    con.close()
    return f"duckdb:///{path}"


DUPLICATES = [(7, "dup", 1.0, "1.00", "a"), (None, "nullkey", 2.0, "2.00", None),
              (None, "nullkey2", 3.0, "3.00", None)]


@pytest.mark.parametrize("engine", ["postgres", "mysql"])
def test_key_range_checksum_agrees_with_stream(engine: str, pg_db: str, mysql_db: str,
                                               tmp_path: Path) -> None:
    """Key ranges on a server against DuckDB: planted differences, identical, NULL keys and a
    duplicated key (no primary key), floats within tolerance; equal to the stream's figures."""
    url = pg_db if engine == "postgres" else mysql_db
    source = SOURCE + DUPLICATES
    planted = _target(SOURCE) + DUPLICATES[:1] + DUPLICATES  # id 7 three times, not once
    if engine == "postgres":
        with pg_connect(url) as con:
            con.execute("CREATE TABLE t (id integer, name text, x double precision, "
                        "amt numeric(10,2), note text)")
            with con.cursor() as cur:
                cur.executemany("INSERT INTO t VALUES (%s, %s, %s, %s, %s)", source)
    else:
        con = mysql_connect(url)
        try:
            db = make_url(url).database
            con.cursor().execute(f"CREATE TABLE `{db}`.t (id int, name varchar(40) COLLATE "
                                 f"utf8mb4_bin, x double, amt decimal(10,2), note varchar(40) "
                                 f"COLLATE utf8mb4_bin)")
            con.cursor().executemany(f"INSERT INTO `{db}`.t VALUES (%s, %s, %s, %s, %s)", source)
        finally:
            con.close()
    equal = _duck(tmp_path / "e.duckdb", source)
    changed = _duck(tmp_path / "p.duckdb", planted, "DECIMAL(12,4)")
    for target, expect in ((equal, {"changed": 0, "only_source": 0, "only_target": 0}),
                           # id 7: two source rows against three target rows, paired by rank:
                           # one equal pair, one changed pair, one row only in the target.
                           (changed, {"changed": 6, "only_source": 1, "only_target": 2})):
        _, summed = run_diff(url, "t", target, "t", tmp_path, "--key", "id", "--algorithm",
                             "checksum")
        _, streamed = run_diff(url, "t", target, "t", tmp_path, "--key", "id", "--algorithm",
                               "stream")
        assert counts(summed) == counts(streamed) == expect, (summed["evidence"])
        assert figures(summed) == figures(streamed)
        levels = summed["evidence"]["levels"]
        assert levels and levels[0]["width"] >= 1  # key ranges, not md5 buckets
        if expect["changed"] == 0:
            # Only the NULL-key rows are fetched when the tables are equal.
            assert summed["evidence"]["fetched_rows"]["source"] <= 2 + 16
