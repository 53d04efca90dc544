"""Interval results compared across engines by `cutover diff` and by a run: every engine's
intervals (PostgreSQL interval, DuckDB INTERVAL, MariaDB TIME, ClickHouse IntervalX, SQLite
text) reach the differ as (months, days, microseconds), so equal intervals are parity and a
month is never 30 days (tools/diff/normalise.py, the INTERVAL pair kind)."""

from __future__ import annotations

import json
import textwrap
from pathlib import Path

import duckdb
import pytest
from sqlalchemy.engine import make_url
from typer.testing import CliRunner

from cutover.cli import app
from tests.integration.conftest import drop_database, new_database, pg_connect
from tests.servers import READER_PASSWORD, READER_USER
from tools.records import Report

pytestmark = pytest.mark.integration

PG_INTERVALS = ("SELECT 1 AS id, interval '40 days' AS span, interval '1 year 2 mons 3 days "
                "04:05:06.789' AS mixed, interval '-1 days +02:00:00' AS signs")


def _diff(tmp_path: Path, source_url: str, source: str, target_url: str, target: str
          ) -> tuple[int, dict]:
    out = tmp_path / f"d{len(list(tmp_path.glob('d*.json')))}.json"
    result = CliRunner().invoke(app, ["diff", source_url, source, target_url, target,
                                      "--key", "id", "--json", str(out)])
    assert result.exit_code in (0, 1), result.output
    return result.exit_code, json.loads(out.read_text())


@pytest.fixture
def duck(tmp_path: Path) -> str:
    duckdb.connect(str(tmp_path / "t.duckdb")).close()
    return f"duckdb:///{tmp_path / 't.duckdb'}"


def test_postgres_intervals_equal_on_duckdb_are_parity(pg_url: str, duck: str,
                                                       tmp_path: Path) -> None:
    same = ("SELECT 1 AS id, INTERVAL '40 days' AS span, INTERVAL '1 year 2 months 3 days "
            "04:05:06.789' AS mixed, INTERVAL '-1 day' + INTERVAL '2 hours' AS signs")
    code, report = _diff(tmp_path, pg_url, PG_INTERVALS, duck, same)
    assert (code, report["verdict"]) == (0, "parity"), report


def test_a_month_is_not_thirty_days_nor_a_day_twenty_four_hours(pg_url: str, duck: str,
                                                                 tmp_path: Path) -> None:
    # PostgreSQL's own = says both pairs are equal; their renderings and date arithmetic do not
    other = ("SELECT 1 AS id, INTERVAL '960 hours' AS span, INTERVAL '1 year 2 months 3 days "
             "04:05:06.789' AS mixed, INTERVAL '-22 hours' AS signs")
    code, report = _diff(tmp_path, pg_url, PG_INTERVALS, duck, other)
    assert (code, report["verdict"]) == (1, "mismatch")
    columns = {c["name"]: c["mismatched"] for c in report["columns"]}
    assert columns == {"id": 0, "span": 1, "mixed": 0, "signs": 1}
    code, report = _diff(tmp_path, pg_url, "SELECT 1 AS id, interval '1 mon' AS m",
                         duck, "SELECT 1 AS id, INTERVAL '30 days' AS m")
    assert (code, report["verdict"]) == (1, "mismatch")


