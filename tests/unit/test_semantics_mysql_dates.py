"""mysql_date_text through the translator (tools.sql.transpile): which casts it takes (text
only, never a DATE column or a plain ISO literal). That each shape reads as MariaDB reads it is
the grid's proof against the real MariaDB (tests/fixtures/semantics/mysql_date_text*.yaml,
tests/integration/test_semantics_grid_servers.py); here DuckDB and SQLite (its reading is a
scan without regular expressions: tools/semantics/mysql_date_sqlite.py) run the translation
on a few of the values measured on MariaDB 10.11."""

from __future__ import annotations

import datetime
import sqlite3
from typing import Any

import duckdb
import pytest
import sqlglot

from tools.sql import transpile

SCHEMA = {"events": {"id": "int", "raw": "text", "day": "date"}}


def _plain(sql: str, target: str) -> str:
    return sqlglot.transpile(sql, read="mysql", write=target)[0]


def _iso(value: Any) -> Any:
    if isinstance(value, datetime.datetime):
        return value.isoformat(sep=" ")
    return value.isoformat() if isinstance(value, datetime.date) else value


def _run(target: str, sql: str, raws: list[str]) -> list[tuple[Any, ...]]:
    """`sql` translated to `target` over an events table whose raw column holds `raws`,
    dates as ISO text (SQLite's own date form)."""
    translated = transpile(sql, "mysql", target, "q", SCHEMA)
    rows_in = [(i, raw) for i, raw in enumerate(raws)]
    if target == "sqlite":
        con = sqlite3.connect(":memory:")
        con.execute("CREATE TABLE events (id INTEGER, raw TEXT, day TEXT)")
        con.executemany("INSERT INTO events VALUES (?, ?, NULL)", rows_in)
        rows = con.execute(translated).fetchall()
        con.close()
    else:
        with duckdb.connect() as dcon:
            dcon.execute("CREATE TABLE events (id INT, raw VARCHAR, day DATE)")
            dcon.executemany("INSERT INTO events VALUES (?, ?, NULL)", rows_in)
            rows = dcon.execute(translated).fetchall()
    return [tuple(_iso(v) for v in row) for row in rows]


@pytest.mark.parametrize("sql", [
    "SELECT CAST(day AS DATE) AS d FROM events",
    "SELECT DATE(day) AS d FROM events",
    "SELECT CAST('2024-03-05' AS DATE) AS d FROM events",
    "SELECT CAST('2024-03-05 10:20:30' AS DATETIME) AS d FROM events",
    "SELECT CAST(raw AS DATETIME(6)) AS d FROM events",
    # month names and 12-hour clocks are not stated: sqlglot's own translation
    "SELECT STR_TO_DATE(raw, '%b %d %Y') AS d FROM events",
    "SELECT STR_TO_DATE(raw, '%Y-%m-%d %h:%i %p') AS d FROM events",
    # date functions of a DATE column or a plain literal; DATE_FORMAT's %f (the fraction
    # the reading drops) and DATE_ADD (a string in MariaDB) stay as sqlglot writes them
    "SELECT QUARTER(day) AS q, LAST_DAY(day) AS l FROM events",
    "SELECT DATEDIFF(day, '2024-01-01') AS n FROM events",
    "SELECT DATE_FORMAT(raw, '%Y-%m-%d %f') AS f FROM events",
    "SELECT DATE_ADD(raw, INTERVAL 1 DAY) AS a FROM events",
])
def test_dates_iso_literals_and_fractional_datetimes_stay_as_sqlglot_writes_them(sql: str) -> None:
    assert transpile(sql, "mysql", "duckdb", "q", SCHEMA) == _plain(sql, "duckdb")


@pytest.mark.parametrize("target", ["duckdb", "postgres", "clickhouse"])
def test_a_text_column_read_as_a_date_is_rewritten(target: str) -> None:
    sql = "SELECT CAST(raw AS DATE) AS d, DATE(raw) AS e FROM events"
    out = transpile(sql, "mysql", target, "q", SCHEMA)
    assert out != _plain(sql, target)
    assert out.count("[[:punct:]]") >= 4  # both calls carry the delimited shape


@pytest.mark.parametrize("target", ["duckdb", "sqlite"])
def test_str_to_date_reads_its_format_as_mariadb_did(target: str) -> None:
    # text -> STR_TO_DATE(text, '%d/%m/%Y') on MariaDB 10.11
    measured = {"05/03/2024": "2024-03-05", "5 / 3 / 24": "2024-03-05",
                "05/13/2024": None, "05-03-2024": None, "05/03/2024 10:20": "2024-03-05",
                "05/03/2024x": "2024-03-05", "05/03/20241": "2024-03-05",
                "\v05/03/2024": "2024-03-05", "abc": None}
    rows = _run(target, "SELECT id, STR_TO_DATE(raw, '%d/%m/%Y') AS d FROM events ORDER BY id",
                list(measured))
    assert {text: d for text, (_, d) in zip(measured, rows, strict=True)} == measured


