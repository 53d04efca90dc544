"""Procedural bodies turned into set-based SQL, checked on DuckDB against hand-run semantics:
scalar functions inlined as one expression (variables, SELECT INTO, IF/ELSIF/RETURN), procedures
with variables and IF guards, a conditional RETURN guarding what follows, and per-procedure
dbt vars."""

from __future__ import annotations

import duckdb
import sqlglot

from tools.dbt.functions import plan_functions
from tools.procedures.inline import Unsupported, inline_function
from tools.procedures.parse import parse_routines
from tools.procedures.setbased import rewrite, with_params

SEED = """
CREATE TABLE payments (id INTEGER, account_id INTEGER, amount DECIMAL(10,2));
CREATE TABLE accounts (id INTEGER, balance DECIMAL(12,2), flagged BOOLEAN);
INSERT INTO payments VALUES (1, 1, 5), (2, 1, 20), (3, 2, 30.25), (4, 3, NULL), (5, 2, 7.5);
INSERT INTO accounts VALUES (1, 100, false), (2, 250.5, NULL), (3, 0, true), (4, 9, false);
"""
SCHEMA = {"payments": {"id": "int", "account_id": "int", "amount": "decimal(10,2)"},
          "accounts": {"id": "int", "balance": "decimal(12,2)", "flagged": "bool"}}
COLUMNS = {t: list(c) for t, c in SCHEMA.items()}

GRADE = """
CREATE FUNCTION grade(acct int) RETURNS text LANGUAGE plpgsql AS $$
DECLARE
  top decimal(10,2);
  n int;
BEGIN
  SELECT max(amount), count(*) INTO top, n FROM payments WHERE account_id = acct;
  IF n = 0 THEN
    RETURN 'none';
  ELSIF top > 10 THEN
    RETURN 'big:' || n;
  END IF;
  IF top IS NULL THEN RETURN 'unknown'; END IF;
  RETURN 'small';
END $$;
"""


def _con():
    con = duckdb.connect()
    con.execute(SEED)
    return con


def test_a_scalar_function_becomes_one_expression_with_the_same_results():
    routines = parse_routines(GRADE)
    objects = {"q": {"source_sql": "SELECT id, grade(id) FROM accounts"}}
    work = plan_functions(routines, objects, SCHEMA, "postgres", "duckdb")
    assert not work.left_out and len(work.models) == 1
    model = work.models[0]
    assert "grade(" not in model.expanded_target.lower() and set(model.tables) == {
        "accounts", "payments"}
    rows = sorted(_con().execute(model.expanded_target).fetchall())
    # account 1: max 20 > 10, 2 payments; 2: 30.25; 3: one NULL amount; 4: no payment at all
    assert rows == [(1, "big:2"), (2, "big:2"), (3, "unknown"), (4, "none")]
    assert "grade" in work.macros and "{% macro grade(acct) %}" in work.macros["grade"]


def test_the_callers_columns_are_not_captured_by_the_functions_own_tables():
    """The argument `id` is the caller's accounts.id, even though the function reads a table
    that has an `id` column too."""
    routines = parse_routines("""
CREATE FUNCTION paid(id_in int) RETURNS decimal LANGUAGE plpgsql AS $$
DECLARE s decimal; BEGIN
  s := (SELECT sum(amount) FROM payments p, accounts a WHERE p.account_id = a.id AND a.id = id_in);
  RETURN s;
END $$;""")
    objects = {"q": {"source_sql": "SELECT a.id, paid(a.id) AS total FROM accounts a"}}
    work = plan_functions(routines, objects, SCHEMA, "postgres", "duckdb")
    rows = sorted(_con().execute(work.models[0].expanded_target).fetchall())
    assert [(i, float(t) if t is not None else None) for i, t in rows] == [
        (1, 25.0), (2, 37.75), (3, None), (4, None)]


