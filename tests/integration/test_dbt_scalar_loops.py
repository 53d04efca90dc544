"""Scalar functions whose loops are exact only as a recursive CTE or under a precondition,
through `cutover run` with the dbt output, PostgreSQL source and DuckDB target; each model is
diffed against the original function run on a scratch copy:
- SQL-ProcBench's isListDistinct (a WHILE loop walking a string: tools/procedures/recursive)
  over a table of lists, its trailing-delimiter substring match and NULLs included, and a
  LOOP ... EXIT WHEN counting digits with PostgreSQL's integer division (negatives too), and
  a WHILE loop computing what a refcursor's query returns;
- an integer total rounding each numeric(10,2) step, and a decimal(15,0) total over two
  cursor loops returned as a refcursor like custTotalLoss (tools/procedures/rounding): at
  parity on data where the order cannot matter, the model saying which precondition it
  checked; on data where it does (a tie and mixed signs), the model fails, never parity."""

from __future__ import annotations

import pytest

from tests.integration.conftest import pg_connect
from tests.support.projects import postgres_dbt_project
from tests.unit.test_procedures_recursive import DIGITS, HALVINGS, IS_LIST_DISTINCT

pytest.importorskip("dbt.cli.main")
pytestmark = pytest.mark.integration

SEED = """
CREATE TABLE lists (id integer PRIMARY KEY, l text);
INSERT INTO lists VALUES (1, 'a, b, c'), (2, 'a, b, a'), (3, 'Ward, William Ward'),
  (4, 'William Ward, Ward'), (5, NULL), (6, ''), (7, 'x,, y'), (8, '  6, 98, 26, 3, 26 '),
  (9, '6, 26'), (10, 'one'), (11, 'p, q, r, s, t, u, v, w, x, y, z, p');
CREATE TABLE accounts (id integer PRIMARY KEY);
CREATE TABLE payments (id integer PRIMARY KEY, account_id integer NOT NULL,
                       amount numeric(10,2));
INSERT INTO accounts VALUES (1), (2), (3), (4);
INSERT INTO payments VALUES (1, 1, 0.5), (2, 1, 1.5), (3, 1, 2.25), (4, 2, 10.5),
  (5, 2, NULL), (6, 3, -0.5), (7, 3, -1.5), (8, 1, 3);
CREATE TABLE numbers (id integer PRIMARY KEY, n integer);
INSERT INTO numbers VALUES (1, 0), (2, 7), (3, -12345), (4, 100), (5, 31);
CREATE TABLE adjustments (id integer PRIMARY KEY, amount numeric(10,2));
INSERT INTO adjustments VALUES (1, -3), (2, 0.5);
CREATE TABLE sales (s_order int, s_item int, paid numeric(7,2));
CREATE TABLE sale_returns (r_order int, r_item int, r_cash numeric(7,2));
INSERT INTO sales VALUES (1, 1, 10.50), (1, 2, 3.25), (2, 1, 7.00);
INSERT INTO sale_returns VALUES (1, 1, 0.00), (1, 2, 1.00), (2, 1, 0.50);
"""
ROUTINES = IS_LIST_DISTINCT + DIGITS + HALVINGS + """
CREATE FUNCTION paid_whole(acct int) RETURNS int LANGUAGE plpgsql AS $$
DECLARE t int := 0; a numeric(10,2);
BEGIN
  FOR a IN (SELECT amount FROM payments WHERE account_id = acct) LOOP
    t := t + a;
  END LOOP;
  RETURN t;
END $$;

CREATE FUNCTION net_whole() RETURNS int LANGUAGE plpgsql AS $$
DECLARE t int := 0; a numeric(10,2);
BEGIN
  FOR a IN (SELECT amount FROM adjustments) LOOP
    t := t + a;
  END LOOP;
  RETURN t;
END $$;

create function lossOf(returnReason char(100)) returns refcursor as $$
declare
  c3 refcursor := 'mycursor';
  orderNo int; item int; soldAmt decimal(7, 2); retCredit decimal(7, 2);
  total decimal(15, 0);
  c1 cursor is (select r_order, r_item, r_cash from sale_returns);
begin
  total := 0;
  open c1;
  fetch c1 into orderNo, item, retCredit;
  while found loop
    soldAmt := (select paid from sales where s_order = orderNo and s_item = item);
    total := total + soldAmt - retCredit;
    fetch c1 into orderNo, item, retCredit;
  end loop;
  close c1;
  open c3 for select total;
  return c3;
end; $$ language plpgsql;
"""
CALLS = """
SELECT id, isListDistinct(l, ',') AS distinct_parts FROM lists;
SELECT id, paid_whole(id) AS whole FROM accounts;
SELECT id, digits(n) AS d FROM numbers;
SELECT net_whole() AS net;
"""


def test_string_walks_and_rounded_totals_at_parity_and_order_dependence_refused(
        pg_db, tmp_path, run_project):
    with pg_connect(pg_db) as con:
        con.execute(SEED)
    project = postgres_dbt_project(tmp_path / "p", "scalar_loops", pg_db, {
        "sql/routines.sql": ROUTINES + CALLS}, config_extra="""
        [output.procedures.lossof]
        returnreason = "'x'"
        [output.procedures.halvings]
        start = 37
        """)

    dbt = run_project(project).report["dbt"]
    models = {m["name"]: m for m in dbt["models"]}
    reasons = {x["object"]: x["reason"] for x in dbt["left_out"]}
    for name in ("islistdistinct__invocation", "paid_whole__invocation", "lossof",
                 "digits__invocation", "halvings"):
        assert name in models, (sorted(models), reasons)
        assert models[name]["build_status"] == "success", models[name]
        assert models[name]["verdict"] == "parity", (models[name], reasons)
        assert "vacuous" not in (models[name]["diff_summary"] or ""), models[name]
    macro = (project / "dbt/macros/islistdistinct.sql").read_text().lower()
    assert "with recursive" in macro and "end loop" not in macro
    assert models["islistdistinct__invocation"]["precondition"] is not None  # the bound
    # the rounded totals say what they were checked under
    for name in ("paid_whole__invocation", "lossof"):
        assert "rounds at each step" in models[name]["precondition"], models[name]

    # adjustments -3 and 0.5 into an int: -3 first gives -3, 0.5 first gives -2. The
    # original picks one by its scan order; the model fails instead of agreeing by luck
    assert "net_whole__invocation" not in models, models.get("net_whole__invocation")
    assert "precondition of this model does not hold" in reasons["net_whole"], reasons
