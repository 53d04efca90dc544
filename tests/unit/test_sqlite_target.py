"""SQLite as a target: the sandbox is a file of its own, opened as `main` with the real file
attached, so unqualified names resolve in the sandbox first and views there are valid."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pyarrow as pa
import pytest

from tests.support.projects import make_project
from tools.db.registry import open_adapter
from tools.errors import CompileFailed, SandboxViolation


def test_sandbox_file_lifecycle(tmp_path: Path) -> None:
    home = tmp_path / "target.sqlite"
    con = sqlite3.connect(home)
    con.execute("CREATE TABLE t (a INTEGER)")  # a same-named table in the real file
    con.execute("INSERT INTO t VALUES (100)")
    con.commit()
    con.close()
    target = open_adapter(f"sqlite:///{home}", "target")
    try:
        target.create_sandbox("cutover_r1")
        target.create_table("t", [{"name": "a", "canonical": "int"}], ["a"])
        target.append_arrow("t", pa.record_batch({"a": [1, 2, 3]}))
        assert target.count_rows("t") == 3
        # unqualified: the sandbox's t, not the real file's
        assert target.read_arrow("SELECT SUM(a) AS s FROM t").column(0)[0].as_py() == 6
        view = target.create_object_sql("view", "v", "SELECT a * 10 AS a FROM t")
        assert view is not None
        target.execute(view)
        target.execute(view)  # replacing a candidate works (no CREATE OR REPLACE in SQLite)
        assert target.views() == ["v"]
        assert target.read_arrow("SELECT MAX(a) AS m FROM v").column(0)[0].as_py() == 30
        with pytest.raises(SandboxViolation):
            target.execute("INSERT INTO cutover_home.t VALUES (5)")
        with pytest.raises(CompileFailed):
            target.explain("SELECT nope FROM t")
        sandbox_file = tmp_path / "target.cutover_r1.sqlite"
        assert sandbox_file.exists()
        target.promote("t", "table_as_select", "SELECT * FROM t")
        target.promote("v", "view", "SELECT a * 10 AS a FROM t")
        target.drop_sandbox("cutover_r1")
        assert not sandbox_file.exists()
        assert target.read_arrow("SELECT COUNT(*) AS n FROM v").column(0)[0].as_py() == 3
    finally:
        target.close()


def test_values_keep_their_meaning(tmp_path: Path) -> None:
    import datetime as dt
    from decimal import Decimal

    target = open_adapter(f"sqlite:///{tmp_path / 'x.sqlite'}", "target")
    try:
        target.create_sandbox("cutover_v")
        columns = [{"name": n, "canonical": c} for n, c in
                   [("d", "decimal(18,4)"), ("day", "date"), ("ts", "timestamptz"),
                    ("txt", "text"), ("flag", "bool")]]
        target.create_table("m", columns)
        batch = pa.record_batch({
            "d": pa.array([Decimal("12.5000"), None], pa.decimal128(18, 4)),
            "day": pa.array([dt.date(2024, 2, 29), None]),
            "ts": pa.array([dt.datetime(2024, 1, 2, 3, 4, 5, tzinfo=dt.UTC), None],
                           pa.timestamp("us", tz="UTC")),
            "txt": ["trailing  ", None], "flag": [True, None]})
        target.append_arrow("m", batch)
        rows = target.read_arrow("SELECT * FROM m").to_pylist()
        assert rows[0] == {"d": 12.5, "day": "2024-02-29", "ts": "2024-01-02 03:04:05",
                           "txt": "trailing  ", "flag": 1}
        assert rows[1] == dict.fromkeys(rows[1])
    finally:
        target.close()


def test_sqlite_to_sqlite_run_reaches_parity(tmp_path: Path, run_project) -> None:
    project = make_project(tmp_path / "p", {"sql/a.sql": """
        CREATE VIEW paris AS SELECT id, name FROM customers WHERE city = 'Paris';
        SELECT c.name, SUM(o.qty * o.price) AS spent FROM paris c
          JOIN orders o ON o.customer_id = c.id GROUP BY c.name;
    """}, target="sqlite:///data/target.sqlite")
    outcome = run_project(project, llm_mode="off", keep_sandbox=False, apply=True)
    verdicts = {o["name"]: o["verdict"] for o in outcome.report["objects"]}
    assert set(verdicts.values()) <= {"parity", "parity_with_tolerance"}, verdicts
    con = sqlite3.connect(project / "data" / "target.sqlite")
    try:  # --apply promoted the loaded tables and the view into the real file
        assert con.execute("SELECT COUNT(*) FROM paris").fetchone()[0] == 2
    finally:
        con.close()
    assert not list((project / "data").glob("target.cutover_*.sqlite"))
