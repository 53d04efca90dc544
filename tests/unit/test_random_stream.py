"""The shared deterministic random stream, DuckDB side: the stream's SQL gives the same float8
bits as its definition, the dbt macro renders the stream under the proof's var and the
engine's random() otherwise, and draws are numbered through helper CALLs, counted loops and
branches, or refused with the reason where the number depends on the data."""

from __future__ import annotations

import re

import duckdb
import jinja2
import pytest
import sqlglot

from tools.procedures.parse import parse_routines
from tools.procedures.random_stream import (
    MACRO,
    PROOF_VAR,
    HelperOnly,
    NotNumbered,
    bind_draws,
    macro,
    number_draws,
    shadow_session,
    stream_sql,
    stream_value,
)
from tools.procedures.setbased import rewrite, with_params

HELPERS = """
CREATE FUNCTION pick(chars varchar, rand float) RETURNS CHAR LANGUAGE plpgsql AS $$
BEGIN
  RETURN substr(chars, floor(rand * length(chars) + 1)::int, 1);
END $$;

CREATE FUNCTION pick_text(chars varchar, rand float) RETURNS text LANGUAGE plpgsql AS $$
BEGIN
  RETURN substr(chars, floor(rand * length(chars) + 1)::int, 1);
END $$;

CREATE PROCEDURE code3(s INOUT varchar(8)) LANGUAGE plpgsql AS $$
DECLARE
  n int = 3;
BEGIN
  s := '';
  WHILE LENGTH(s) < n LOOP
    s := s || pick('XYZ', random());
  END LOOP;
END $$;

CREATE PROCEDURE unbounded(s INOUT varchar(8)) LANGUAGE plpgsql AS $$
BEGIN
  s := '';
  WHILE LENGTH(s) < 3 LOOP
    s := s || pick_text('XYZ', random());
  END LOOP;
END $$;
"""
COLUMNS = {"t": ["id", "code", "score"]}


def _routines(body: str) -> list:
    return parse_routines(HELPERS + body)


def _drawn(body: str):
    routines = _routines(body)
    return number_draws(routines[-1], routines)


def _draws(sql: str) -> list[int]:
    return [int(k) for k in re.findall(r"(?i)cutover_draw\((\d+)\)", sql)]


def test_the_stream_sql_gives_the_definitions_float_bits_on_duckdb():
    rows = duckdb.sql(f"SELECT k, {stream_sql('k')} FROM range(1, 20001) t(k) ORDER BY k"
                      ).fetchall()
    assert all(value == stream_value(k) and 0 <= value < 1 for k, value in rows)
    assert len({value for _, value in rows}) == len(rows)  # no repeats in the first 20,000


def test_the_macro_is_the_stream_only_under_the_proofs_var():
    text = macro("duckdb")

    def render(proof: bool) -> str:
        env = jinja2.Environment()
        env.globals["var"] = lambda name, default=None: proof if name == PROOF_VAR else default
        return env.from_string(text + "{{ " + MACRO + "(7) }}").render().strip()

    assert render(False) == "RANDOM()"
    proven = render(True)
    assert duckdb.sql(f"SELECT {proven}").fetchone() == (stream_value(7),)
    # the model's text carries the macro; the proof's bound text the stream itself
    assert bind_draws("SELECT cutover_draw(3)", proof=False) == \
        "SELECT {{ cutover_random(3) }}"
    assert duckdb.sql(bind_draws("SELECT CUTOVER_DRAW(3)", proof=True)).fetchone() == (
        stream_value(3),)


def test_nested_calls_and_a_counted_loop_take_consecutive_draws():
    drawn = _drawn("""
    CREATE PROCEDURE fill(p int) LANGUAGE plpgsql AS $$
    DECLARE
      c varchar(8);
      r float;
    BEGIN
      CALL code3(c);
      INSERT INTO t VALUES (p, c, 0);
      r := random();
      CALL code3(c);
      INSERT INTO t VALUES (p + 1, c, floor(r * 10));
    END $$;""")
    assert drawn.draws == 7
    plan = rewrite(drawn.routine, COLUMNS)
    assert plan.unsupported is None, plan.unsupported
    sql = plan.tables["t"]
    assert sorted(set(_draws(sql))) == [1, 2, 3, 4, 5, 6, 7], sql
    # the helper and the function it calls are created on the scratch copy, callee first
    assert [d.split("(")[0].split()[-1] for d in drawn.helpers] == ["pick", "code3"]
    # proving binds the stream, the model keeps the macro
    bound = with_params(sql, plan.params, {"p": "10"})
    model = with_params(sql, plan.params, None, "fill")
    assert "cutover_draw" not in bound.lower() and "{{ cutover_random(7) }}" in model
    con = duckdb.connect()
    con.execute("CREATE TABLE t (id int, code varchar, score int)")
    query = sqlglot.transpile(bound, read="postgres", write="duckdb")[0]
    codes = con.execute(f"SELECT code FROM ({query}) ORDER BY id").fetchall()
    first = "".join("XYZ"[int(stream_value(k) * 3)] for k in (1, 2, 3))
    second = "".join("XYZ"[int(stream_value(k) * 3)] for k in (5, 6, 7))
    assert codes == [(first,), (second,)]


