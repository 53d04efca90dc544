"""The read-only guard and the sandbox guard, on their own (no database)."""

from __future__ import annotations

import pytest

from tools import guard
from tools.errors import GuardRefused, SandboxViolation

ALLOWED = [
    "SELECT 1",
    "WITH x AS (SELECT 1 AS a) SELECT a FROM x",
    "SELECT a FROM t UNION ALL SELECT b FROM u",
    "SELECT count(*) FROM t WHERE note = 'DROP TABLE t'",
]
REFUSED = [
    "DELETE FROM t",
    "UPDATE t SET a = 1",
    "INSERT INTO t VALUES (1)",
    "DROP TABLE t",
    "SELECT 1; DROP TABLE t",
    "WITH d AS (DELETE FROM t RETURNING *) SELECT * FROM d",
    "SELECT * INTO t2 FROM t",
    "SELECT * FROM t FOR UPDATE",
    "SELECT pg_sleep(10)",
    "SELECT set_config('x', 'y', false)",
    "SELECT nextval('s')",
    "CREATE TABLE x AS SELECT 1",
    "SELEC 1",
    "",
    'SELECT "nextval"(\'s\')',  # a quoted name is the same function
    "SELECT lo_create(0)",  # the lo_* family by prefix
    "SELECT 1 /*!, (SELECT NEXTVAL(s)) */",  # MySQL runs the inside of /*! */
]


@pytest.mark.parametrize("sql", ALLOWED)
def test_read_only_guard_allows_queries(sql):
    guard.check_read_only(sql, "postgres")


@pytest.mark.parametrize("sql", REFUSED)
def test_read_only_guard_refuses_everything_else(sql):
    with pytest.raises(GuardRefused):
        guard.check_read_only(sql, "postgres")


@pytest.mark.parametrize("sql", [
    "CREATE OR REPLACE VIEW cutover_r.v AS SELECT 1",
    "CREATE SCHEMA IF NOT EXISTS cutover_r",
    "INSERT INTO cutover_r.t SELECT 1",
    "DROP SCHEMA cutover_r CASCADE",
])
def test_sandbox_guard_allows_sandbox_writes(sql):
    guard.check_sandbox_write(sql, "duckdb", "cutover_r")


@pytest.mark.parametrize("sql", [
    "CREATE VIEW main.v AS SELECT 1",
    "CREATE VIEW v AS SELECT 1",
    "INSERT INTO t SELECT 1",
    "DROP SCHEMA main CASCADE",
    "DELETE FROM main.t",
])
def test_sandbox_guard_refuses_writes_elsewhere(sql):
    with pytest.raises(SandboxViolation):
        guard.check_sandbox_write(sql, "duckdb", "cutover_r")
