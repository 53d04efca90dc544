"""A MySQL/MariaDB source through whole runs (the eval harness over a suite of its own, in
deterministic mode): ENUM ordering, a *_general_ci column compared, grouped and ordered with
accents and non-Latin letters, UPPER of a group's spelling, fractional %, and GREATEST over
an integer and a double reach parity on SQLite and ClickHouse on the first attempt, where a
plain sqlglot transpile does not."""

from __future__ import annotations

from pathlib import Path

import pytest

from evals.runner import EvalSpec, run_eval

pytestmark = pytest.mark.integration

SETUP = """
CREATE TABLE members (
  id    INT PRIMARY KEY,
  name  VARCHAR(40),
  plan  ENUM('basic', 'plus', 'max'),
  score DOUBLE,
  visits INT
);
INSERT INTO members VALUES
  (1, 'Örjan', 'plus', 2.5, 3), (2, 'orjan ', 'max', 7.25, 9), (3, 'ΣΟΦΊΑ', 'basic', -1.5, 2),
  (4, 'σοφια', 'plus', NULL, 5), (5, 'Łukasz', NULL, 0.5, NULL), (6, 'lukasz', 'basic', 4.0, 1),
  (7, 'Zoë', 'max', 9.5, 12);
"""
MANIFEST = """
name: mysql-run
source_dialect: mysql
targets: [sqlite, clickhouse]
verified: true
setup: [setup.sql]
cases:
  - id: plan_order
    sql: SELECT id, plan FROM members WHERE plan IS NOT NULL ORDER BY plan, id
    ordered: true
  - id: same_name
    sql: SELECT id FROM members WHERE name = 'ORJAN'
  - id: greek_name
    sql: SELECT id FROM members WHERE name = 'ΣΟΦΙΑ'
  - id: name_groups
    sql: SELECT name, COUNT(*) AS n FROM members GROUP BY name
  - id: shouted_groups
    sql: SELECT UPPER(name) AS shout, COUNT(*) AS n FROM members GROUP BY name
  - id: by_name
    sql: SELECT id FROM members ORDER BY name DESC, id
    ordered: true
  - id: score_mod
    sql: SELECT id, score % 2 AS r FROM members
  - id: best_of
    sql: SELECT id, GREATEST(visits, score) AS g FROM members
"""


@pytest.mark.parametrize("target", ["sqlite", "clickhouse"])
def test_mysql_source_traps_reach_parity(target: str, mysql_url: str, tmp_path: Path) -> None:
    suite = tmp_path / "suite"
    suite.mkdir()
    (suite / "manifest.yaml").write_text(MANIFEST, encoding="utf-8")
    (suite / "setup.sql").write_text(SETUP, encoding="utf-8")
    log = run_eval(EvalSpec(suite=str(suite), source=mysql_url, target=target,
                            workdir=tmp_path / "runs"))
    verdicts = {c["id"]: c["verdict"] for c in log["cases"]}
    assert verdicts == dict.fromkeys(verdicts, "parity") and len(verdicts) == 8, \
        [(c["id"], c["explanations"]) for c in log["cases"] if not c["parity"]]
    assert all(c["attempts"] == 1 for c in log["cases"])
    plain = run_eval(EvalSpec(suite=str(suite), source=mysql_url, target=target,
                              baseline="sqlglot", workdir=tmp_path / "plain"))
    # each case is a trap: plain sqlglot loses it (a wrong answer or a refused query), but
    # SQLite's max() propagates NULL as MySQL's GREATEST does, and ClickHouse's % keeps
    # fractions
    assert {c["id"] for c in plain["cases"] if c["parity"]} <= (
        {"best_of"} if target == "sqlite" else {"score_mod"})
