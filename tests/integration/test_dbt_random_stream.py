"""A procedure that draws random() through a helper procedure, through `cutover run` with the
dbt output on a real PostgreSQL source and DuckDB target: proven at parity under a shared
deterministic random stream (the original runs on its scratch copy with random() shadowed, the
model's `{{ cutover_random(k) }}` draws the same stream under the proof's var); the helper
alone becomes the row its CALL returns. A model whose
draw is off by one is caught as a mismatch, a draw in a data-driven loop stays refused, and
the source keeps no shadow schema, sequence or routine."""

from __future__ import annotations

import pytest

from tests.integration.conftest import pg_connect
from tests.support.projects import postgres_dbt_project

pytest.importorskip("dbt.cli.main")
pytestmark = pytest.mark.integration

SEED = """
CREATE TABLE tokens (id integer PRIMARY KEY, code varchar(8), label text, score integer);
INSERT INTO tokens VALUES (1, 'SEED', 'first', 0);
"""
ROUTINES = """
CREATE FUNCTION pick_char(chars varchar, rand float) RETURNS CHAR LANGUAGE plpgsql AS $$
DECLARE
  at int;
BEGIN
  at := floor(rand * length(chars) + 1);
  RETURN substr(chars, at, 1);
END $$;

CREATE PROCEDURE make_code(code INOUT varchar(8)) LANGUAGE plpgsql AS $$
DECLARE
  width int = 4;
  letters varchar(30);
BEGIN
  letters := 'ABCDEFGHIJKLMNOPQRSTUVWXYZ';
  code := '';
  WHILE LENGTH(code) < width LOOP
    code := code || pick_char(letters, random());
  END LOOP;
END $$;

CREATE PROCEDURE add_tokens(label_text text) LANGUAGE plpgsql AS $$
DECLARE
  c varchar(8);
  next_id int;
  r float;
BEGIN
  next_id := (SELECT max(id) + 1 FROM tokens);
  CALL make_code(c);
  INSERT INTO tokens VALUES (next_id, c, label_text, 0);
  r := random();
  INSERT INTO tokens VALUES (next_id + 1, c, label_text, floor(r * 1000));
  CALL make_code(c);
  INSERT INTO tokens VALUES (next_id + 2, c, label_text, 0);
END $$;

CREATE PROCEDURE scatter() LANGUAGE plpgsql AS $$
DECLARE
  t record;
BEGIN
  FOR t IN SELECT id FROM tokens LOOP
    UPDATE tokens SET score = floor(random() * 10) WHERE id = t.id;
  END LOOP;
END $$;
"""


def test_a_helper_drawing_random_is_proven_under_a_shared_stream(pg_db, tmp_path, run_project):
    import duckdb

    from tools.dbt.runner import dbt_build
    from tools.diff.compare import compare
    from tools.procedures.random_stream import PROOF_VAR, PROVEN_NOTE, stream_value

    with pg_connect(pg_db) as con:
        con.execute(SEED)
    project = postgres_dbt_project(tmp_path / "p", "tokens", pg_db, {
        "sql/routines.sql": ROUTINES}, config_extra="""
        [output.procedures.add_tokens]
        label_text = "'fresh'"
        [output.procedures.make_code]
        code = "''"
        """)

    dbt = run_project(project).report["dbt"]
    models = {m["name"]: m for m in dbt["models"]}
    reasons = {x["object"]: x["reason"] for x in dbt["left_out"]}
    model = models.get("add_tokens__tokens")
    assert model is not None, (sorted(models), reasons)
    assert model["build_status"] == "success", model
    assert model["verdict"] == "parity", (model, reasons)
    assert PROVEN_NOTE in model["diff_summary"], model

    # the model keeps real random() unless the proof's var is set: draws 1-4, 5, 6-9
    body = (project / "dbt/models/marts/add_tokens__tokens.sql").read_text()
    assert "{{ cutover_random(9) }}" in body and "cutover_random(10)" not in body, body
    macro = (project / "dbt/macros/cutover_random.sql").read_text()
    assert "RANDOM()" in macro and PROOF_VAR in macro, macro

    # a draw per row of a loop over the data: its number is unknowable, refused with why
    assert "scatter" not in {m.split("__")[0] for m in models}
    assert "loop whose number of passes depends on the data" in reasons["scatter"], reasons

    # the helper alone writes no table: its model is the row its CALL returns, its draws
    # numbered from 1, proven against `CALL make_code('')` under the same stream
    helper = models.get("make_code")
    assert helper is not None, (sorted(models), reasons)
    assert helper["verdict"] == "parity" and PROVEN_NOTE in helper["diff_summary"], helper

    # built without the var, the model draws real random values: not the stream's codes
    target = project / "data/target.duckdb"
    schema = dbt["schema"]

    def built() -> list[tuple]:
        con = duckdb.connect(str(target))
        try:
            return con.execute(f"SELECT id, code, label, score FROM {schema}.add_tokens__tokens "
                               f"ORDER BY id").fetchall()
        finally:
            con.close()

    proven = built()
    assert [r[0] for r in proven] == [1, 2, 3, 4], proven
    # by hand: the stream's draws 1-4 pick the first code's letters, draw 5 the score, as
    # PostgreSQL's original did on its copy (the diff said parity)
    letters = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
    assert proven[1][1] == "".join(letters[int(stream_value(k) * 26)] for k in range(1, 5))
    assert proven[2][3] == int(stream_value(5) * 1000), proven
    con = duckdb.connect(str(target))
    try:
        assert con.execute(f"SELECT code FROM {schema}.make_code").fetchall() == [
            (proven[1][1],)]
    finally:
        con.close()
    assert proven[1][1] != proven[3][1], proven  # two helper calls, two different codes
    assert 0 <= proven[2][3] < 1000

    # an off-by-one draw in the model is caught: rebuilt under the proof's var, it differs
    # from what the original left on the scratch copy (the proven build's rows)
    expected = duckdb.connect(str(target))
    try:
        expected_table = expected.execute(
            f"SELECT * FROM {schema}.add_tokens__tokens").to_arrow_table()
    finally:
        expected.close()
    mutated = body.replace("cutover_random(5)", "cutover_random(6)")
    assert mutated != body
    (project / "dbt/models/marts/add_tokens__tokens.sql").write_text(mutated)
    again = dbt_build(project / "dbt", {}, command="run", variables={PROOF_VAR: True})
    assert again.ok, again.log
    con = duckdb.connect(str(target))
    try:
        got = con.execute(f"SELECT * FROM {schema}.add_tokens__tokens").to_arrow_table()
    finally:
        con.close()
    assert compare(expected_table, got).verdict == "mismatch"

    # the source: no shadow schema, sequence or routine left, its table unchanged
    with pg_connect(pg_db) as con:
        assert con.execute("SELECT count(*) FROM pg_namespace WHERE nspname = "
                           "'cutover_random'").fetchone() == (0,)
        assert con.execute("SELECT count(*) FROM pg_class WHERE relkind = 'S'"
                           ).fetchone() == (0,)
        assert con.execute("SELECT count(*) FROM pg_proc WHERE proname IN ('make_code', "
                           "'add_tokens', 'pick_char', 'random') AND pronamespace <> "
                           "'pg_catalog'::regnamespace").fetchone() == (0,)
        assert con.execute("SELECT * FROM tokens").fetchall() == [(1, "SEED", "first", 0)]
