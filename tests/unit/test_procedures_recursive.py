"""WHILE loops over scalar variables as recursive CTEs (tools/procedures/recursive.py), through
the scalar-function entry point (plan_functions: the codebase's query calling the function,
expanded), run on DuckDB and compared with what the loop gives when walked by hand; a loop
past the bound fails instead of stopping; shapes with no recursive form are refused."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest

from tools.dbt.functions import plan_functions
from tools.procedures.functions import translate_function
from tools.procedures.inline import Unsupported, inline_function
from tools.procedures.parse import parse_routines
from tools.procedures.recursive import BOUND

CORPUS = Path("/work/shared/benchmarks/sql_procbench/src_parrot_fixed/PLPgSQL/Scalar UDFs")
IS_LIST_DISTINCT = """
CREATE OR REPLACE FUNCTION isListDistinct(list TEXT, delim CHAR) RETURNS BOOL AS
$$
DECLARE
  part TEXT;
  pos  INT;
BEGIN
  list := LTRIM(RTRIM(list)) || delim;
  pos  := STRPOS(list, delim);
  WHILE pos > 0 LOOP
    part := LTRIM(RTRIM(LEFT(list,pos)));
    list := SUBSTRING(list, pos+1, LENGTH(list));
    IF STRPOS(list,part) <> 0 THEN
      RETURN FALSE;
    END IF;

    pos := STRPOS(list,delim);
  END LOOP;

  RETURN TRUE;
END
$$ LANGUAGE PLPGSQL;
"""
SCHEMA = {"lists": {"id": "int", "l": "text"}, "numbers": {"id": "int", "n": "int"}}


def _rows(functions: str, query: str, seed: str) -> list[tuple]:
    work = plan_functions(parse_routines(functions), {"q": {"source_sql": query}}, SCHEMA,
                          "postgres", "duckdb")
    assert not work.left_out and work.models, work.left_out
    model = work.models[0]  # each function's model is the first query calling it: this one
    assert "with recursive" in model.expanded_target.lower()
    con = duckdb.connect()
    con.execute(seed)
    return sorted(con.execute(model.expanded_target).fetchall())


def test_the_function_tested_here_is_the_corpus_own():
    """IS_LIST_DISTINCT is sudf_10 word for word (where the corpus is on the machine)."""
    def words(text: str) -> str:
        return " ".join(text.split()).lower()
    corpus = CORPUS / "sudf_10_isListDistinct.sql"
    assert not corpus.is_file() or words(IS_LIST_DISTINCT) in words(corpus.read_text())


def test_is_list_distinct_walks_the_list_as_postgresql_does():
    lists = {
        1: "a, b, c",             # distinct: TRUE after the whole walk
        2: "a, b, a",             # 'a,' comes again: FALSE at the first pass
        3: "Ward, William Ward",  # 'Ward,' is inside ' William Ward,': a substring match
        4: "William Ward, Ward",  # 'William Ward,' is not in ' Ward,': TRUE
        5: None,                  # NULL || ',' is NULL, STRPOS NULL: the loop never runs
        6: "",                    # ',' alone: one pass, nothing after it
        7: "x,, y",               # an empty part is ',' which the rest always has
        8: "  6, 98, 26, 3, 26 ",  # trimmed; '26,' at the third pass
        9: "6, 26",               # '6,' is inside ' 26,': FALSE
    }
    seed = "CREATE TABLE lists (id INTEGER, l TEXT);" + "".join(
        f"INSERT INTO lists VALUES ({i}, {'NULL' if v is None else repr(v)});"
        for i, v in lists.items())
    rows = _rows(IS_LIST_DISTINCT, "SELECT id, isListDistinct(l, ',') AS d FROM lists", seed)
    assert rows == [(1, True), (2, False), (3, False), (4, True), (5, True), (6, True),
                    (7, False), (8, False), (9, False)]


COLLATZ = """
CREATE FUNCTION collatz_steps(start int) RETURNS int LANGUAGE plpgsql AS $$
DECLARE n int; steps int := 0;
BEGIN
  n := start;
  IF n < 1 THEN RETURN -1; END IF;
  WHILE n <> 1 LOOP
    IF n % 2 = 0 THEN
      n := n / 2;
    ELSE
      n := 3 * n + 1;
    END IF;
    steps := steps + 1;
  END LOOP;
  RETURN steps * 10 + n;
END $$;
"""


def test_a_loop_without_return_inside_gives_each_variable_its_last_value():
    seed = ("CREATE TABLE numbers (id INTEGER, n INTEGER);"
            "INSERT INTO numbers VALUES (1, 1), (2, 6), (3, 27), (4, 0), (5, NULL);")
    rows = _rows(COLLATZ, "SELECT id, collatz_steps(n) AS s FROM numbers", seed)
    # 1: no step; 6: 6 3 10 5 16 8 4 2 1 (8 steps); 27: 111 steps; 0: the RETURN before the
    # loop; NULL: `n < 1` and `n <> 1` are NULL, so the loop does not run: 0 * 10 + NULL
    assert rows == [(1, 1), (2, 81), (3, 1111), (4, -1), (5, None)]


#: a LOOP whose EXIT WHEN comes last (also run on PostgreSQL by the integration test)
DIGITS = """
CREATE FUNCTION digits(start int) RETURNS int LANGUAGE plpgsql AS $$
DECLARE n int; d int := 0;
BEGIN
  n := start;
  LOOP
    n := n / 10;
    d := d + 1;
    EXIT WHEN n = 0;
  END LOOP;
  RETURN d;
