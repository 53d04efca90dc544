"""Translate-only targets through `cutover run`: nothing connects, nothing is loaded, every
object ends `skipped` with the reason, and the report keeps the translated SQL."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.support.cli import Done, cutover
from tests.support.projects import make_project
from tools.db.registry import open_adapter, translate_only_dialects
from tools.errors import CompileFailed, ConfigError

FILES = {"sql/a.sql": """
    CREATE VIEW paris AS SELECT id, name FROM customers WHERE city = 'Paris';
    SELECT name, SUBSTR(name, 1, 2) AS head FROM paris ORDER BY name LIMIT 3;
"""}


def _cutover_run(project: Path) -> tuple[Done, dict]:
    done = cutover("run", str(project), "--run-id", "r", "--runs-dir", str(project / "runs"),
                   "--llm", "off", cwd=project)
    report = project / "runs" / "r" / "report.json"
    assert report.is_file(), done.stderr
    return done, json.loads(report.read_text(encoding="utf-8"))


@pytest.mark.parametrize(("target", "extra", "dialect"), [
    ("snowflake://account/db", "", "snowflake"),
    ("oracle://scott@host/orcl", "", "oracle"),
    ("translate://", 'dialect = "tsql"\n', "tsql"),
])
def test_run_to_a_translate_only_target(tmp_path: Path, target: str, extra: str,
                                        dialect: str) -> None:
    project = make_project(tmp_path / "p", FILES, target=target)
    if extra:  # `dialect` belongs in [target], after its url
        text = (project / "cutover.toml").read_text(encoding="utf-8")
        (project / "cutover.toml").write_text(text.rstrip() + "\n" + extra, encoding="utf-8")
    done, report = _cutover_run(project)
    assert report["target"]["dialect"] == dialect
    objects = {o["name"]: o for o in report["objects"]}
    assert len(objects) == 2
    for entry in objects.values():
        assert entry["verdict"] == "skipped", entry
        assert "no engine on this machine" in entry["error"]
        assert entry["final_sql"]  # the translation is the deliverable
    assert "CREATE VIEW paris" in objects["paris"]["final_sql"]
    assert "skipped" in done.stdout
    assert not list((project / "data").glob("*.duckdb"))  # nothing was created anywhere


def test_translated_sql_is_in_the_target_dialect(tmp_path: Path) -> None:
    project = make_project(tmp_path / "p", FILES, target="mssql://sa@host/db")
    _, report = _cutover_run(project)
    query = next(o for o in report["objects"] if o["kind"] == "query")
    assert "TOP 3" in query["final_sql"] and "LIMIT" not in query["final_sql"]


def test_translate_only_adapter_refuses_work_clearly() -> None:
    for scheme in ("oracle", "mssql", "snowflake", "bigquery", "teradata", "redshift"):
        adapter = open_adapter(f"{scheme}://host/db", "target")
        assert adapter.RUNS_HERE is False
        adapter.create_sandbox("cutover_x")  # a no-op, never a connection
        assert adapter.tables() == []
        with pytest.raises(CompileFailed, match="translate-only"):
            adapter.read_arrow("SELECT 1")
    only = translate_only_dialects()
    assert {"oracle", "tsql", "snowflake", "bigquery", "teradata", "redshift"} <= set(only)
    assert not {"sqlite", "duckdb", "postgres", "mysql", "spark"} & set(only)
    with pytest.raises(ConfigError, match="cannot be a source"):
        open_adapter("snowflake://host/db", "source")
