"""`cutover init` writes a config a run can use; `cutover check` reports both sides without
writing; errors are one line with a code."""

from __future__ import annotations

from pathlib import Path

from typer.testing import CliRunner

from cutover.cli import app
from cutover.config import read_config
from tests.support.projects import make_project

runner = CliRunner()


def test_init_writes_a_config_that_runs(tmp_path: Path) -> None:
    made = make_project(tmp_path / "p", {"sql/a.sql": "CREATE VIEW v AS SELECT id FROM orders;"})
    (made / "cutover.toml").unlink()
    done = runner.invoke(app, ["init", "sqlite:///data/source.sqlite",
                               "duckdb:///data/target.duckdb", "--codebase", "sql/**/*.sql",
                               "--dir", str(made), "--name", "shop"])
    assert done.exit_code == 0, done.output
    cfg = read_config(made)
    assert (cfg.project.name, cfg.project.codebase) == ("shop", ["sql/**/*.sql"])
    assert "# dialect = \"sqlite\"" in (made / "cutover.toml").read_text()
    ran = runner.invoke(app, ["run", str(made), "--runs-dir", str(tmp_path / "runs")])
    assert ran.exit_code == 0, ran.output
    again = runner.invoke(app, ["init", "sqlite:///x", "duckdb:///y", "--dir", str(made)])
    assert again.exit_code == 2 and again.stderr.startswith("error[config]: ")
    assert "--force" in again.stderr


def test_init_refuses_an_unknown_scheme(tmp_path: Path) -> None:
    done = runner.invoke(app, ["init", "foo://x", "duckdb:///y", "--dir", str(tmp_path)])
    assert done.exit_code == 2 and "source URL" in done.stderr
    assert not (tmp_path / "cutover.toml").exists()


def test_check_reports_versions_and_read_only_source(tmp_path: Path) -> None:
    project = make_project(tmp_path / "p", {"sql/a.sql": "SELECT 1 AS x;"})
    source = project / "data" / "source.sqlite"
    before = source.stat().st_mtime_ns
    done = runner.invoke(app, ["check", str(project)])
    assert done.exit_code == 0, done.output
    out = " ".join(done.stdout.split())
    assert "sqlite" in out and "duckdb" in out and "v1." in out  # DuckDB's version
    assert "yes (the session" in out and "refuses writes)" in out
    assert source.stat().st_mtime_ns == before
