"""`cutover run` from a MariaDB source whose views read dirty text columns as dates: MariaDB
reads '24-3-5', '20240305', '2024/03/05 10:20' and '2024-03-05x' as dates and makes
'2023-02-29' or 'n/a' NULL, where DuckDB raises a conversion error quoting the value, so plain
sqlglot ends every object compile_error (SQLite's DATE() makes most of them NULL instead: a
mismatch). The semantics library (mysql_date_text) carries MariaDB's reading over up front:
parity on the first attempt, with no LLM and no fixer."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest
from sqlalchemy.engine import make_url
from typer.testing import CliRunner

from cutover.cli import app
from tests.integration.conftest import drop_database, mysql_connect, new_database
from tests.servers import READER_PASSWORD, READER_USER
from tools.records import Report

pytestmark = pytest.mark.integration

ROWS = [
    (1, "2024-03-05", "2024-03-05 10:20:30", "2024-03-05"),
    (2, "24-3-5", "2024/03/05 10:20", "2024-03-06"),
    (3, "20240305", "20240305101112", "2024-03-07"),
    (4, "2024-03-05x", "2024-03-05T10:20", None),
    (5, "2023-02-29", "2024-03-05 25:00:00", "2024-03-08"),
    (6, "n/a", "", "2024-03-09"),
    (7, None, "  2024.3.5 1:2:3", "2024-03-10"),
    (8, "99-12-31", "2024-13-01 00:00:00", "2024-03-11"),
]
VIEWS = {
    "sql/signup_days.sql": "CREATE VIEW signup_days AS SELECT id, CAST(signed_up AS DATE) "
                           "AS signup_day, DATE(signed_up) AS same_day FROM signups;",
    "sql/last_seen.sql": "CREATE VIEW last_seen AS SELECT id, CAST(seen_at AS DATETIME) AS "
                         "seen, DATE(seen_at) AS seen_day, checked FROM signups;",
    "sql/signups_per_day.sql": "SELECT CAST(signed_up AS DATE) AS day, COUNT(*) AS n "
                               "FROM signups GROUP BY CAST(signed_up AS DATE);",
    "sql/waits.sql": "SELECT id, DATEDIFF(checked, CAST(signed_up AS DATE)) AS wait_days "
                     "FROM signups;",
}


@pytest.fixture
def source(mysql_url: str):
    url = new_database(mysql_url)
    name = make_url(url).database
    con = mysql_connect(url)
    try:
        with con.cursor() as cur:
            cur.execute(f"CREATE TABLE `{name}`.signups (id INT PRIMARY KEY, "
                        f"signed_up VARCHAR(40), seen_at VARCHAR(40), checked DATE)")
            cur.executemany(f"INSERT INTO `{name}`.signups VALUES (%s, %s, %s, %s)", ROWS)
    finally:
        con.close()
    reader = make_url(url).set(username=READER_USER, password=READER_PASSWORD)
    yield reader.render_as_string(hide_password=False)
    drop_database(mysql_url, url)


#: target -> its URL in the project folder, and what its translation of the reading holds
TARGETS = {"duckdb": ("duckdb:///target.duckdb", ("REGEXP_MATCHES", "MAKE_TIMESTAMP")),
           "sqlite": ("sqlite:///target.sqlite", ("GLOB", "PRINTF"))}


def _project(root: Path, source_url: str, views: dict[str, str] = VIEWS,
             target: str = "duckdb") -> Path:
    for path, sql in views.items():
        (root / path).parent.mkdir(parents=True, exist_ok=True)
        (root / path).write_text(sql + "\n", encoding="utf-8")
    (root / "cutover.toml").write_text(textwrap.dedent(f"""
        [project]
        name = "mysql_dates"
        codebase = ["sql/*.sql"]

        [source]
        url = "{source_url}"

        [target]
        url = "{TARGETS[target][0]}"
        """), encoding="utf-8")
    return root


@pytest.mark.parametrize("target", sorted(TARGETS))
def test_dirty_date_text_reaches_parity_without_llm(target: str, source: str, tmp_path: Path,
                                                    run_project) -> None:
    project = _project(tmp_path / "p", source, target=target)
    result = CliRunner().invoke(app, ["run", str(project), "--run-id", "d1",
                                      "--runs-dir", str(tmp_path / "runs")])
    assert result.exit_code == 0, result.output
    report = Report.model_validate_json(
        (tmp_path / "runs" / "d1" / "report.json").read_text(encoding="utf-8"))
    objects = {o.name: o for o in report.objects}
    assert {n: o.verdict for n, o in objects.items()} == dict.fromkeys(
        ["signup_days", "last_seen", "signups_per_day", "waits"], "parity")
    for name, obj in objects.items():  # carried by the translator: no fixer, no model
        assert obj.attempts == 1 and not obj.needed_fixer, (name, obj.attempt_log)
    translated = (tmp_path / "runs" / "d1" / "translated" / "sql" / "last_seen.sql").read_text()
    assert all(word in translated for word in TARGETS[target][1]), translated

    # plain sqlglot: DuckDB's cast refuses the first dirty value, every object fails;
    # SQLite's DATE() reads none of the dirty shapes
    before = run_project(project, semantics=False)
    verdicts = {o["name"]: o["verdict"] for o in before.report["objects"]}
    expected = {"compile_error"} if target == "duckdb" else {"mismatch"}
    assert set(verdicts.values()) == expected, verdicts


def test_a_zero_date_no_target_holds_is_a_mismatch_never_parity(source: str, tmp_path: Path,
                                                               mysql_url: str) -> None:
    # MariaDB reads '2024-00-05' as a zero date; the rewrite gives NULL, and the differ must
    # say so (the source column comes back as text: pymysql cannot make a date of it)
    views = {"sql/zero_days.sql": "SELECT id, CAST(signed_up AS DATE) AS day, "
                                  "CAST('2024-00-05' AS DATE) AS zero FROM signups;"}
    project = _project(tmp_path / "z", source, views)
    result = CliRunner().invoke(app, ["run", str(project), "--run-id", "z1",
                                      "--runs-dir", str(tmp_path / "runs")])
    assert result.exit_code == 1, result.output
    report = Report.model_validate_json(
        (tmp_path / "runs" / "z1" / "report.json").read_text(encoding="utf-8"))
    assert [(o.name, o.verdict) for o in report.objects] == [("zero_days", "mismatch")]
    columns = {c["name"]: c for c in report.objects[0].diff["columns"]}
    assert columns["day"]["mismatched"] == 0 and columns["zero"]["null_mismatches"] == len(ROWS)
