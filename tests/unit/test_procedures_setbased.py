"""Procedures parsed and rewritten set-based, checked on DuckDB without a server: the rewrite's
tables must equal what the same statements leave when DuckDB runs them one by one."""

from __future__ import annotations

import duckdb
import pytest
import sqlglot

from tools.procedures.parse import parse_routines
from tools.procedures.setbased import rewrite, with_params

SEED = """
CREATE TABLE payments (id INTEGER, account_id INTEGER, amount DECIMAL(10,2));
CREATE TABLE accounts (id INTEGER, balance DECIMAL(12,2), flagged BOOLEAN);
CREATE TABLE archive (id INTEGER, amount DECIMAL(10,2), note VARCHAR);
INSERT INTO payments VALUES (1, 1, 5), (2, 1, 20), (3, 2, 30.25), (4, 3, NULL), (5, 2, 7.5);
INSERT INTO accounts VALUES (1, 100, false), (2, 250.5, NULL), (3, 0, true);
INSERT INTO archive VALUES (99, 1, 'old');
"""
COLUMNS = {"payments": ["id", "account_id", "amount"], "accounts": ["id", "balance", "flagged"],
           "archive": ["id", "amount", "note"]}
PROCEDURE = """
CREATE OR REPLACE PROCEDURE settle(p_min numeric, p_note text DEFAULT 'auto')
LANGUAGE plpgsql AS $$
BEGIN
  CREATE TEMP TABLE settled AS SELECT id, account_id, amount FROM payments WHERE amount >= p_min;
  INSERT INTO archive (id, amount, note) SELECT id, amount, p_note FROM settled;
  UPDATE accounts a SET balance = balance - 1, flagged = true
    WHERE a.id IN (SELECT account_id FROM settled);
  DELETE FROM payments WHERE amount >= p_min OR amount IS NULL;
  UPDATE accounts SET flagged = false WHERE balance > 200;
  DROP TABLE settled;
END $$;
"""


def _rows(con, sql):
    return sorted(con.execute(sql).fetchall(), key=repr)


def test_parse_reads_name_params_defaults_language_and_body():
    routine = parse_routines(PROCEDURE + "\nSELECT 1;")[0]
    assert (routine.name, routine.kind, routine.language) == ("settle", "procedure", "plpgsql")
    assert [(p.name, p.type, p.default) for p in routine.params] == [
        ("p_min", "numeric", None), ("p_note", "text", "'auto'")]
    assert routine.body.strip().startswith("BEGIN") and routine.source_sql.startswith("CREATE")
    func = parse_routines("CREATE FUNCTION twice(a integer) RETURNS integer LANGUAGE sql "
                          "IMMUTABLE AS $$ SELECT a * 2 $$;")[0]
    assert (func.kind, func.returns, func.body.strip()) == ("function", "integer", "SELECT a * 2")


def test_the_rewrite_equals_running_the_statements_one_by_one():
    routine = parse_routines(PROCEDURE)[0]
    plan = rewrite(routine, COLUMNS)
    assert plan.unsupported is None
    assert set(plan.tables) == {"archive", "accounts", "payments"} and plan.temp_tables == [
        "settled"]
    values = {"p_min": "10", "p_note": "'auto'"}

    set_based = duckdb.connect()
    set_based.execute(SEED)
    got = {t: _rows(set_based, with_params(sqlglot.transpile(sql, read="postgres",
                                                             write="duckdb")[0],
                                           plan.params, values))
           for t, sql in plan.tables.items()}

    imperative = duckdb.connect()
    imperative.execute(SEED)
    body = routine.body.strip().removeprefix("BEGIN").rsplit("END", 1)[0]
    for name, value in values.items():
        body = body.replace(name, value)  # this test's names are unique words
    for statement in sqlglot.transpile(body, read="postgres", write="duckdb"):
        imperative.execute(statement)
    expected = {t: _rows(imperative, f"SELECT * FROM {t}") for t in plan.tables}
    assert got == expected
    untouched = duckdb.connect()
    untouched.execute(SEED)
    for table in plan.tables:  # every table really changed: the equality above is no accident
        assert expected[table] != _rows(untouched, f"SELECT * FROM {table}")


@pytest.mark.parametrize(("statement", "reason"), [
    ("EXECUTE 'DELETE FROM ' || t;", "dynamic SQL"),
    ("FOR r IN SELECT * FROM payments LOOP UPDATE accounts SET balance = 0; END LOOP;",
     "row by row"),
    ("PERFORM pg_notify('x', 'y');", "side effect"),
    ("RAISE EXCEPTION 'hi';", "RAISE EXCEPTION"),
    ("COMMIT;", "transaction control"),
    ("INSERT INTO archive SELECT id, amount, 'x' FROM payments ON CONFLICT (id) DO NOTHING;",
     "upsert"),
    ("UPDATE accounts SET balance = 0 FROM payments WHERE payments.account_id = accounts.id;",
     "join update"),
])
def test_what_has_no_set_based_form_is_unsupported_with_the_reason(statement, reason):
    routine = parse_routines(f"CREATE PROCEDURE p() LANGUAGE plpgsql AS $$ BEGIN "
                             f"DELETE FROM payments WHERE id = 1; {statement} END $$;")[0]
    plan = rewrite(routine, COLUMNS)
    assert plan.unsupported is not None and reason in plan.unsupported
    assert plan.tables == {}  # nothing half-converted is handed on


def test_a_procedure_in_another_language_is_unsupported():
    routine = parse_routines("CREATE PROCEDURE p() LANGUAGE plpython3u AS $$ pass $$;")[0]
    assert "not SQL" in (rewrite(routine, COLUMNS).unsupported or "")


def test_values_default_is_null_only_for_a_column_the_source_gives_no_default():
    """`VALUES (..., DEFAULT, ...)`: NULL where the source declares no default (what
    PostgreSQL inserts there); a column with one (a sequence, now()) stays unsupported."""
    routine = parse_routines("""
CREATE PROCEDURE add_archive(p_id int) LANGUAGE plpgsql AS $$
BEGIN
  IF NOT EXISTS (SELECT * FROM archive WHERE id = p_id) THEN
    INSERT INTO archive (id, amount, note) VALUES (p_id, DEFAULT, 'new');
  ELSE
    UPDATE archive SET note = 'seen' WHERE id = p_id;
  END IF;
END $$;""")[0]
    plan = rewrite(routine, COLUMNS, defaults={"payments": {"id"}})
    assert plan.unsupported is None
    con = duckdb.connect()
    con.execute(SEED)
    sql = sqlglot.transpile(with_params(plan.tables["archive"], plan.params, {"p_id": "7"}),
                            read="postgres", write="duckdb")[0]
    assert _rows(con, sql) == [(7, None, "new"), (99, 1, "old")]
    sql = sqlglot.transpile(with_params(plan.tables["archive"], plan.params, {"p_id": "99"}),
                            read="postgres", write="duckdb")[0]
    assert _rows(con, sql) == [(99, 1, "seen")]
    assert "DEFAULT for archive.amount" in rewrite(
        routine, COLUMNS, defaults={"archive": {"amount"}}).unsupported
    assert "DEFAULT for archive.amount" in rewrite(routine, COLUMNS).unsupported  # not known
