"""The CLI as a data engineer pipes it (in-process, real files, real engines for the SQL):
translate writes the SQL byte for byte with its comments, `--json -` is standard output,
dialect typos get a "did you mean", overrides obey the config's rules, and the CLI's own
conventions (--version, -h, help text with brackets, choices)."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import duckdb
from typer.testing import CliRunner

from cutover.cli import app
from tests.support.projects import make_project
from tools.sql import split_statements

runner = CliRunner()
LONG_LITERAL = "x" * 150 + " spaced   out " + "y" * 100
SOURCE = f"""-- header: what this file is
SELECT '{LONG_LITERAL}' AS lit, length('{LONG_LITERAL}') AS n; -- trailing note

/* block comment
   before the second statement */
SELECT 7 / 2 AS half, 'a;b' AS semi;
-- the end
"""


def _translate(tmp_path: Path, *args: str) -> object:
    path = tmp_path / "lit.sql"
    path.write_text(SOURCE, encoding="utf-8")
    return runner.invoke(app, ["translate", str(path), "--from", "sqlite", "--to", "duckdb",
                               *args])


def test_translate_to_stdout_is_exact_sql_that_runs_the_same(tmp_path: Path) -> None:
    done = _translate(tmp_path)
    assert done.exit_code == 0, done.output
    sql = done.stdout
    assert "\x1b[" not in sql  # no colour codes
    assert LONG_LITERAL in sql  # not wrapped inside the literal
    for comment in ("-- header: what this file is", "/* block comment", "-- the end"):
        assert comment in sql
    assert sql.index("header") < sql.index("SELECT") < sql.index("block comment")
    translated = split_statements(sql, "duckdb", "out")
    original = split_statements(SOURCE, "sqlite", "in")
    assert len(translated) == len(original) == 2
    on_duckdb = duckdb.connect().execute(translated[0].sql).fetchall()
    on_sqlite = sqlite3.connect(":memory:").execute(original[0].sql).fetchall()
    assert on_duckdb == on_sqlite == [(LONG_LITERAL, len(LONG_LITERAL))]
    assert duckdb.connect().execute(translated[1].sql).fetchall()[0][1] == "a;b"


def test_translate_output_file_matches_stdout(tmp_path: Path) -> None:
    to_stdout = _translate(tmp_path).stdout
    out = tmp_path / "out.sql"
    done = _translate(tmp_path, "-o", str(out))
    assert done.exit_code == 0 and done.stdout == ""
    assert out.read_text(encoding="utf-8") == to_stdout


def test_dialect_typo_in_translate_suggests_the_name(tmp_path: Path) -> None:
    path = tmp_path / "a.sql"
    path.write_text("SELECT 1;", encoding="utf-8")
    done = runner.invoke(app, ["translate", str(path), "--from", "sqlite", "--to", "postgress"])
    assert done.exit_code == 2
    assert "did you mean postgres?" in done.stderr and "Traceback" not in done.output


def test_dialect_typo_in_run_config_suggests_the_name(tmp_path: Path) -> None:
    project = make_project(tmp_path / "p", {"sql/a.sql": "CREATE VIEW v AS SELECT 1 AS x;"},
                           config_extra='dialect = "duckbd"\n')
    done = runner.invoke(app, ["run", str(project), "--runs-dir", str(tmp_path / "runs")])
    assert done.exit_code == 2, done.output
    assert "[target] dialect" in done.stderr and "did you mean duckdb?" in done.stderr
    assert "internal error" not in done.stderr


def test_overrides_obey_the_config_rules(tmp_path: Path) -> None:
    project = make_project(tmp_path / "p", {"sql/a.sql": "CREATE VIEW v AS SELECT 1 AS x;"})
    zero = runner.invoke(app, ["run", str(project), "--max-attempts", "0"])
    assert zero.exit_code == 2
    assert "--max-attempts 0" in zero.stderr and "greater than or equal to 1" in zero.stderr
    bogus = runner.invoke(app, ["run", str(project), "--llm", "bogus"])
    assert bogus.exit_code == 2 and "'bogus' is not one of" in bogus.stderr


def test_version_short_help_and_brackets_in_help() -> None:
    version = runner.invoke(app, ["--version"])
    assert version.exit_code == 0 and version.stdout.startswith("cutover ")
    short = runner.invoke(app, ["run", "-h"])
    assert short.exit_code == 0
    assert "max_attempts of the [run] table" in " ".join(short.stdout.split())
    assert "Exit codes: 0 all at parity" in " ".join(runner.invoke(app, ["-h"]).stdout.split())


def test_diff_choices_are_validated() -> None:
    done = runner.invoke(app, ["diff", "duckdb://", "t", "duckdb://", "t", "--algorithm", "fast"])
    assert done.exit_code == 2 and "'fast' is not one of" in done.stderr


def test_diff_json_dash_is_stdout_only_json(tmp_path: Path) -> None:
    import json

    db = tmp_path / "a.duckdb"
    con = duckdb.connect(str(db))
    con.execute("CREATE TABLE t AS SELECT range AS id, range * 2 AS v FROM range(20)")
    con.close()
    url = f"duckdb:///{db}"
    done = runner.invoke(app, ["diff", url, "t", url, "t", "--key", "id", "--json", "-"])
    assert done.exit_code == 0, done.output
    assert json.loads(done.stdout)["verdict"] == "parity"
    assert not (Path.cwd() / "-").exists()