def test_loops_and_random_are_not_claimed():
    loop = parse_routines("""CREATE FUNCTION f(n int) RETURNS int LANGUAGE plpgsql AS $$
DECLARE i int := 0; BEGIN FOR i IN 1..n LOOP NULL; END LOOP; RETURN i; END $$;""")[0]
    try:
        inline_function(loop)
        raise AssertionError("a loop was inlined")
    except Unsupported as exc:
        assert "loop" in str(exc).lower()
    rand = parse_routines("""CREATE FUNCTION r() RETURNS int LANGUAGE plpgsql AS $$
BEGIN RETURN floor(random() * 10); END $$;""")
    work = plan_functions(rand, {"q": {"source_sql": "SELECT r()"}}, SCHEMA, "postgres",
                          "duckdb")
    assert not work.models and "nondeterministic" in work.left_out[0]["reason"]


PROCEDURE = """
CREATE PROCEDURE settle(acct int, fee numeric) LANGUAGE plpgsql AS $$
DECLARE
  total decimal(12,2);
BEGIN
  IF NOT EXISTS (SELECT 1 FROM accounts WHERE id = acct) THEN
    RAISE NOTICE 'no account %', acct;
    RETURN;
  END IF;
  total := (SELECT sum(amount) FROM payments WHERE account_id = acct);
  IF total > 20 THEN
    UPDATE accounts SET balance = balance - fee, flagged = true WHERE id = acct;
  ELSE
    UPDATE accounts SET balance = balance + total WHERE id = acct;
  END IF;
  DELETE FROM payments WHERE account_id = acct;
END $$;
"""


def _imperative(acct: int, fee: str) -> dict[str, list]:
    """What the procedure does, run by hand in DuckDB for one invocation."""
    con = _con()
    exists = con.execute(f"SELECT count(*) FROM accounts WHERE id = {acct}").fetchone()[0]
    if exists:
        total = con.execute(f"SELECT sum(amount) FROM payments WHERE account_id = {acct}"
                            ).fetchone()[0]
        if total is not None and total > 20:
            con.execute(f"UPDATE accounts SET balance = balance - {fee}, flagged = true "
                        f"WHERE id = {acct}")
        else:
            added = "NULL" if total is None else total
            con.execute(f"UPDATE accounts SET balance = balance + {added} "
                        f"WHERE id = {acct}")
        con.execute(f"DELETE FROM payments WHERE account_id = {acct}")
    return {t: sorted(con.execute(f"SELECT * FROM {t}").fetchall(), key=repr)
            for t in ("accounts", "payments")}


def test_variables_if_branches_and_a_conditional_return_rewrite_set_based():
    routine = parse_routines(PROCEDURE)[0]
    plan = rewrite(routine, COLUMNS)
    assert plan.unsupported is None, plan.unsupported
    for acct, fee in ((2, "1.5"), (1, "2"), (4, "3"), (99, "1")):
        con = _con()
        got = {t: sorted(con.execute(with_params(
            sqlglot.transpile(sql, read="postgres", write="duckdb")[0], plan.params,
            {"acct": str(acct), "fee": fee})).fetchall(), key=repr)
            for t, sql in plan.tables.items()}
        assert got == _imperative(acct, fee), (acct, fee)
    assert _imperative(2, "1.5") != _imperative(99, "1")  # the invocations differ for real


def test_each_procedures_parameters_are_their_own_dbt_vars():
    a = rewrite(parse_routines(PROCEDURE)[0], COLUMNS)
    sql = with_params(a.tables["accounts"], a.params, None, "settle")
    assert "{{ var('settle__acct') }}" in sql and "{{ var('acct') }}" not in sql


