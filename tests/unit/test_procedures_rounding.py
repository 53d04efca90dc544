"""A loop adding into a fixed-point variable, which rounds at every step
(tools/procedures/rounding.py), through the public entry points (inline_function for a scalar
function, translate_function for one returning a cursor like SQL-ProcBench's custTotalLoss):
on DuckDB the model gives what the loop gives step by step (computed here by hand), and
where the row order would decide, the model raises its precondition instead of a value."""

from __future__ import annotations

import duckdb
import pytest

from tools.procedures.functions import translate_function
from tools.procedures.inline import PARAM, Unsupported, inline_function
from tools.procedures.parse import parse_routines

TOTAL = """
CREATE FUNCTION whole_total(start int) RETURNS int LANGUAGE plpgsql AS $$
DECLARE t int; a numeric(10,2);
BEGIN
  t := start;
  FOR a IN (SELECT v FROM terms) LOOP
    t := t + a;
  END LOOP;
  RETURN t;
END $$;
"""


def _total(values: list[str], start: int = 0):
    routine = parse_routines(TOTAL)[0]
    sql = inline_function(routine).sql(dialect="duckdb").replace(PARAM.format("start"),
                                                                 str(start))
    con = duckdb.connect()
    con.execute("CREATE TABLE terms (v DECIMAL(10,2))")
    for value in values:
        con.execute(f"INSERT INTO terms VALUES ({value})")
    return con.execute(f"SELECT {sql}").fetchone()[0]


def test_each_step_rounds_as_the_loop_does_not_once_at_the_end():
    # 0 + 0.5 -> 1; 1 + 1.5 = 2.5 -> 3; 3 + 2.25 -> 5; 5 + 3 = 8. One SUM would give 7.25 -> 7
    assert _total(["0.5", "1.5", "2.25", "3"]) == 8
    # all <= 0 from 0: -0.5 -> -1; -1 - 1.5 = -2.5 -> -3 (ties away from zero)
    assert _total(["-0.5", "-1.5"]) == -3
    # mixed signs but no tie: either order gives 1 (2.4 -> 2, 2 - 1.3 -> 1; -1.3 -> -1, 1.4 -> 1)
    assert _total(["2.4", "-1.3"]) == 1
    # mixed signs and a tie, but no total can go below 0 before the tie (-0.1 rounds to 0):
    # -0.1 -> 0, 0.5 -> 1; or 0.5 -> 1, 0.9 -> 1
    assert _total(["-0.1", "0.5"]) == 1
    # a negative tie from a positive start too small to matter: 2 - 4.5 = -2.5 -> -3, which
    # is 2 + round(-4.5); the check 2 + P (0) - 4.5 < 0 holds
    assert _total(["-4.5"], start=2) == -3
    assert _total([]) == 0 and _total([], start=7) == 7  # no row: the value before the loop


def test_a_null_term_makes_the_result_null_in_any_order():
    assert _total(["0.5", "NULL", "-3"]) is None


@pytest.mark.parametrize("values, start", [
    (["-3", "0.5"], 0),  # -3 first: -2.5 -> -3; 0.5 first: 1, then -2. The order decides
    (["-0.5"], 5),       # 5 - 0.5 = 4.5 -> 5, not 5 + round(-0.5) = 4: the total's sign
])
def test_where_the_order_or_the_totals_sign_decides_the_model_fails_loudly(values, start):
    with pytest.raises(duckdb.Error, match="precondition of this model does not hold: t "
                                           r"\(int\) rounds at each step"):
        _total(values, start)


def test_a_product_of_fixed_point_values_is_exact_and_rounded_per_step():
    routine = parse_routines(TOTAL.replace("t := t + a;", "t := t + a * 3;"))[0]
    sql = inline_function(routine).sql(dialect="duckdb").replace(PARAM.format("start"), "0")
    con = duckdb.connect()
    con.execute("CREATE TABLE terms (v DECIMAL(10,2)); INSERT INTO terms VALUES (0.5), (1.25)")
    # 0 + 1.5 -> 2; 2 + 3.75 = 5.75 -> 6 (one SUM: 5.25 -> 5)
    assert con.execute(f"SELECT {sql}").fetchone()[0] == 6