END $$;
"""


def test_a_loop_with_exit_when_first_or_last_is_a_while_loop():
    functions = DIGITS + """
CREATE FUNCTION below(upto int) RETURNS int LANGUAGE plpgsql AS $$
DECLARE i int := 0; s int := 0;
BEGIN
  LOOP
    EXIT WHEN i >= upto;
    s := s + i;
    i := i + 1;
  END LOOP;
  RETURN s;
END $$;"""
    seed = ("CREATE TABLE numbers (id INTEGER, n INTEGER);"
            "INSERT INTO numbers VALUES (1, 0), (2, 7), (3, 123), (4, 4);")
    rows = _rows(functions, "SELECT id, digits(n) AS d, below(n) AS b FROM numbers", seed)
    # digits runs its body once before the test (0 has one digit); below tests first
    # (0 + 1 + 2 + 3 for 4; nothing for 0)
    assert rows == [(1, 1, 0), (2, 1, 21), (3, 3, 7503), (4, 1, 6)]


def test_a_loop_still_running_at_the_bound_fails_instead_of_stopping():
    functions = """
CREATE FUNCTION forever(start int) RETURNS int LANGUAGE plpgsql AS $$
DECLARE i int;
BEGIN
  i := start;
  WHILE i > 0 LOOP
    i := i + 1;
  END LOOP;
  RETURN i;
END $$;"""
    seed = "CREATE TABLE numbers (id INTEGER, n INTEGER); INSERT INTO numbers VALUES (1, 0);"
    assert _rows(functions, "SELECT id, forever(n) AS f FROM numbers", seed) == [(1, 0)]
    with pytest.raises(duckdb.Error, match=f"ends within {BOUND} passes"):
        _rows(functions, "SELECT id, forever(n) AS f FROM numbers",
              seed.replace("(1, 0)", "(1, 5)"))


@pytest.mark.parametrize("body, reason", [
    ("DECLARE i int := 0; BEGIN WHILE i < 3 LOOP i := i + 1; EXIT WHEN i = 2; i := i + 1; "
     "END LOOP; RETURN i; END", "EXIT"),
    ("DECLARE i int := 0; BEGIN LOOP i := i + 1; END LOOP; RETURN i; END", "never ends"),
    ("DECLARE i int := 0; j int; BEGIN WHILE i < 3 LOOP i := i + 1; "
     "WHILE j < 2 LOOP j := j + 1; END LOOP; END LOOP; RETURN i; END", "loop or block inside"),
    ("DECLARE i int := 0; BEGIN WHILE i < 3 LOOP UPDATE t SET x = i; i := i + 1; END LOOP; "
     "RETURN i; END", "UPDATE"),
    ("DECLARE i int := 0; BEGIN WHILE i < 3 LOOP RAISE NOTICE 'x'; END LOOP; RETURN i; END",
     "RAISE"),
    ("DECLARE i int := 0; BEGIN WHILE i < 3 LOOP NULL; END LOOP; RETURN i; END",
     "sets no variable"),
])
def test_loops_with_no_recursive_form_are_refused_with_the_reason(body, reason):
    routine = parse_routines(f"CREATE FUNCTION f() RETURNS int LANGUAGE plpgsql AS $$ {body} $$;")
    with pytest.raises(Unsupported, match=reason):
        inline_function(routine[0])


#: a WHILE loop feeding a refcursor's query (also run on PostgreSQL by the integration test)
HALVINGS = """
CREATE FUNCTION halvings(start int) RETURNS refcursor LANGUAGE plpgsql AS $$
DECLARE c refcursor := 'c'; n int; k int := 0;
BEGIN
  n := start;
  WHILE n > 1 LOOP
    n := n / 2;
    k := k + 1;
  END LOOP;
  OPEN c FOR SELECT k AS halvings, n AS rest;
  RETURN c;
END $$;
"""


def test_a_while_loop_setting_what_a_returned_query_reads():
    """A routine returning a query (here a refcursor) whose WHILE loop computes a value the
    query reads: the loop is the same recursive CTE, inside that query."""
    routine = parse_routines(HALVINGS)[0]
    done = translate_function(routine, "postgres", "duckdb")
    assert done.unsupported is None and done.kind == "query", done.unsupported
    con = duckdb.connect()
    # 37 -> 18 -> 9 -> 4 -> 2 -> 1: five halvings (integer division, as PostgreSQL)
    assert con.execute(done.bind(done.query_target, routine, {"start": "37"})).fetchall() == [
        (5, 1)]
    assert con.execute(done.bind(done.query_target, routine, {"start": "0"})).fetchall() == [
        (0, 0)]


def test_a_select_into_inside_the_loop_reads_a_row_per_pass():
    functions = """
CREATE FUNCTION first_gap(upto int) RETURNS int LANGUAGE plpgsql AS $$
DECLARE i int := 1; v int; total int := 0;
BEGIN
  WHILE i <= upto LOOP
    SELECT n INTO v FROM numbers WHERE id = i;
    IF NOT found THEN
      RETURN -i;
    END IF;
    total := total + v;
    i := i + 1;
  END LOOP;
  RETURN total;
END $$;"""
    seed = ("CREATE TABLE numbers (id INTEGER, n INTEGER);"
            "INSERT INTO numbers VALUES (1, 10), (2, 20), (3, 30), (5, 50);")
    rows = _rows(functions, "SELECT id, first_gap(id) AS g FROM numbers", seed)
    # upto 1: 10; 2: 30; 3: 60; 5: id 4 has no row, FOUND is false: -4
    assert rows == [(1, 10), (2, 30), (3, 60), (5, -4)]
