"""Loops folded into aggregates (tools/procedures/aggify), on DuckDB without a server: each
function's expression, run over a small table, must give what the loop gives row by row
(computed here by hand), and each shape with no order-free aggregate form must say why."""

from __future__ import annotations

import duckdb
import pytest

from tools.procedures.inline import PARAM, Unsupported, inline_function
from tools.procedures.parse import parse_routines

SEED = """
CREATE TABLE payments (id INTEGER, account_id INTEGER, amount DECIMAL(10,2));
INSERT INTO payments VALUES (1, 1, 5), (2, 1, 20), (3, 2, 30.25), (4, 3, NULL), (5, 2, 7.5),
                            (6, 3, 4);
"""


def _value(body: str, params: str = "", args: dict[str, str] | None = None):
    routine = parse_routines(f"CREATE FUNCTION f({params}) RETURNS numeric LANGUAGE plpgsql "
                             f"AS $$ {body} $$;")[0]
    sql = inline_function(routine).sql(dialect="duckdb")
    for name, value in (args or {}).items():
        sql = sql.replace(PARAM.format(name), value)
    con = duckdb.connect()
    con.execute(SEED)
    return con.execute(f"SELECT {sql}").fetchone()[0]


ARGMIN = """
DECLARE acct int; paid numeric; low numeric := 1000; who int := -1;
  c1 CURSOR FOR (SELECT account_id, sum(amount) FROM payments GROUP BY account_id);
BEGIN
  OPEN c1;
  FETCH c1 INTO acct, paid;
  WHILE found LOOP
    IF low > paid THEN low := paid; who := acct; END IF;
    FETCH c1 INTO acct, paid;
  END LOOP;
  CLOSE c1;
  RETURN who * 10000 + low;
END"""


def test_argmin_over_a_cursor_walk():
    # sums: account 1 = 25, 2 = 37.75, 3 = 4 (NULL ignored by sum) -> account 3 with 4
    assert _value(ARGMIN) == 30004


def test_argmin_keeps_the_value_before_the_loop_when_no_row_beats_it():
    assert _value(ARGMIN.replace("low numeric := 1000", "low numeric := 1")) == -10000 + 1


def test_a_sum_under_if_with_a_per_row_local_and_a_null_row():
    body = """DECLARE t numeric := 0; a numeric(10,2); half numeric;
    BEGIN
      FOR a IN (SELECT amount FROM payments WHERE account_id = acct) LOOP
        half := a / 2;
        IF half > 2 THEN t := t + half - 1; END IF;
      END LOOP;
      RETURN t;
    END"""
    # account 1: halves 2.5, 10 -> (2.5 - 1) + (10 - 1) = 10.5; account 3: NULL row's IF is
    # not taken (NULL > 2 is not true), 4 / 2 = 2 is not > 2 -> 0
    assert _value(body, "acct int", {"acct": "1"}) == 10.5
    assert _value(body, "acct int", {"acct": "3"}) == 0


def test_a_null_term_makes_the_sum_null_as_plpgsql_does():
    body = """DECLARE t numeric := 0; a numeric(10,2);
    BEGIN
      FOR a IN (SELECT amount FROM payments WHERE account_id = acct) LOOP t := t + a; END LOOP;
      RETURN t;
    END"""
    assert _value(body, "acct int", {"acct": "3"}) is None
    assert _value(body, "acct int", {"acct": "2"}) == 37.75
    assert _value(body, "acct int", {"acct": "9"}) == 0  # no row: the value before the loop


@pytest.mark.parametrize("body, reason", [
    ("DECLARE s text := ''; a text; BEGIN FOR a IN (SELECT 'x') LOOP s := s || a; END LOOP; "
     "RETURN s; END", "concatenation"),
    ("DECLARE t int := 0; a numeric; BEGIN FOR a IN (SELECT amount FROM payments) LOOP "
     "t := t + a; END LOOP; RETURN t; END", "rounds at each step"),
    ("DECLARE a numeric; BEGIN FOR a IN (SELECT amount FROM payments) LOOP NULL; END LOOP; "
     "RETURN a; END", "after the loop"),
    ("DECLARE t numeric := 0; a numeric; BEGIN FOR a IN (SELECT amount FROM payments) LOOP "
     "t := t + a; t := t + 1; END LOOP; RETURN t; END", "folded twice"),
    ("DECLARE t numeric := 0; BEGIN WHILE t < 3 LOOP t := t + 1; EXIT; t := t + 1; END LOOP; "
     "RETURN t; END", "WHILE loop"),
])
def test_loops_with_no_order_free_aggregate_are_unsupported_with_the_reason(body, reason):
    with pytest.raises(Unsupported, match=reason):
        _value(body)


def test_a_variable_read_before_the_fold_that_changes_it_is_state_not_an_aggregate():
    body = """DECLARE t numeric := 0; seen numeric := 0; a numeric;
    BEGIN
      FOR a IN (SELECT amount FROM payments) LOOP
        seen := t * 2;
        t := t + a;
      END LOOP;
      RETURN t;
    END"""
    with pytest.raises(Unsupported, match="carries from one row to the next"):
        _value(body)


def test_a_sum_written_term_first_is_the_same_fold():
    body = """DECLARE t numeric := 0; a numeric(10,2);
    BEGIN
      FOR a IN (SELECT amount FROM payments WHERE amount IS NOT NULL) LOOP
        t := a * 2 + t;
      END LOOP;
      RETURN t;
    END"""
    # 2 * (5 + 20 + 30.25 + 7.5 + 4)
    assert _value(body) == 133.5
