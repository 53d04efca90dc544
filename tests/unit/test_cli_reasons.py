"""The terminal says why: every object not at parity with its reason and attempts; a SQL syntax
error becomes `parse_error` at file:line:col; a driver's interrupt is recognised as one."""

from __future__ import annotations

import sqlite3
import threading
from pathlib import Path
from typing import Any

import duckdb
import pytest
from typer.testing import CliRunner

from cutover.cli import app
from tests.support.projects import make_project
from tools import stop

runner = CliRunner()


def test_summary_lists_each_problem_with_reason_and_attempts(tmp_path: Path) -> None:
    project = make_project(tmp_path / "p", {"sql/a.sql": """
        CREATE VIEW ok AS SELECT id FROM customers;
        CREATE VIEW hx AS SELECT typeof(qty) AS t FROM orders;
        CREATE VIEW bad AS
          SELECT FROM WHERE;
    """})
    done = runner.invoke(app, ["run", str(project), "--runs-dir", str(tmp_path / "runs"),
                               "--run-id", "r1"])
    assert done.exit_code == 1, done.output
    out = " ".join(done.stdout.split())
    assert "Not at parity (2):" in out
    assert "mismatch hx (sql/a.sql:2):" in out and "tried: #1 translate → mismatch" in out
    # the syntax error's own position: line 4 of the file, column of 'WHERE'
    assert "parse_error a_3 (sql/a.sql:3): sql/a.sql:4:15: cannot parse as sqlite SQL" in out
    assert "got 'WHERE'" in out and "<Token" not in out


COUNT_TO = ("WITH RECURSIVE r(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM r WHERE n < {n}) "
            "SELECT count(*) FROM r")


def _interrupted(con: Any, error: type[Exception], n: int) -> Exception:
    """The error a real query raises when its connection is interrupted from another thread."""
    timer = threading.Timer(0.3, con.interrupt)
    timer.start()
    with pytest.raises(error) as caught:
        con.execute(COUNT_TO.format(n=n)).fetchall()
    timer.join()
    return caught.value


def test_duckdb_interrupt_is_an_interrupt_and_timeouts_are_not() -> None:
    interrupted = _interrupted(duckdb.connect(), duckdb.Error, 10_000_000)
    assert stop.is_interrupt(interrupted)
    wrapped = RuntimeError("compile failed")
    wrapped.__cause__ = interrupted
    assert stop.is_interrupt(wrapped)
    assert not stop.is_interrupt(RuntimeError("canceling statement due to statement timeout"))
    assert stop.is_interrupt(RuntimeError("canceling statement due to user request"))


def test_sqlite_interrupt_alone_is_not_taken_for_ctrl_c() -> None:
    # Cutover's statement timer interrupts SQLite too: only the stop flag makes it a Ctrl-C.
    con = sqlite3.connect(":memory:", check_same_thread=False)
    assert not stop.is_interrupt(_interrupted(con, sqlite3.OperationalError, 100_000_000))


def test_stop_flag_raises_at_safe_point() -> None:
    stop.clear()
    stop.raise_if_requested()  # nothing asked: no-op
    stop.request("SIGTERM")
    try:
        with pytest.raises(KeyboardInterrupt, match="SIGTERM during translator"):
            stop.raise_if_requested("translator")
    finally:
        stop.clear()
