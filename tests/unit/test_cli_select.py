"""`cutover run --select NAME/GLOB`: only the matching objects, and the codebase objects they
read (they must exist for the selected ones to run)."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from cutover.cli import app
from tests.support.projects import make_project

runner = CliRunner()
FILES = {"sql/views.sql": """
    CREATE VIEW paris AS SELECT id, name FROM customers WHERE city = 'Paris';
    CREATE VIEW paris_orders AS SELECT o.id, o.qty FROM orders o JOIN paris p
        ON p.id = o.customer_id;
    CREATE VIEW oslo AS SELECT id FROM customers WHERE city = 'Oslo';
"""}


def _objects(runs: Path) -> set[str]:
    report = next(runs.glob("*/report.json"))
    return {o["name"] for o in json.loads(report.read_text())["objects"]}


def test_select_takes_the_object_and_what_it_reads(tmp_path: Path) -> None:
    project = make_project(tmp_path / "p", FILES)
    done = runner.invoke(app, ["run", str(project), "--runs-dir", str(tmp_path / "r1"),
                               "--select", "paris_orders"])
    assert done.exit_code == 0, done.output
    assert _objects(tmp_path / "r1") == {"paris_orders", "paris"}


def test_select_takes_globs_and_repeats(tmp_path: Path) -> None:
    project = make_project(tmp_path / "p", FILES)
    done = runner.invoke(app, ["run", str(project), "--runs-dir", str(tmp_path / "r2"),
                               "--select", "OSL*", "--select", "paris"])
    assert done.exit_code == 0, done.output
    assert _objects(tmp_path / "r2") == {"oslo", "paris"}


def test_a_select_that_matches_nothing_says_what_exists(tmp_path: Path) -> None:
    project = make_project(tmp_path / "p", FILES)
    done = runner.invoke(app, ["run", str(project), "--runs-dir", str(tmp_path / "r3"),
                               "--select", "nope*"])
    assert done.exit_code == 2
    assert "matches no object" in done.output and "paris_orders" in done.output
    assert "Traceback" not in done.output
