"""Month and weekday names through `cutover translate` (the date_names family): DuckDB's and
MySQL's MONTHNAME/DAYNAME written for SQLite, whose strftime has no names, give DuckDB's
own answers on a real SQLite database; the per-value proofs on every engine are the grid's
(tests/fixtures/semantics/date_names.yaml)."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import duckdb
import pytest
from typer.testing import CliRunner

from cutover.cli import app

DAYS = ["2024-01-01", "2024-02-29", "2024-09-18", "2023-12-31", None]
QUERY = "SELECT d, monthname(d) AS m, dayname(d) AS w FROM days ORDER BY d NULLS LAST"


def _translated(tmp_path: Path, source: str) -> str:
    path = tmp_path / "names.sql"
    path.write_text(QUERY + ";\n", encoding="utf-8")
    result = CliRunner().invoke(app, ["translate", str(path), "--from", source, "--to",
                                      "sqlite"])
    assert result.exit_code == 0, result.output
    return result.stdout


@pytest.mark.parametrize("source", ["duckdb", "mysql"])
def test_names_on_sqlite_are_the_sources(tmp_path: Path, source: str) -> None:
    con = duckdb.connect()
    con.execute("CREATE TABLE days (d DATE)")
    con.executemany("INSERT INTO days VALUES (?)", [[d] for d in DAYS])
    expected = [(str(d) if d else None, m, w) for d, m, w in con.execute(QUERY).fetchall()]
    assert expected[0] == ("2023-12-31", "December", "Sunday")
    lite = sqlite3.connect(":memory:")
    lite.execute("CREATE TABLE days (d TEXT)")
    lite.executemany("INSERT INTO days VALUES (?)", [[d] for d in DAYS])
    sql = _translated(tmp_path, source)
    assert "STRFTIME('%B'" not in sql.upper()  # sqlglot's spelling: NULL on SQLite
    got = lite.execute(sql.strip().rstrip(";")).fetchall()
    # SQLite sorts NULL first unless told; the rows themselves must agree
    assert sorted(got, key=str) == sorted(expected, key=str)
