"""`cutover check` against a real PostgreSQL source: the session is read-only and the role's
privileges are shown."""

from __future__ import annotations

from pathlib import Path

from typer.testing import CliRunner

from cutover.cli import app


def test_check_postgres_source(tmp_path: Path, pg_db: str) -> None:
    (tmp_path / "cutover.toml").write_text(
        f'[source]\nurl = "{pg_db}"\n\n[target]\nurl = "duckdb:///t.duckdb"\n', encoding="utf-8")
    done = CliRunner().invoke(app, ["check", str(tmp_path)])
    assert done.exit_code == 0, done.output
    out = " ".join(done.stdout.split())
    assert "PostgreSQL 15" in out
    assert "yes (the session" in out and "refuses writes)" in out
    assert "superuser=False" in out