def test_branches_that_draw_alike_keep_the_count():
    drawn = _drawn("""
    CREATE PROCEDURE pick_one(p int) LANGUAGE plpgsql AS $$
    DECLARE
      c varchar(8);
    BEGIN
      IF p > 0 THEN
        CALL code3(c);
      ELSE
        CALL code3(c);
        c := lower(c);
      END IF;
      INSERT INTO t VALUES (p, c, floor(random() * 10));
    END $$;""")
    sql = rewrite(drawn.routine, COLUMNS).tables["t"]
    assert sorted(set(_draws(sql))) == [1, 2, 3, 4]


@pytest.mark.parametrize(("body", "why"), [
    ("""IF p > 0 THEN CALL code3(c); END IF;
        INSERT INTO t VALUES (p, c, floor(random() * 10));""", "branches that draw a different"),
    ("""FOR i IN 1..p LOOP INSERT INTO t VALUES (i, 'a', floor(random() * 10)); END LOOP;""",
     "loop whose number of passes depends on the data"),
    ("""IF random() > 0.5 THEN INSERT INTO t VALUES (p, 'a', 0); END IF;""", "IF condition"),
    ("""INSERT INTO t VALUES (p, 'a', floor(pg_catalog.random() * 10));""", "schema-qualified"),
    ("""CALL unbounded(c); INSERT INTO t VALUES (p, c, 0);""", "not a counted one"),
    ("""INSERT INTO t SELECT id + p, code, floor(random() * 10) FROM t;""", "per row of a query"),
    ("""UPDATE t SET score = floor(random() * 10);""", "per row of an UPDATE"),
    ("""INSERT INTO t VALUES (p, 'a', CASE WHEN p > 0 THEN floor(random() * 10) END);""",
     "under a condition"),
])
def test_a_draw_whose_number_depends_on_the_data_is_refused(body, why):
    with pytest.raises(NotNumbered, match=why):
        _drawn(f"""
        CREATE PROCEDURE refused(p int) LANGUAGE plpgsql AS $$
        DECLARE
          c varchar(8);
        BEGIN
          {body}
        END $$;""")


def test_a_helper_alone_writes_no_table_and_says_its_draws_are_inlined():
    routines = _routines("")
    code3 = next(r for r in routines if r.name == "code3")
    with pytest.raises(HelperOnly, match="writes no table.*3 draws"):
        number_draws(code3, routines)


def test_the_shadow_comes_before_pg_catalog_and_the_scratch_schema_first():
    session = shadow_session(["CREATE PROCEDURE x() ..."], "scratch")
    path = next(s for s in session if s.startswith("SET search_path"))
    assert path == "SET search_path = scratch, cutover_random, pg_catalog, public"
    assert session[-1] == "CREATE PROCEDURE x() ..."


def test_the_procbench_verdict_says_how_it_was_proven():
    from evals.procbench import score
    from tools.procedures.random_stream import PROVEN_NOTE

    dbt = {"models": [{"name": "newwarehouse__warehouse", "layer": "marts", "verdict": "parity",
                       "diff_summary": f"parity: 6 vs 6 rows; {PROVEN_NOTE}"}],
           "left_out": []}
    (case,) = score(dbt, [("proc36_newWarehouse", "procedure", "newwarehouse")])
    assert case["outcome"] == "parity" and case["reason"] == PROVEN_NOTE


def test_a_sixteen_draw_string_stays_shallow_enough_for_the_guard():
    """A string of 16 draws through an expanded function: balanced concatenation and no
    redundant parentheses keep it within what the read-only guard's parser reads (the
    guard fails closed on a statement that nests too deeply)."""
    from tools import sql as sqltools
    from tools.guard import check_read_only

    wide = HELPERS.replace("n int = 3", "n int = 16")
    routines = parse_routines(wide + """
    CREATE PROCEDURE stamp(p int) LANGUAGE plpgsql AS $$
    DECLARE
      c varchar(16);
    BEGIN
      CALL code3(c);
      INSERT INTO t VALUES (p, c, 0);
      CALL code3(c);
      INSERT INTO t VALUES (p + 1, c, 0);
    END $$;""")
    drawn = number_draws(routines[-1], routines)
    assert drawn.draws == 32
    plan = rewrite(drawn.routine, COLUMNS)
    translated = sqltools.transpile(plan.tables["t"], "postgres", "duckdb", "stamp")
    bound = with_params(translated, plan.params, {"p": "1"})
    check_read_only(bound, "duckdb", side="target")  # raises GuardRefused when too deep
    con = duckdb.connect()
    con.execute("CREATE TABLE t (id int, code varchar, score int)")
    codes = [c for (c,) in con.execute(f"SELECT code FROM ({bound}) ORDER BY id").fetchall()]
    assert codes == ["".join("XYZ"[int(stream_value(k) * 3)] for k in range(first, first + 16))
                     for first in (1, 17)]