def test_a_term_of_no_known_scale_stays_refused():
    routine = parse_routines(TOTAL.replace("a numeric(10,2)", "a numeric"))[0]
    with pytest.raises(Unsupported, match="rounds at each step .* no known scale"):
        inline_function(routine)


CUST_TOTAL_LOSS = """
create function lossOf(returnReason char(100)) returns refcursor as $$
declare
  c3 refcursor := 'mycursor';
  orderNo int; item int; soldAmt decimal(7, 2); retCredit decimal(7, 2);
  totalCustLoss decimal(15, 0);
  c1 cursor is (select r_order, r_item, r_cash from web_returns);
  c2 cursor is (select r_order, r_item, r_cash from catalog_returns);
begin
  totalCustLoss := 0;
  open c1;
  fetch c1 into orderNo, item, retCredit;
  while found loop
    soldAmt := (select paid from web_sales where s_order = orderNo and s_item = item);
    totalCustLoss := totalCustLoss + soldAmt - retCredit;
    fetch c1 into orderNo, item, retCredit;
  end loop;
  close c1;
  open c2;
  fetch c2 into orderNo, item, retCredit;
  while found loop
    soldAmt := (select paid from catalog_sales where s_order = orderNo and s_item = item);
    totalCustLoss := totalCustLoss + soldAmt - retCredit;
    fetch c2 into orderNo, item, retCredit;
  end loop;
  close c2;
  open c3 for select totalCustLoss;
  return c3;
end; $$ language plpgsql;
"""
SALES = """
CREATE TABLE web_sales (s_order INT, s_item INT, paid DECIMAL(7,2));
CREATE TABLE catalog_sales (s_order INT, s_item INT, paid DECIMAL(7,2));
CREATE TABLE web_returns (r_order INT, r_item INT, r_cash DECIMAL(7,2));
CREATE TABLE catalog_returns (r_order INT, r_item INT, r_cash DECIMAL(7,2));
INSERT INTO web_sales VALUES (1, 1, 10.50), (1, 2, 3.25), (2, 1, 7.00);
INSERT INTO catalog_sales VALUES (5, 1, 20.00), (6, 1, 4.75);
INSERT INTO web_returns VALUES (1, 1, 0.00), (1, 2, 1.00), (2, 1, 0.50);
INSERT INTO catalog_returns VALUES (5, 1, 0.25), (6, 1, 0.25);
"""


def _loss(extra: str = ""):
    routine = parse_routines(CUST_TOTAL_LOSS)[0]
    done = translate_function(routine, "postgres", "duckdb")
    assert done.unsupported is None and done.kind == "query", done.unsupported
    con = duckdb.connect()
    con.execute(SALES + extra)
    return con.execute(done.bind(done.query_target, routine, {"returnreason": "'x'"})
                       ).fetchall()


def test_two_cursor_loops_into_a_decimal_15_0_like_cust_total_loss():
    # web: 10.50 -> 11 (tie, up); 11 + 2.25 -> 13; 13 + 6.50 = 19.5 -> 20
    # catalog: 20 + 19.75 = 39.75 -> 40; 40 + 4.50 = 44.5 -> 45. One SUM: 43.5 -> 44
    assert _loss() == [(45,)]


def test_cust_total_loss_fails_loudly_where_a_refund_exceeds_the_sale_with_a_tie():
    # a negative term next to ties at a decimal(15,0): the row order would decide
    with pytest.raises(duckdb.Error, match="totalcustloss .* rounds at each step"):
        _loss("INSERT INTO web_returns VALUES (2, 1, 30.00);")
    # ... unless a refund is NULL: the loop's total is NULL in any order
    assert _loss("INSERT INTO web_returns VALUES (2, 1, 30.00), (1, 1, NULL);") == [(None,)]
