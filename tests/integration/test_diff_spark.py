"""`cutover diff --engine spark`: datacompy's Spark backend behind the same command and report.

Both sides are real embedded engines (DuckDB and SQLite files); the comparison runs in a
local Spark session. An equal pair (floats equal within the default tolerance, dates and
instants as values) finds nothing; planted rows are found exactly, with samples; a keyless
comparison is refused with advice. CI installs the extra, so nothing skips there.
"""

from __future__ import annotations

import datetime as dt
import json
import sqlite3
from pathlib import Path
from typing import Any

import duckdb
import pytest
from typer.testing import CliRunner

from cutover.cli import app

pytest.importorskip("pyspark", reason="Spark needs the extra: pip install 'cutover[spark]'")

ROWS = [(i, i * 1.5, f"n{i}", dt.date(2024, 1, 1) + dt.timedelta(days=i),
         dt.datetime(2024, 1, 1, 12) + dt.timedelta(seconds=i)) for i in range(1, 101)]


@pytest.fixture(scope="module")
def urls(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    base = tmp_path_factory.mktemp("spark-diff")
    duck = duckdb.connect(str(base / "s.duckdb"))
    duck.execute("CREATE TABLE t (id BIGINT PRIMARY KEY, x DOUBLE, s VARCHAR, d DATE, "
                 "ts TIMESTAMP)")
    duck.executemany("INSERT INTO t VALUES (?, ?, ?, ?, ?)", ROWS)
    duck.close()
    lite = sqlite3.connect(base / "t.sqlite")
    for table in ("same", "planted"):
        lite.execute(f"CREATE TABLE {table} (id INTEGER PRIMARY KEY, x REAL, s TEXT, d DATE, "
                     f"ts DATETIME)")
    rows = [(i, x + (1e-12 if i == 7 else 0.0), s, d.isoformat(), ts.isoformat(sep=" "))
            for i, x, s, d, ts in ROWS]
    lite.executemany("INSERT INTO same VALUES (?, ?, ?, ?, ?)", rows)
    planted = [r for r in rows if r[0] != 2]  # id 2 only in source
    planted = [(i, x + 1 if i == 5 else x, s, d, ts) for i, x, s, d, ts in planted]
    planted.append((1000, 1.0, "new", "2024-01-01", "2024-01-01 00:00:00"))  # only in target
    lite.executemany("INSERT INTO planted VALUES (?, ?, ?, ?, ?)", planted)
    lite.commit()
    lite.close()
    return {"source": f"duckdb:///{base / 's.duckdb'}", "target": f"sqlite:///{base / 't.sqlite'}"}


def spark_diff(urls: dict[str, str], target: str, out: Path, *options: str, source: str = "t"
               ) -> tuple[int, dict[str, Any], str]:
    result = CliRunner().invoke(app, ["diff", urls["source"], source, urls["target"], target,
                                      "--engine", "spark", "--json", str(out), *options])
    assert result.exception is None or isinstance(result.exception, SystemExit), result.output
    report = json.loads(out.read_text()) if result.exit_code in (0, 1) else {}
    return result.exit_code, report, result.output


def test_equal_results_find_nothing(urls: dict[str, str], tmp_path: Path) -> None:
    code, report, output = spark_diff(urls, "same", tmp_path / "same.json", "--key", "id")
    assert code == 0, output
    assert report["engine"] == "spark+datacompy"
    assert report["rows_source"] == report["rows_target"] == report["rows_matched"] == 100


def test_planted_rows_are_found_with_samples(urls: dict[str, str], tmp_path: Path) -> None:
    code, report, output = spark_diff(urls, "planted", tmp_path / "planted.json", "--key", "id")
    assert code == 1, output
    assert (report["changed_count"], report["only_in_source_count"],
            report["only_in_target_count"]) == (1, 1, 1)
    assert [c["name"] for c in report["columns"] if c["mismatched"]] == ["x"]
    assert report["changed"] == [{"key": {"id": 5}, "column": "x", "source": 7.5,
                                  "target": 8.5}]
    assert report["only_in_source"][0]["id"] == 2 and report["only_in_target"][0]["id"] == 1000


def test_tolerance_is_datacompys(urls: dict[str, str], tmp_path: Path) -> None:
    code, report, output = spark_diff(urls, "planted", tmp_path / "tol.json", "--key", "id",
                                      "--tolerance", "x=abs:1.0")
    assert code == 1, output  # the one-sided rows remain
    assert report["changed_count"] == 0


def test_a_keyless_comparison_is_refused_with_advice(urls: dict[str, str],
                                                    tmp_path: Path) -> None:
    code, _, output = spark_diff(urls, "SELECT * FROM same", tmp_path / "k.json",
                                 source="SELECT * FROM t")  # queries: no catalog key
    assert code == 2
    assert "--key" in output
