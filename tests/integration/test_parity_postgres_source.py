"""PostgreSQL-source trap families through the public entry point, `cutover eval run`, on the
real server: each case reaches parity with the semantics library and not under a plain sqlglot
transpile (single-precision text, LIKE as GLOB on SQLite, concat() and ordered string_agg on
SQLite and ClickHouse, a first-match regexp_replace with \\& on MariaDB). Per-value proofs are
the grid's (tests/fixtures/semantics/*.yaml)."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from typer.testing import CliRunner

from cutover.cli import app

pytestmark = pytest.mark.integration

runner = CliRunner()
CASES = {
    "sqlite": ["real_to_text", "like_backslash_escape", "like_backslash_ordinary_char",
               "char_padding_concat_function_keeps", "char_padding_string_agg"],
    "clickhouse": ["real_to_text", "char_padding_string_agg"],
    "mysql": ["regexp_replace_whole_match", "real_to_text"],
}


def _verdicts(tmp_path: Path, target: str, *extra: str) -> dict[str, str]:
    source = os.environ.get("CUTOVER_TEST_PG_URL")
    if not source:
        pytest.skip("CUTOVER_TEST_PG_URL is not set")
    url = os.environ.get("CUTOVER_TEST_MYSQL_URL") if target == "mysql" else target
    if not url:
        pytest.skip("CUTOVER_TEST_MYSQL_URL is not set")
    args = ["eval", "run", "traps-postgres", "--source", source, "--target", url,
            "--json", "-", "--workdir", str(tmp_path / "ev"), *extra]
    for case in CASES[target]:
        args += ["--case", case]
    done = runner.invoke(app, args)
    assert done.exit_code == 0, done.output
    return {c["id"]: c["verdict"] for c in json.loads(done.stdout)["cases"]}


@pytest.mark.parametrize("target", sorted(CASES))
def test_postgres_traps_reach_parity_only_with_the_library(tmp_path: Path, target: str) -> None:
    assert _verdicts(tmp_path, target) == dict.fromkeys(CASES[target], "parity")
    baseline = _verdicts(tmp_path, target, "--baseline", "sqlglot")
    assert "parity" not in baseline.values(), baseline


def test_sum_of_reals_is_compared_at_single_precision(tmp_path: Path) -> None:
    # PostgreSQL sums real in real; the target's double sum agrees to single precision
    source = os.environ.get("CUTOVER_TEST_PG_URL")
    if not source:
        pytest.skip("CUTOVER_TEST_PG_URL is not set")
    done = runner.invoke(app, ["eval", "run", "traps-postgres", "--source", source, "--target",
                               "duckdb", "--case", "real_sum", "--json", "-",
                               "--workdir", str(tmp_path / "ev")])
    assert done.exit_code == 0, done.output
    verdicts = [c["verdict"] for c in json.loads(done.stdout)["cases"]]
    assert verdicts == ["parity_with_tolerance"]