def test_mariadb_time_and_sqlite_text_and_clickhouse_intervals(pg_url: str, mysql_url: str,
                                                               tmp_path: Path) -> None:
    # MariaDB TIME holds no days: 30 days is 720 hours there, and a month still is no 30 days
    code, report = _diff(tmp_path, pg_url,
                         "SELECT 1 AS id, interval '30 days' AS span, interval '-01:30' AS neg",
                         mysql_url, "SELECT 1 AS id, TIMEDIFF('2024-01-31 00:00:00', "
                         "'2024-01-01 00:00:00') AS span, TIME '-01:30:00' AS neg")
    assert (code, report["verdict"]) == (0, "parity"), report
    code, report = _diff(tmp_path, pg_url, "SELECT 1 AS id, interval '1 mon' AS m",
                         mysql_url, "SELECT 1 AS id, TIME '720:00:00' AS m")
    assert code == 1
    sqlite_db = tmp_path / "s.db"
    sqlite_db.touch()
    code, report = _diff(tmp_path, pg_url, PG_INTERVALS, f"sqlite:///{sqlite_db}",
                         "SELECT 1 AS id, '40 days' AS span, '1 year 2 mons 3 days "
                         "04:05:06.789' AS mixed, '-1 days +02:00:00' AS signs")
    assert (code, report["verdict"]) == (0, "parity"), report
    code, report = _diff(tmp_path, pg_url,
                         "SELECT 1 AS id, interval '40 days' AS d, interval '3 mons' AS m, "
                         "interval '90 seconds' AS s", "chdb://",
                         "SELECT 1 AS id, INTERVAL 40 DAY AS d, INTERVAL 3 MONTH AS m, "
                         "toIntervalSecond(90) AS s")
    assert (code, report["verdict"]) == (0, "parity"), report
    code, report = _diff(tmp_path, pg_url, "SELECT 1 AS id, interval '3 mons' AS m",
                         "chdb://", "SELECT 1 AS id, INTERVAL 90 DAY AS m")
    assert code == 1


@pytest.fixture
def pg_source(pg_url: str):
    url = new_database(pg_url)
    with pg_connect(url) as con:
        con.execute("CREATE TABLE tasks (id int PRIMARY KEY, opened timestamp, "
                    "closed timestamp, grace interval)")
        con.execute("INSERT INTO tasks VALUES "
                    "(1, '2024-01-01 00:00', '2024-02-10 02:00', '1 mon'), "
                    "(2, '2024-03-30 23:00', '2024-03-31 01:30', '30 days'), "
                    "(3, '2024-05-01 10:00', '2024-04-29 09:00', '-1 days +02:00:00'), "
                    "(4, '2024-06-01', NULL, NULL)")
        con.execute(f"GRANT SELECT ON tasks TO {READER_USER}")
    reader = make_url(url).set(username=READER_USER, password=READER_PASSWORD)
    yield reader.render_as_string(hide_password=False)
    drop_database(pg_url, url)


def test_a_run_reaches_parity_on_objects_returning_intervals(pg_source: str,
                                                             tmp_path: Path) -> None:
    root = tmp_path / "p"
    (root / "sql").mkdir(parents=True)
    (root / "sql" / "task_times.sql").write_text(
        "CREATE VIEW task_times AS SELECT id, closed - opened AS took, grace, "
        "age(closed, opened) AS age, interval '1 day' * id AS days "
        "FROM tasks;\n", encoding="utf-8")
    (root / "cutover.toml").write_text(textwrap.dedent(f"""
        [project]
        name = "intervals"
        codebase = ["sql/*.sql"]

        [source]
        url = "{pg_source}"

        [target]
        url = "duckdb:///target.duckdb"
        """), encoding="utf-8")
    result = CliRunner().invoke(app, ["run", str(root), "--run-id", "i1",
                                      "--runs-dir", str(tmp_path / "runs")])
    assert result.exit_code == 0, result.output
    report = Report.model_validate_json(
        (tmp_path / "runs" / "i1" / "report.json").read_text(encoding="utf-8"))
    assert [(o.name, o.verdict) for o in report.objects] == [("task_times", "parity")], \
        result.output


STORED_INTERVAL_VIEWS = {
    "due_dates": "SELECT id, opened + grace AS due FROM tasks",
    "grace_total": "SELECT SUM(grace) AS total, SUM(closed - opened) AS took FROM tasks",
    "grace_days": "SELECT id, EXTRACT(day FROM grace) AS d, grace FROM tasks",
}


