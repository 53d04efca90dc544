"""Procedures proven on a scratch copy of a real PostgreSQL source, never on the source:
the set-based rewrite (DuckDB) against the tables the procedure leaves on the copy; a hostile
procedure's writes land only in the copy; the copy is dropped afterwards."""

from __future__ import annotations

import pytest

from tests.integration.conftest import pg_connect
from tools import guard
from tools.db.registry import open_adapter
from tools.errors import CutoverError, SandboxViolation
from tools.procedures.parse import parse_routines
from tools.procedures.prove import prove_procedure

pytestmark = pytest.mark.integration

SEED = """
CREATE TABLE payments (id integer PRIMARY KEY, account_id integer NOT NULL,
                       amount numeric(10,2) NOT NULL, paid_on date NOT NULL);
CREATE TABLE accounts (id integer PRIMARY KEY, balance numeric(12,2) NOT NULL,
                       flagged boolean NOT NULL);
CREATE TABLE archive (id integer, amount numeric(10,2), note text);
CREATE SEQUENCE audit_seq;
INSERT INTO accounts VALUES (1, 100, false), (2, 250.5, false), (3, 0, true);
INSERT INTO payments VALUES (1, 1, 5, '2024-01-03'), (2, 1, 20, '2024-01-09'),
  (3, 2, 30.25, '2024-02-01'), (4, 3, 12, '2024-02-11'), (5, 2, 7.5, '2024-03-01');
INSERT INTO archive VALUES (99, 1, 'old');
"""

CLOSE_PERIOD = """
CREATE PROCEDURE close_period(p_min numeric, p_before date) LANGUAGE plpgsql AS $$
BEGIN
  CREATE TEMP TABLE settled AS
    SELECT id, account_id, amount FROM payments WHERE amount >= p_min AND paid_on < p_before;
  INSERT INTO archive (id, amount) SELECT id, amount FROM settled;
  UPDATE accounts SET balance = balance - 1, flagged = true
    WHERE id IN (SELECT account_id FROM settled);
  DELETE FROM payments WHERE id IN (SELECT id FROM settled);
  DROP TABLE settled;
END $$;
"""

HOSTILE = """
CREATE PROCEDURE tidy(p_min numeric) LANGUAGE plpgsql AS $$
BEGIN
  DELETE FROM payments WHERE amount < p_min;
  UPDATE accounts SET balance = 0;
  PERFORM setval('audit_seq', 999);
END $$;
"""


@pytest.fixture
def seeded(pg_db):
    with pg_connect(pg_db) as con:
        con.execute(SEED)
    return pg_db


def _snapshot(url: str) -> tuple:
    with pg_connect(url) as con:
        return (con.execute("SELECT * FROM payments ORDER BY id").fetchall(),
                con.execute("SELECT * FROM accounts ORDER BY id").fetchall(),
                con.execute("SELECT * FROM archive ORDER BY id").fetchall(),
                con.execute("SELECT last_value, is_called FROM audit_seq").fetchone())


def _scratch_databases(url: str) -> list[str]:
    with pg_connect(url) as con:
        return [r[0] for r in con.execute(
            "SELECT datname FROM pg_database WHERE datname LIKE 'cutover_scratch_%'")]


def test_a_procedure_rewritten_set_based_matches_what_it_leaves_on_a_scratch_copy(seeded):
    before = _snapshot(seeded)
    scratch_before = _scratch_databases(seeded)
    routine = parse_routines(CLOSE_PERIOD)[0]
    proof = prove_procedure(seeded, routine, {"p_min": "10", "p_before": "'2024-02-05'"})
    assert proof.verdict == "parity", proof
    by_table = {t.table: t for t in proof.tables}
    assert set(by_table) == {"archive", "accounts", "payments"}
    assert all(t.verdict == "parity" for t in proof.tables), proof.tables
    assert "{{ var('p_min') }}" in by_table["payments"].model_sql
    assert "CASE WHEN" in by_table["accounts"].target_sql.upper()
    # the source is as it was, and the scratch database is gone
    assert _snapshot(seeded) == before
    assert _scratch_databases(seeded) == scratch_before


def test_the_proof_can_fail_when_the_invocation_differs(seeded):
    """The rewrite bound to other values than the scratch run gives other tables."""
    routine = parse_routines(CLOSE_PERIOD)[0]
    ok = prove_procedure(seeded, routine, {"p_min": "10", "p_before": "'2024-02-05'"})
    table = next(t for t in ok.tables if t.table == "payments")
    source = open_adapter(seeded, "source")
    target = open_adapter("duckdb:///:memory:", "target")
    try:
        target.create_sandbox("s")
        target.create_table("payments", next(t for t in source.tables()
                                             if t["name"] == "payments")["columns"])
        for batch in source.read_batches("SELECT * FROM payments", batch_rows=100):
            target.append_arrow("payments", batch)
        wrong = target.read_arrow(table.target_sql.replace("10", "25"))
        right = target.read_arrow(table.target_sql)
    finally:
        source.close()
        target.close()
    assert wrong.num_rows != right.num_rows


