"""A scalar function that reads a table function, which loops over another table function
(SQL-ProcBench's highDeficiencyAmount chain), through `cutover run` with the dbt output on a
real PostgreSQL source and DuckDB target: each call `FROM f(args)` is expanded in place into
f's query, a loop's `SELECT * FROM f(m)` keeps the columns its variables take (PL/pgSQL drops
the rest), and the models — the scalar function's invocation query and the middle table
function called directly — are diffed against the originals run on a scratch copy."""

from __future__ import annotations

import re

import psycopg
import pytest

from tests.integration.conftest import pg_connect
from tests.support.projects import postgres_dbt_project

pytest.importorskip("dbt.cli.main")
pytestmark = pytest.mark.integration

SEED = """
CREATE TABLE orders (id integer PRIMARY KEY, item integer NOT NULL, month integer NOT NULL,
                     qty integer);
CREATE TABLE stock (item integer NOT NULL, month integer NOT NULL, on_hand integer);
INSERT INTO orders VALUES (1, 1, 1, 4), (2, 1, 1, 6), (3, 2, 1, 3), (4, 3, 1, 2), (5, 3, 1, 2),
                          (6, 1, 2, 6), (7, 2, 2, 8), (8, 4, 2, 5), (9, 5, 2, NULL);
INSERT INTO stock VALUES (1, 1, 5), (2, 1, 9), (1, 2, 2), (2, 2, 1), (4, 2, 0), (5, 2, 1);
"""
ROUTINES = """
CREATE FUNCTION short_items(m int) RETURNS TABLE(item int, short int8) AS $$
DECLARE
  it int;
  amt int8;
  have int8;
BEGIN
  FOR it, amt IN (SELECT o.item, sum(o.qty) FROM orders o WHERE o.month = m GROUP BY o.item)
  LOOP
    have := (SELECT sum(on_hand) FROM stock s WHERE s.item = it AND s.month = m);
    IF have < amt THEN
      RETURN QUERY SELECT it, amt - have;
    END IF;
  END LOOP;
END $$ LANGUAGE plpgsql;

CREATE FUNCTION short_levels(m int) RETURNS TABLE(item int, level text) AS $$
DECLARE
  it int;
  n int8;
BEGIN
  FOR it IN (SELECT * FROM short_items(m)) LOOP
    n := (SELECT count(*) FROM orders o WHERE o.item = it);
    IF n >= 2 THEN
      RETURN QUERY SELECT it, 'often'::text;
    ELSE
      RETURN QUERY SELECT it, 'once'::text;
    END IF;
  END LOOP;
END $$ LANGUAGE plpgsql;

CREATE FUNCTION often_short(m int) RETURNS int8 AS $$
BEGIN
  RETURN (SELECT count(*) FROM short_levels(m) WHERE level = 'often');
END $$ LANGUAGE plpgsql;

CREATE FUNCTION short_flags(m int) RETURNS TABLE(item int, flag varchar(10)) AS $$
DECLARE
  it int;
BEGIN
  FOR it IN (SELECT * FROM short_items(m)) LOOP
    RETURN QUERY SELECT it, 'short';
  END LOOP;
END $$ LANGUAGE plpgsql;

CREATE FUNCTION flagged(m int) RETURNS int8 AS $$
BEGIN
  RETURN (SELECT count(*) FROM short_flags(m));
END $$ LANGUAGE plpgsql;

SELECT g.month, often_short(g.month) FROM generate_series(1, 3) AS g(month);
SELECT * FROM short_levels(2);
SELECT flagged(1);
"""


def test_table_function_calls_expand_in_place_at_parity(pg_db, tmp_path, run_project):
    with pg_connect(pg_db) as con:
        con.execute(SEED)
    project = postgres_dbt_project(tmp_path / "p", "stock", pg_db, {
        "sql/routines.sql": ROUTINES})

    dbt = run_project(project).report["dbt"]
    models = {m["name"]: m for m in dbt["models"]}
    reasons = {x["object"]: x["reason"] for x in dbt["left_out"]}
    for name in ("often_short__invocation", "short_levels"):
        assert name in models, (sorted(models), reasons)
        assert models[name]["build_status"] == "success", models[name]
        assert models[name]["verdict"] == "parity", (models[name], reasons)
        assert "vacuous" not in (models[name]["diff_summary"] or ""), models[name]
    # the calls were expanded: no model calls a function the target does not have
    for name in ("often_short__invocation", "short_levels"):
        sql = (project / f"dbt/models/marts/{name}.sql").read_text().lower()
        # `AS short_items(item, short)` names the expanded rows; no call is left
        calls = re.findall(r"(short_items|short_levels)\(([^)]*)\)", sql)
        assert all(args in ("item, short", "item, level") for _, args in calls), calls

    # 'short' is text, the column varchar(10): PostgreSQL fails whenever a row comes back,
    # which no query standing in for it would; refused with that reason, no model
    assert "flagged__invocation" not in models
    assert "short_flags has no query form" in reasons["flagged"], reasons
    assert "does not match function result type" in reasons["flagged"], reasons

    # what the originals give, by hand on the source (the run created none of them there):
    # month 1 is short of item 1 (ordered 3 times); month 2 of items 1, 2 (often) and 4 (once)
    with pg_connect(pg_db) as con:
        assert con.execute("SELECT count(*) FROM pg_proc WHERE proname = 'often_short'"
                           ).fetchone() == (0,)
        con.execute(ROUTINES.split("SELECT g.month")[0])
        assert con.execute("SELECT g.month, often_short(g.month) FROM generate_series(1, 3) "
                           "AS g(month) ORDER BY 1").fetchall() == [(1, 1), (2, 2), (3, 0)]
        assert sorted(con.execute("SELECT * FROM short_levels(2)").fetchall()) == [
            (1, "often"), (2, "often"), (4, "once")]
        with pytest.raises(psycopg.errors.DatatypeMismatch, match="does not match function"):
            con.execute("SELECT flagged(1)")
