"""Intervals compared by meaning across engines (tools/diff/normalise.py, the INTERVAL pair
kind): `cutover diff` between a DuckDB file and a SQLite file, Arrow durations (MariaDB TIME)
against intervals, and PostgreSQL's interval text read with months and days apart. The
server engines' read paths are tests/integration/test_interval_parity.py's."""

from __future__ import annotations

import datetime as dt
import json
import sqlite3
from pathlib import Path

import duckdb
import pyarrow as pa
import pytest
from typer.testing import CliRunner

from cutover.cli import app
from tools.db.postgres_interval import parse
from tools.diff.compare import compare

MDN = pa.month_day_nano_interval()


def _diff(tmp_path: Path, target_sql: str) -> tuple[int, dict]:
    duck, lite = tmp_path / "s.duckdb", tmp_path / "t.db"
    duckdb.connect(str(duck)).close()
    sqlite3.connect(lite).close()
    out = tmp_path / "d.json"
    source_sql = ("SELECT 1 AS id, INTERVAL '40 days' AS span, INTERVAL '1 month' AS term, "
                  "INTERVAL '-1 day' + INTERVAL '2 hours' AS signs, NULL::INTERVAL AS none")
    result = CliRunner().invoke(app, ["diff", f"duckdb:///{duck}", source_sql,
                                      f"sqlite:///{lite}", target_sql, "--key", "id",
                                      "--json", str(out)])
    assert result.exit_code in (0, 1), result.output
    return result.exit_code, json.loads(out.read_text())


def test_duckdb_intervals_and_their_text_on_sqlite_are_parity(tmp_path: Path) -> None:
    code, report = _diff(tmp_path, "SELECT 1 AS id, '40 days' AS span, '1 mon' AS term, "
                                   "'-1 days +02:00:00' AS signs, NULL AS none")
    assert (code, report["verdict"]) == (0, "parity"), report


def test_a_month_as_thirty_days_or_unparsable_text_is_a_mismatch(tmp_path: Path) -> None:
    code, report = _diff(tmp_path, "SELECT 1 AS id, '960:00:00' AS span, '30 days' AS term, "
                                   "'soon' AS signs, NULL AS none")
    assert (code, report["verdict"]) == (1, "mismatch")
    assert {c["name"]: c["mismatched"] for c in report["columns"]} == {
        "id": 0, "span": 1, "term": 1, "signs": 1, "none": 0}


def _intervals(*values: tuple[int, int, int] | None) -> pa.Array:
    return pa.array([None if v is None else pa.MonthDayNano(list(v)) for v in values], MDN)


def test_a_duration_side_compares_days_as_24_hours_and_months_apart() -> None:
    # MariaDB TIME arrives as a duration: it holds no days, so 30 days is its 720:00:00
    durations = pa.array([dt.timedelta(hours=720), dt.timedelta(hours=-1.5), None],
                         pa.duration("us"))
    source = pa.table({"k": [1, 2, 3], "i": _intervals((0, 30, 0), (0, 0, -5_400 * 10**9),
                                                       None)})
    assert compare(source, pa.table({"k": [1, 2, 3], "i": durations}),
                   key=["k"]).verdict == "parity"
    month = pa.table({"k": [1, 2, 3], "i": _intervals((1, 0, 0), (0, 0, -5_400 * 10**9),
                                                      None)})
    report = compare(month, pa.table({"k": [1, 2, 3], "i": durations}), key=["k"])
    assert report.verdict == "mismatch" and report.rows_matched == 2


@pytest.mark.parametrize(("text", "parts"), [
    ("1 year 2 mons 3 days 04:05:06.789", (14, 3, 14_706_789_000)),
    ("-1 days +02:00:00", (0, -1, 7_200_000_000)),
    ("960:00:00", (0, 0, 3_456_000_000_000)),
    ("-00:00:01.5", (0, 0, -1_500_000)),
    ("1 day -00:30:00", (0, 1, -1_800_000_000)),
    ("-1 years -2 mons +3 days -04:05:06", (-14, 3, -14_706_000_000)),
])
def test_postgres_interval_text_keeps_its_three_fields(text: str,
                                                       parts: tuple[int, int, int]) -> None:
    got = parse(text)
    assert isinstance(got, pa.MonthDayNano)
    assert (got.months, got.days, got.nanoseconds // 1000) == parts


def test_postgres_interval_text_of_another_style_is_left_as_text() -> None:
    assert parse("@ 1 mon") == "@ 1 mon"