def _run_views(root: Path, runs: Path, source_url: str, target_url: str,
               views: dict[str, str]) -> dict[str, tuple[str, str | None]]:
    """Migrate `views` from the source to the target with `cutover run`: name -> (verdict,
    error)."""
    (root / "sql").mkdir(parents=True)
    for name, body in views.items():
        (root / "sql" / f"{name}.sql").write_text(f"CREATE VIEW {name} AS {body};\n",
                                                  encoding="utf-8")
    (root / "cutover.toml").write_text(textwrap.dedent(f"""
        [project]
        name = "stored-intervals"
        codebase = ["sql/*.sql"]

        [source]
        url = "{source_url}"

        [target]
        url = "{target_url}"
        """), encoding="utf-8")
    result = CliRunner().invoke(app, ["run", str(root), "--run-id", "r", "--runs-dir",
                                      str(runs)])
    assert result.exit_code in (0, 1), result.output
    report = Report.model_validate_json((runs / "r" / "report.json").read_text("utf-8"))
    return {o.name: (str(o.verdict), o.error) for o in report.objects}


@pytest.mark.parametrize("target", ["duckdb", "postgres"])
def test_a_stored_interval_column_loads_as_an_interval(pg_source: str, pg_url: str,
                                                       target: str, tmp_path: Path) -> None:
    """The loader gives the column an interval type on DuckDB and PostgreSQL, so date +
    interval, SUM (DuckDB has no sum(INTERVAL): the interval_sum rewrite) and EXTRACT keep
    PostgreSQL's meaning; as text they would not compile or would differ."""
    target_url = new_database(pg_url) if target == "postgres" \
        else f"duckdb:///{tmp_path / 'target.duckdb'}"
    try:
        verdicts = _run_views(tmp_path / "p", tmp_path / "runs", pg_source, target_url,
                              STORED_INTERVAL_VIEWS)
    finally:
        if target == "postgres":
            drop_database(pg_url, target_url)
    assert verdicts == {name: ("parity", None) for name in STORED_INTERVAL_VIEWS}


def test_a_stored_interval_on_a_target_without_the_type_is_unsupported(
        pg_source: str, mysql_url: str, tmp_path: Path) -> None:
    """MariaDB has no interval column: the loaded column holds PostgreSQL's text of each
    value. Selected as it is, that is parity; computed with, it is unsupported with the
    reason, never a silently different result."""
    target_url = new_database(mysql_url)
    views = {"grace_only": "SELECT id, grace FROM tasks",
             "due_dates": STORED_INTERVAL_VIEWS["due_dates"]}
    try:
        verdicts = _run_views(tmp_path / "p", tmp_path / "runs", pg_source, target_url, views)
    finally:
        drop_database(mysql_url, target_url)
    assert verdicts["grace_only"] == ("parity", None)
    verdict, error = verdicts["due_dates"]
    assert verdict == "unsupported"
    assert "no interval column type" in (error or ""), error


def test_postgres_source_reads_months_and_days_apart(pg_url: str) -> None:
    from tools.db.registry import open_adapter

    adapter = open_adapter(pg_url, "source")
    try:
        table = adapter.read_arrow("SELECT interval '1 mon' AS a, interval '30 days' AS b")
    finally:
        adapter.close()
    row = table.to_pylist()[0]
    assert (row["a"].months, row["a"].days, row["b"].months, row["b"].days) == (1, 0, 0, 30)


def test_interval_text_is_postgresql_own(pg_url: str) -> None:
    """What the loader writes for an interval on a target without the type is exactly
    PostgreSQL's rendering (plural and '+' rules, truncated years, fractions), and reads back
    as the same three fields."""
    import pyarrow as pa

    from tools.db.postgres_interval import parse, to_text

    values = [(1, 0, 0), (14, 0, 0), (-14, 3, 0), (0, 0, 0), (0, 1, 7_200_000_000_000),
              (-12, -3, -14_706_789_000_000), (0, 0, 1_000), (0, -1, 7_200_000_000_000),
              (-1, 0, 0), (25, -2, -3_000_000_000), (0, 0, 90_061_500_000_000)]
    with pg_connect(pg_url) as con:
        con.execute("SET IntervalStyle = 'postgres'")
        for months, days, nanos in values:
            interval = pa.MonthDayNano([months, days, nanos])
            text = to_text(interval)
            rendered = con.execute("SELECT %s::interval::text", (text,)).fetchone()[0]
            assert (text, parse(text)) == (rendered, interval)
