"""`cutover diff` shows its progress as plain lines when stderr is not a terminal (CI logs,
pipes): the sizes, the rows read, and the time taken — no bars, no escape codes."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from typer.testing import CliRunner

from cutover.cli import app


def _table(path: Path, changed: bool) -> None:
    con = sqlite3.connect(path)
    con.execute("CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT)")
    con.executemany("INSERT INTO t VALUES (?, ?)",
                    [(i, f"v{i}x" if changed and i == 7 else f"v{i}") for i in range(500)])
    con.commit()
    con.close()


def test_progress_is_plain_lines_when_piped(tmp_path: Path) -> None:
    left, right = tmp_path / "a.sqlite", tmp_path / "b.sqlite"
    _table(left, False)
    _table(right, True)
    done = CliRunner().invoke(app, ["diff", f"sqlite:///{left}", "t", f"sqlite:///{right}",
                                    "t", "--key", "id"])
    assert done.exit_code == 1, done.output
    lines = done.stderr.splitlines()
    assert any(line.startswith("diff: source 500 rows, target 500 rows") for line in lines), lines
    assert any(line.startswith("diff: read source 500 of 500 rows") for line in lines), lines
    assert any(line.startswith("diff: compared in ") for line in lines), lines
    assert "\x1b[" not in done.stderr