def test_a_hostile_procedure_runs_only_on_the_scratch_copy(seeded):
    before = _snapshot(seeded)
    routine = parse_routines(HOSTILE)[0]
    # PERFORM is a side effect with no set-based form: unsupported, with the reason ...
    proof = prove_procedure(seeded, routine, {"p_min": "10"})
    assert proof.verdict == "unsupported" and "PERFORM" in (proof.reason or "")
    # ... and when it is run for its expected tables, it runs on a copy only.
    from tools.procedures.scratch import run_on_scratch

    without_side_effect = routine.source_sql.replace("PERFORM setval('audit_seq', 999);", "")
    source = open_adapter(seeded, "source")
    try:
        tables = [t for t in source.tables() if t["name"] in ("payments", "accounts")]
        # the side-effect function finds no sequence to touch: only the copied tables exist
        with pytest.raises(CutoverError, match="failed on the scratch copy.*audit_seq"):
            run_on_scratch(source, seeded, tables, routine.source_sql, "CALL tidy(10)",
                           ["payments", "accounts"])
        left = run_on_scratch(source, seeded, tables, without_side_effect, "CALL tidy(10)",
                              ["payments", "accounts"])
        with pytest.raises(SandboxViolation):
            source.execute("CALL tidy(10)")
        with pytest.raises(guard.GuardRefused):
            source.read_arrow("CALL tidy(10)")
    finally:
        source.close()
    assert left["payments"].num_rows == 3  # 5 and 7.5 deleted on the copy
    assert set(left["accounts"].column("balance").to_pylist()) == {0}
    assert _snapshot(seeded) == before  # source rows and its sequence untouched
    assert _scratch_databases(seeded) == []


# Declared IMMUTABLE as pure functions should be: the source guard lets a query call only the
# database's non-VOLATILE functions (a VOLATILE one may write).
FUNCTIONS = """
CREATE FUNCTION net(a numeric, rate numeric) RETURNS numeric LANGUAGE sql IMMUTABLE
  AS $$ SELECT round($1 * (1 - rate / 100), 2) $$;
CREATE FUNCTION band(p integer) RETURNS text LANGUAGE plpgsql IMMUTABLE
  AS $$ BEGIN RETURN CASE WHEN p > 10 THEN 'big' ELSE 'small' END; END $$;
CREATE FUNCTION half(a integer) RETURNS integer LANGUAGE sql IMMUTABLE AS $$ SELECT a / 2 $$;
CREATE FUNCTION whole(a double precision) RETURNS double precision LANGUAGE sql IMMUTABLE
  AS $$ SELECT round(a) $$;
CREATE FUNCTION counter(p integer) RETURNS integer LANGUAGE plpgsql
  AS $$ DECLARE x integer; BEGIN x := p + 1; RETURN x; END $$;
"""
CALLS = {"net": "net(CAST(x AS numeric) + 0.5, 15)", "band": "band(x)", "half": "half(x)",
         "whole": "whole(x + 0.5)"}


def test_functions_from_the_catalog_become_duckdb_macros_proven_by_the_differ(seeded):
    import duckdb

    from tools.diff.compare import compare
    from tools.procedures.functions import translate_function

    with pg_connect(seeded) as con:
        con.execute(FUNCTIONS)
    source = open_adapter(seeded, "source")
    try:
        routines = {r.name: r for d in source.routines() for r in parse_routines(d)}
        assert set(routines) == {"net", "band", "half", "whole", "counter"}
        translated = {n: translate_function(r, "postgres", "duckdb") for n, r in routines.items()}
        assert "procedural body" in (translated["counter"].unsupported or "")
        verdicts = {}
        for name, call in CALLS.items():
            expected = source.read_arrow(
                f"SELECT x, {call} AS y FROM generate_series(-3, 25) AS g(x) ORDER BY x")
            duck = duckdb.connect()
            duck.execute(translated[name].target_sql)
            got = duck.execute(f"SELECT x, {call} AS y FROM range(-3, 26) AS g(x) "
                               f"ORDER BY x").to_arrow_table()
            verdicts[name] = compare(expected, got, key=["x"]).verdict
    finally:
        source.close()
    # half(): integer division kept through the declared type. Two real traps the macro does not
    # repair yet, and the data says so: net() divides a DECIMAL in DuckDB as a DOUBLE (1.275
    # rounds to 1.27, PostgreSQL's exact numeric gives 1.28); whole() rounds a double half to
    # even on PostgreSQL (2.5 -> 2), away from zero on DuckDB.
    assert verdicts == {"net": "mismatch", "band": "parity", "half": "parity",
                        "whole": "mismatch"}
