"""Table functions whose WHILE loop only counts (a date or an integer stepped by a constant up to
a bound), through `cutover run` with the dbt output on a real PostgreSQL source and DuckDB
target: the loop becomes a generate_series, a conditional bare RETURN a guard on the rows after
it, and each model is diffed against the original called on a scratch copy (SQL-ProcBench's
profitMonitoring has this shape). A loop whose step is not a constant stays unsupported with the
reason, and an original that fails on the copy says why in PostgreSQL's own words."""

from __future__ import annotations

import pytest

from tests.integration.conftest import pg_connect
from tests.support.projects import postgres_dbt_project

pytest.importorskip("dbt.cli.main")
pytestmark = pytest.mark.integration

SEED = """
CREATE TABLE sales (id integer PRIMARY KEY, shop integer NOT NULL, sold_on date NOT NULL,
                    amount numeric(10,2));
CREATE TABLE shops (id integer PRIMARY KEY, city varchar(20) NOT NULL);
INSERT INTO shops VALUES (1, 'Oslo'), (2, 'Bergen');
INSERT INTO sales VALUES (1, 1, '2024-01-01', 5), (2, 1, '2024-01-01', 7.25),
                         (3, 1, '2024-01-03', 2.5), (4, 2, '2024-01-02', 100),
                         (5, 1, '2024-01-04', NULL), (6, 1, '2024-01-09', 1);
"""
ROUTINES = """
CREATE TYPE daily AS (day date, paid numeric(12,2));

CREATE FUNCTION daily_paid(first_day date, last_day date, wanted int) RETURNS SETOF daily AS $$
DECLARE
  total numeric(12,2);
  r daily;
BEGIN
  IF first_day > last_day THEN
    RETURN;
  END IF;
  WHILE first_day <= last_day LOOP
    total := (SELECT sum(amount) FROM sales WHERE sold_on = first_day AND shop = wanted);
    r := (first_day, total)::daily;
    RETURN NEXT r;
    first_day := (first_day + interval '1 day')::date;
  END LOOP;
  RETURN;
END $$ LANGUAGE plpgsql;

CREATE FUNCTION shop_slots(upto int) RETURNS TABLE(slot int, sales_count int8) AS $$
DECLARE
  i int := 1;
BEGIN
  WHILE i < upto LOOP
    IF i % 2 = 1 THEN
      RETURN QUERY SELECT i, (SELECT count(*) FROM sales WHERE shop = 1 AND id >= i);
    END IF;
    i := i + 1;
  END LOOP;
END $$ LANGUAGE plpgsql;

CREATE FUNCTION doubling(upto int) RETURNS TABLE(n int) AS $$
DECLARE
  i int := 1;
BEGIN
  WHILE i <= upto LOOP
    RETURN QUERY SELECT i;
    i := i * 2;
  END LOOP;
END $$ LANGUAGE plpgsql;

CREATE FUNCTION cities() RETURNS TABLE(city char(20)) AS $$
BEGIN
  RETURN QUERY SELECT s.city FROM shops s;
END $$ LANGUAGE plpgsql;
"""


def test_counting_loops_become_series_at_parity(pg_db, tmp_path, run_project):
    with pg_connect(pg_db) as con:
        con.execute(SEED)
    project = postgres_dbt_project(tmp_path / "p", "shops", pg_db, {
        "sql/routines.sql": ROUTINES + "SELECT * FROM cities();\n"}, config_extra="""
        [output.procedures.daily_paid]
        first_day = "DATE '2024-01-01'"
        last_day = "DATE '2024-01-05'"
        wanted = 1
        [output.procedures.shop_slots]
        upto = 6
        [output.procedures.doubling]
        upto = 8
        """)

    dbt = run_project(project).report["dbt"]
    models = {m["name"]: m for m in dbt["models"]}
    reasons = {x["object"]: x["reason"] for x in dbt["left_out"]}
    for name in ("daily_paid", "shop_slots"):
        assert name in models, (sorted(models), reasons)
        assert models[name]["build_status"] == "success", models[name]
        assert models[name]["verdict"] == "parity", (models[name], reasons)
        assert "vacuous" not in (models[name]["diff_summary"] or ""), models[name]
        sql = (project / f"dbt/models/marts/{name}.sql").read_text().lower()
        assert "generate_series" in sql and "while" not in sql
    # the start is a dbt var: past the bound, the guard of the conditional RETURN and the
    # series both give no row, as the original does
    assert "daily_paid__first_day" in (project / "dbt/dbt_project.yml").read_text()

    # a step that is not a constant (i := i * 2) has no series: said so, no model
    assert "doubling" not in models
    assert "i * 2" in reasons["doubling"] and "row by row" in reasons["doubling"], reasons
    # the original fails on the copy (the query gives varchar, the function declares char):
    # the reason carries PostgreSQL's DETAIL, and the model built is not counted as parity
    assert "cities" not in models or models["cities"]["verdict"] != "parity"
    assert "does not match function result type" in reasons["cities"], reasons
    assert "character varying" in reasons["cities"], reasons

    # the original, by hand, on the source (the run made no function there)
    with pg_connect(pg_db) as con:
        assert con.execute("SELECT count(*) FROM pg_proc WHERE proname = 'daily_paid'"
                           ).fetchone() == (0,)
        con.execute(ROUTINES)
        rows = con.execute("SELECT * FROM daily_paid('2024-01-01', '2024-01-05', 1) "
                           "ORDER BY 1").fetchall()
    assert [(str(d), None if p is None else float(p)) for d, p in rows] == [
        ("2024-01-01", 12.25), ("2024-01-02", None), ("2024-01-03", 2.5),
        ("2024-01-04", None), ("2024-01-05", None)]
