"""WHILE loops that only count, as a series (tools/procedures/counted.py): the rows a table
function returns per step, checked on DuckDB against the values the loop takes by hand, and the
shapes that are not a count refused with the reason."""

from __future__ import annotations

import duckdb
import pytest

from tools.procedures.functions import translate_function
from tools.procedures.parse import parse_routines

SEED = """
CREATE TABLE sales (shop INTEGER, sold_on DATE, amount DECIMAL(10,2));
INSERT INTO sales VALUES (1, DATE '2024-01-01', 5), (1, DATE '2024-01-01', 7.25),
                         (1, DATE '2024-01-03', 2.5), (2, DATE '2024-01-02', 100);
"""


def _function(body: str, params: str = "upto int", returns: str = "TABLE(n int)"):
    text = (f"CREATE FUNCTION f({params}) RETURNS {returns} LANGUAGE plpgsql AS $$\n"
            f"{body}\n$$;")
    (routine,) = parse_routines(text)
    return routine, translate_function(routine, "postgres", "duckdb")


def _rows(routine, done, values: dict[str, str]) -> list[tuple]:
    con = duckdb.connect()
    con.execute(SEED)
    return sorted(con.execute(done.bind(done.query_target, routine, values)).fetchall(),
                  key=str)


def test_an_integer_count_with_a_strict_bound_and_an_if():
    routine, done = _function("""
DECLARE i int := 2;
BEGIN
  WHILE i < upto LOOP
    IF i % 3 <> 0 THEN
      RETURN QUERY SELECT i * 10;
    END IF;
    i := i + 1;
  END LOOP;
END""")
    assert done.unsupported is None, done.unsupported
    # i = 2, 3, 4, 5, 6 (< 7), without the multiples of 3
    assert _rows(routine, done, {"upto": "7"}) == [(20,), (40,), (50,)]
    assert _rows(routine, done, {"upto": "2"}) == []  # the loop does not run
    assert _rows(routine, done, {"upto": "NULL"}) == []  # NULL < x is not true


def test_a_date_count_reads_tables_per_day_and_a_bare_return_guards_what_follows():
    routine, done = _function("""
DECLARE total numeric(12,2);
BEGIN
  IF d > last THEN
    RETURN;
  END IF;
  WHILE d <= last LOOP
    total := (SELECT sum(amount) FROM sales WHERE sold_on = d AND shop = 1);
    RETURN QUERY SELECT d, total;
    d := (d + interval '1 day')::date;
  END LOOP;
END""", params="d date, last date", returns="TABLE(day date, paid numeric)")
    assert done.unsupported is None, done.unsupported
    got = _rows(routine, done, {"d": "DATE '2024-01-01'", "last": "DATE '2024-01-03'"})
    assert [(str(day), None if paid is None else float(paid)) for day, paid in got] == [
        ("2024-01-01", 12.25), ("2024-01-02", None), ("2024-01-03", 2.5)]
    assert _rows(routine, done, {"d": "DATE '2024-01-04'", "last": "DATE '2024-01-03'"}) == []


@pytest.mark.parametrize(("body", "said"), [
    ("DECLARE i int := 1; BEGIN WHILE i <= upto LOOP RETURN QUERY SELECT i; i := i * 2; "
     "END LOOP; END", "i * 2"),
    ("DECLARE i int := 1; BEGIN WHILE i <= upto LOOP RETURN QUERY SELECT i; "
     "upto := upto - 1; i := i + 1; END LOOP; END", "changes inside the loop"),
    ("DECLARE i int := 9; BEGIN WHILE i >= upto LOOP RETURN QUERY SELECT i; i := i + 1; "
     "END LOOP; END", "<= / <"),
    ("DECLARE i int := 1; BEGIN WHILE i <= upto LOOP i := i + 1; RETURN QUERY SELECT i; "
     "END LOOP; END", "does not step"),
    ("DECLARE i int := 1; BEGIN WHILE i <= upto LOOP RETURN QUERY SELECT i; i := i + 1; "
     "i := i + 1; END LOOP; END", "twice"),
])
def test_loops_that_are_not_a_count_are_refused_with_the_reason(body, said):
    _, done = _function(body)
    assert done.unsupported is not None and said in done.unsupported, done.unsupported
