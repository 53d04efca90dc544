"""The reason a procedure is left out names what the original itself cannot do: a cursor over
a table function that no routine of the codebase defines (SQL-ProcBench's activatePromoCat
calls `bestPromosCatalog()`; the function is `bestPromoCatalog`) fails on the source too."""

from __future__ import annotations

from tools.dbt.procedures import prepare
from tools.procedures.parse import parse_routines

CODE = """
CREATE FUNCTION best_promos() RETURNS TABLE(promo_sk int) LANGUAGE plpgsql AS $$
BEGIN RETURN QUERY SELECT p_promo_sk FROM promotion; END $$;

CREATE PROCEDURE activate_{which}() LANGUAGE plpgsql AS $$
DECLARE
  sk int;
  c1 CURSOR FOR (SELECT promo_sk FROM {called}());
BEGIN
  OPEN c1;
  FETCH c1 INTO sk;
  WHILE found LOOP
    UPDATE promotion SET p_discount_active = 'Y' WHERE p_promo_sk = sk;
    FETCH c1 INTO sk;
  END LOOP;
END $$;
"""
CATALOG = {"promotion": {"name": "promotion", "columns": [
    {"name": "p_promo_sk"}, {"name": "p_discount_active"}]}}


def _reason(called: str) -> str:
    routines = parse_routines(CODE.format(which="x", called=called))
    work = prepare(routines, CATALOG, "postgres")
    (left,) = [x for x in work.left_out if x["object"] == "activate_x"]
    return left["reason"]


def test_a_table_function_no_routine_defines_is_said_to_fail_on_the_source():
    reason = _reason("best_promoss")
    assert "best_promoss" in reason and "fails on the source too" in reason, reason


def test_a_known_table_function_keeps_the_plain_reason():
    reason = _reason("best_promos")
    assert "does not expand" in reason and "fails on the source" not in reason, reason