def test_a_returned_query_of_variables_keeps_their_names_as_columns():
    """`OPEN c FOR SELECT m1, m2; RETURN c;` gives columns m1 and m2 in PostgreSQL: the
    expressions put in the variables' place keep those names (two `max(amount)` subqueries
    would otherwise both be called `max`, and the diff could not tell them apart)."""
    from tools.procedures.inline import inline_query

    routine = parse_routines("""
CREATE FUNCTION tops(acct int) RETURNS refcursor LANGUAGE plpgsql AS $$
DECLARE c1 refcursor := 'c'; m1 decimal(10,2); m2 decimal(10,2);
BEGIN
  m1 := (SELECT max(amount) FROM payments WHERE account_id = acct);
  m2 := (SELECT max(amount) FROM payments WHERE account_id = acct + 1);
  OPEN c1 FOR SELECT m1, m2, acct AS who;
  RETURN c1;
END $$;""")[0]
    query = inline_query(routine).sql(dialect="duckdb").replace("__cutover_arg_acct__", "1")
    cursor = _con().execute(query)
    assert [d[0] for d in cursor.description] == ["m1", "m2", "who"]
    assert [tuple(float(v) for v in row) for row in cursor.fetchall()] == [(20.0, 30.25, 1.0)]


TOP_PAYER = """
CREATE FUNCTION top_payer() RETURNS char(8) LANGUAGE plpgsql AS $$
DECLARE who char(8); big decimal(10,2);
BEGIN
  SELECT account_id, amount INTO who, big FROM payments ORDER BY amount DESC NULLS LAST LIMIT 1;
  RETURN who;
END $$;
CREATE FUNCTION scaled(x int, k int) RETURNS int LANGUAGE plpgsql AS $$
BEGIN RETURN x * k; END $$;
"""


def test_a_function_no_query_calls_is_invoked_with_given_values_and_shows_its_padding():
    """No query of the codebase calls these: `SELECT f(...)` is the invocation, from the
    values given in [output.procedures.<f>] (none needed for top_payer). top_payer returns a
    char(8) variable, which PostgreSQL shows padded to 8 ('2       '): the model pads it too.
    scaled has no value for k: left out, saying where to give one."""
    routines = parse_routines(TOP_PAYER)
    work = plan_functions(routines, {}, SCHEMA, "postgres", "duckdb",
                          given={"scaled": {"x": "6"}})
    by_name = {m.routine.name: m for m in work.models}
    assert set(by_name) == {"top_payer"}
    assert by_name["top_payer"].invocation == "SELECT top_payer() AS top_payer"
    assert _con().execute(by_name["top_payer"].expanded_target).fetchall() == [("2       ",)]
    reason = {x["object"]: x["reason"] for x in work.left_out}["scaled"]
    assert "[output.procedures.scaled]" in reason and "(x, k)" in reason
    work = plan_functions(routines, {}, SCHEMA, "postgres", "duckdb",
                          given={"scaled": {"x": "6", "k": "7"}})
    scaled = {m.routine.name: m for m in work.models}["scaled"]
    assert _con().execute(scaled.expanded_target).fetchall() == [(42,)]


PICK = """
CREATE FUNCTION pick(acct int, mode char(1)) RETURNS refcursor LANGUAGE plpgsql AS $$
DECLARE c1 refcursor := 'c';
BEGIN
  IF mode = 'p' THEN
    IF NOT EXISTS (SELECT * FROM payments WHERE account_id = acct) THEN
      RAISE EXCEPTION 'no payments';
    ELSE
      OPEN c1 FOR SELECT id AS v FROM payments WHERE account_id = acct;
    END IF;
  ELSIF mode = 'a' THEN
    OPEN c1 FOR SELECT id AS v FROM accounts WHERE id >= acct;
  END IF;
  RETURN c1;
END $$;
"""


