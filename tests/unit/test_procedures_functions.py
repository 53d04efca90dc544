"""SQL functions as target objects (no server): macros DuckDB runs, queries a routine hands
back, and the procedural bodies that stay unsupported."""

from __future__ import annotations

import duckdb

from tools.procedures.functions import translate_function
from tools.procedures.parse import parse_routines


def _one(sql: str):
    return translate_function(parse_routines(sql)[0], "postgres", "duckdb")


def test_a_scalar_sql_function_becomes_a_typed_macro_and_a_dbt_macro():
    done = _one("CREATE FUNCTION half(a integer) RETURNS integer LANGUAGE sql "
                "AS $$ SELECT $1 / 2 $$;")
    assert done.kind == "scalar" and done.unsupported is None
    con = duckdb.connect()
    con.execute(done.target_sql)
    # PostgreSQL divides integers: 7 / 2 = 3, -7 / 2 = -3 (truncation, not floor)
    assert con.execute("SELECT half(7), half(-7)").fetchall() == [(3, -3)]
    assert done.dbt_macro.startswith("{% macro half(a) %}(") and "{{ a }}" in done.dbt_macro


def test_a_plpgsql_return_expression_is_a_macro_too():
    done = _one("CREATE FUNCTION band(p integer) RETURNS text LANGUAGE plpgsql AS $$ BEGIN "
                "RETURN CASE WHEN p > 10 THEN 'big' ELSE 'small' END; END $$;")
    con = duckdb.connect()
    con.execute(done.target_sql)
    assert con.execute("SELECT band(3), band(30), band(NULL)").fetchall() == [
        ("small", "big", "small")]


def test_a_routine_that_only_returns_a_query_becomes_that_query_with_vars():
    cursor = _one("create or replace function rr(lo int) returns refcursor AS $$ declare c1 "
                  "refcursor := 'mycursor'; begin open c1 for select r_reason_desc, count(*) "
                  "as cnt from reason where r_reason_sk > lo group by r_reason_desc; return c1;"
                  " end; $$ language plpgsql;")
    assert cursor.kind == "query" and cursor.unsupported is None
    assert "FROM reason" in cursor.target_sql and "{{ var('lo') }}" in cursor.target_sql
    table = _one("create function q(lo int) returns setof reason language plpgsql AS $$ begin "
                 "return query select * from reason where r_reason_sk > lo; end $$;")
    assert table.kind == "query" and "{{ var('lo') }}" in table.target_sql
    con = duckdb.connect()
    con.execute("CREATE TABLE reason AS SELECT range AS r_reason_sk, 'x' AS r_reason_desc "
                "FROM range(5)")
    rows = con.execute(table.target_sql.replace("{{ var('lo') }}", "2")).fetchall()
    assert sorted(r[0] for r in rows) == [3, 4]


def test_procedural_bodies_and_table_reading_scalars_are_unsupported_with_the_reason():
    loop = _one("CREATE FUNCTION f(p int) RETURNS int LANGUAGE plpgsql AS $$ DECLARE x int; "
                "BEGIN x := p; RETURN x; END $$;")
    assert "procedural body" in loop.unsupported and loop.target_sql is None
    lookup = _one("CREATE FUNCTION name_of(k int) RETURNS text LANGUAGE sql AS $$ "
                  "SELECT name FROM customers WHERE id = k $$;")
    assert "reads tables" in lookup.unsupported


def test_invocation_values_are_read_from_the_codebases_calls():
    from tools.dbt.procedures import invocations

    routines = parse_routines(
        "CREATE FUNCTION m(yr int, mon int) RETURNS refcursor LANGUAGE plpgsql AS $$ BEGIN "
        "RETURN QUERY SELECT 1; END $$; CREATE PROCEDURE p(who text) LANGUAGE plpgsql AS $$ "
        "BEGIN DELETE FROM t WHERE name = who; END $$; CREATE FUNCTION q(k int) RETURNS int "
        "LANGUAGE sql AS $$ SELECT k $$;")
    objects = {"a": {"source_sql": "select m(2001, -3);"},
               "b": {"source_sql": "CALL p('bob');"},
               "c": {"source_sql": "SELECT q(x) FROM t"}}  # not a literal: no value
    assert invocations(objects, routines, "postgres") == {
        "m": {"yr": "2001", "mon": "-3"}, "p": {"who": "'bob'"}}