def test_sqlite_states_the_reading_without_regular_expressions() -> None:
    out = transpile("SELECT CAST(raw AS DATE), STR_TO_DATE(raw, '%d/%m/%Y') FROM events",
                    "mysql", "sqlite", "q", SCHEMA)
    assert "REGEXP" not in out.upper() and out.count("GLOB") >= 2


#: text -> (CAST AS DATE, CAST AS DATETIME) as MariaDB 10.11 returned them
MEASURED = {
    "24-3-5": ("2024-03-05", "2024-03-05 00:00:00"),
    "2024-03-05T10:20": ("2024-03-05", "2024-03-05 10:20:00"),
    "20240305101112": ("2024-03-05", "2024-03-05 10:11:12"),
    "2024-03-05x": ("2024-03-05", "2024-03-05 00:00:00"),
    "69-12-31": ("2069-12-31", "2069-12-31 00:00:00"),
    "2023-02-29": (None, None),
    "2024-03-05 25:00:00": (None, None),
    "2024--03--05": (None, None),
    "abc": (None, None),
    # characters SQLite's GLOB and LTRIM treat specially, other blanks, a '+', non-ASCII
    "2024[03]05": ("2024-03-05", "2024-03-05 00:00:00"),
    "2024*03*05": ("2024-03-05", "2024-03-05 00:00:00"),
    "2024\\03\\05": ("2024-03-05", "2024-03-05 00:00:00"),
    "2024^03^05 10?20?30": ("2024-03-05", "2024-03-05 10:20:30"),
    "\v2024-03-05": ("2024-03-05", "2024-03-05 00:00:00"),
    "+ 24-3-5": ("2024-03-05", "2024-03-05 00:00:00"),
    "2024-03-05\u00e9": ("2024-03-05", "2024-03-05 00:00:00"),
    "2024\u00e903\u00e905": (None, None),
    "20240305.": (None, None),
    "24-3-5-6": ("2024-03-05", "2024-03-05 06:00:00"),
    "2024-03-05 102030": (None, None),
    "2024-03-05T10:20:30T": ("2024-03-05", "2024-03-05 10:20:30"),
    "1-2-3": ("0001-02-03", "0001-02-03 00:00:00"),
}


@pytest.mark.parametrize("target", ["duckdb", "sqlite"])
def test_the_shapes_read_as_mariadb_did(target: str) -> None:
    rows = _run(target, "SELECT id, CAST(raw AS DATE) AS d, CAST(raw AS DATETIME) AS t "
                "FROM events ORDER BY id", list(MEASURED))
    got = {text: (d, t) for text, (_, d, t) in zip(MEASURED, rows, strict=True)}
    assert got == MEASURED


def test_a_shape_left_out_fails_loudly_on_sqlite_whose_date_never_fails() -> None:
    # the shape DuckDB's own cast refuses below: SQLite is made to fail too, naming why
    with pytest.raises(sqlite3.OperationalError, match="not stated for SQLite"):
        _run("sqlite", "SELECT CAST(raw AS DATE) FROM events", ["2024-03-05", "20240305T101112"])


def test_a_shape_left_out_reaches_the_targets_own_cast_and_fails_loudly() -> None:
    # '20240305T101112' is a datetime to MariaDB (a 'T' inside the digits): not stated, so
    # DuckDB's own cast refuses it quoting the value, never a silent wrong date or NULL
    sql = transpile("SELECT CAST(raw AS DATE) FROM events", "mysql", "duckdb", "q", SCHEMA)
    with duckdb.connect() as con:
        con.execute("CREATE TABLE events (id INT, raw VARCHAR, day DATE)")
        con.execute("INSERT INTO events VALUES (1, '20240305T101112', NULL)")
        with pytest.raises(duckdb.ConversionException, match="20240305T101112"):
            con.execute(sql).fetchall()


@pytest.mark.parametrize("target", ["duckdb", "sqlite"])
def test_date_functions_called_on_text_read_it_as_mariadb_did(target: str) -> None:
    # values and answers measured on MariaDB 10.11 (WEEKDAY, DATEDIFF from 2024-01-01,
    # LAST_DAY, DATE_FORMAT with the time); the grid proves the rest on the real servers
    measured = {"24-3-5": (1, 64, "2024-03-31", "2024-03-05 00:00"),
                "2024/3/5 10:20:30": (1, 64, "2024-03-31", "2024-03-05 10:20"),
                "20240305": (1, 64, "2024-03-31", "2024-03-05 00:00"),
                "2024-02-30": (None, None, None, None), "abc": (None, None, None, None)}
    rows = _run(target, "SELECT WEEKDAY(raw), DATEDIFF(raw, '2024-01-01'), LAST_DAY(raw), "
                "DATE_FORMAT(raw, '%Y-%m-%d %H:%i') FROM events ORDER BY id", list(measured))
    assert dict(zip(measured, rows, strict=True)) == measured