def test_an_if_chain_around_the_returned_query_keeps_each_branch_where_it_holds():
    """Each branch's query where its condition holds, glued by UNION ALL: the rows equal what
    PostgreSQL's cursor gives for each invocation; a raising branch gives no rows."""
    from tools.procedures.inline import inline_query

    query = inline_query(parse_routines(PICK)[0]).sql(dialect="duckdb")

    def rows(acct: str, mode: str) -> list[int]:
        bound = query.replace("__cutover_arg_acct__", acct).replace("__cutover_arg_mode__",
                                                                    mode)
        return sorted(v for (v,) in _con().execute(bound).fetchall())

    assert rows("2", "'p'") == [3, 5]
    assert rows("3", "'a'") == [3, 4]
    assert rows("9", "'p'") == []  # PostgreSQL raises 'no payments' here
    assert rows("1", "NULL") == []  # no branch opens the cursor


def test_a_function_whose_body_is_another_functions_call_expands_through_it():
    """`RETURN doubled(x)`: the body is a call itself, expanded in turn (it used to stay a
    call, and the function was left out as 'calls doubled after expansion')."""
    routines = parse_routines("""
CREATE FUNCTION doubled(x int) RETURNS int LANGUAGE plpgsql AS $$ BEGIN RETURN x * 2; END $$;
CREATE FUNCTION quadrupled(y int) RETURNS int LANGUAGE plpgsql AS $$
BEGIN RETURN doubled(doubled(y)); END $$;
""")
    objects = {"q": {"source_sql": "SELECT id, quadrupled(id) AS q FROM accounts"}}
    work = plan_functions(routines, objects, SCHEMA, "postgres", "duckdb")
    model = {m.routine.name: m for m in work.models}["quadrupled"]
    assert "doubled(" not in model.expanded_target.lower()
    assert sorted(_con().execute(model.expanded_target).fetchall()) == [
        (1, 4), (2, 8), (3, 12), (4, 16)]


def test_unnamed_calls_in_a_returned_query_are_named_as_postgresql_names_them():
    """PostgreSQL calls `count(*)` `count` (DuckDB: `count_star()`); the diff matches columns
    by name, so the model names them PostgreSQL's way."""
    from tools.procedures.functions import translate_function

    routine = parse_routines("""
CREATE FUNCTION per_account() RETURNS refcursor LANGUAGE plpgsql AS $$
DECLARE c1 refcursor := 'c';
BEGIN
  OPEN c1 FOR SELECT account_id, count(*), max(amount) FROM payments GROUP BY account_id;
  RETURN c1;
END $$;""")[0]
    done = translate_function(routine, "postgres", "duckdb")
    cursor = _con().execute(done.query_target)
    assert [d[0] for d in cursor.description] == ["account_id", "count", "max"]


def test_a_setof_composite_function_returns_its_branches_query_under_the_types_names():
    """RETURN QUERY in IF branches and no final RETURN: the body's end returns the rows; the
    columns are named by the CREATE TYPE the function returns a SETOF (as PostgreSQL's
    `SELECT * FROM f(...)` names them)."""
    from tools.procedures.functions import composite_types, translate_function

    types = composite_types(["CREATE TYPE paid_row AS (who int, total decimal(12,2))"])
    routine = parse_routines("""
CREATE FUNCTION paid_by(mode char(1)) RETURNS SETOF paid_row AS $$
BEGIN
  IF mode = 'a' THEN
    RETURN QUERY (SELECT account_id, sum(amount) FROM payments GROUP BY account_id);
  ELSIF mode = 'p' THEN
    RETURN QUERY (SELECT id, amount FROM payments WHERE amount > 10);
  END IF;
END $$ LANGUAGE plpgsql;""")[0]
    done = translate_function(routine, "postgres", "duckdb", types)
    assert done.unsupported is None, done.unsupported

    def run(mode: str) -> tuple[list[str], list[tuple]]:
        cursor = _con().execute(done.bind(done.query_target, routine, {"mode": mode}))
        return [d[0] for d in cursor.description], sorted(
            (w, float(t) if t is not None else None) for w, t in cursor.fetchall())

    assert run("'p'") == (["who", "total"], [(2, 20.0), (3, 30.25)])
    assert run("'a'")[1] == [(1, 25.0), (2, 37.75), (3, None)]
    assert run("'x'")[1] == []
