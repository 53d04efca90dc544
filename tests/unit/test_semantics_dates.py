"""The date/time families through the public entry points: `cutover eval run` on SQLite date
traps (the rewrite is what brings parity: plain sqlglot fails every one), and the translator's
unsupported verdict where no faithful rewrite is written. Per-value proofs are the grid's
(tests/fixtures/semantics/*.yaml)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from cutover.cli import app
from tools.errors import Unsupported
from tools.sql import transpile

runner = CliRunner()
# month overflow, leap-day year step, julianday spans, weekday modifier, strftime-free grouping
CASES = ["month_later_overflows", "year_before_leap_day", "visit_length_days",
         "following_sunday", "visits_per_year_start"]


def _parity(tmp_path: Path, *extra: str) -> dict[str, bool]:
    args = ["eval", "run", "traps-sqlite", "--source", "sqlite", "--target", "duckdb",
            "--json", "-", "--workdir", str(tmp_path / "ev"), *extra]
    for case in CASES:
        args += ["--case", case]
    done = runner.invoke(app, args)
    assert done.exit_code == 0, done.output
    return {c["id"]: c["parity"] for c in json.loads(done.stdout)["cases"]}


def test_sqlite_date_traps_reach_parity_only_with_the_library(tmp_path: Path) -> None:
    assert _parity(tmp_path) == dict.fromkeys(CASES, True)
    assert _parity(tmp_path, "--baseline", "sqlglot") == dict.fromkeys(CASES, False)


@pytest.mark.parametrize(("sql", "read", "write", "reason"), [
    ("SELECT WEEK(d, 6) FROM t", "mysql", "postgres", "mode 6"),
    ("SELECT date(d, 'localtime') FROM t", "sqlite", "duckdb", "'localtime'"),
    ("SELECT DATE_TRUNC('millennium', d) FROM t", "postgres", "mysql", "millennium"),
])
def test_no_faithful_rewrite_is_an_unsupported_verdict_with_its_reason(
        sql: str, read: str, write: str, reason: str) -> None:
    with pytest.raises(Unsupported, match=reason):
        transpile(sql, read, write, "q")
