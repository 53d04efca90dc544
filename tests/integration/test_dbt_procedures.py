"""`cutover run` with the dbt output on a real PostgreSQL source: a view, a procedure from the
codebase and one from the catalog ([source] include) become models dbt builds on DuckDB,
each proven — the procedures against what they leave on a scratch copy, never on the source."""

from __future__ import annotations

import textwrap

import pytest
import yaml

from cutover import views
from tests.integration.conftest import pg_connect
from tests.support.projects import write_files

pytest.importorskip("dbt.cli.main")
pytestmark = pytest.mark.integration

SEED = """
CREATE TABLE payments (id integer PRIMARY KEY, account_id integer NOT NULL,
                       amount numeric(10,2) NOT NULL);
CREATE TABLE accounts (id integer PRIMARY KEY, balance numeric(12,2) NOT NULL);
CREATE TABLE archive (id integer, amount numeric(10,2));
INSERT INTO accounts VALUES (1, 100), (2, 250.5), (3, 0);
INSERT INTO payments VALUES (1, 1, 5), (2, 1, 20), (3, 2, 30.25), (4, 3, 12), (5, 2, 7.5);
CREATE PROCEDURE charge_fee(p_fee numeric) LANGUAGE plpgsql AS $$
BEGIN
  UPDATE accounts SET balance = balance - p_fee WHERE balance > 50;
END $$;
CREATE FUNCTION rich_accounts(p_min numeric) RETURNS SETOF accounts LANGUAGE plpgsql AS $$
BEGIN
  RETURN QUERY SELECT id, balance FROM accounts WHERE balance >= p_min;
END $$;
CREATE FUNCTION accounts_from(p_min numeric) RETURNS refcursor LANGUAGE plpgsql AS $$
DECLARE c1 refcursor := 'from_cursor';
BEGIN
  IF NOT EXISTS (SELECT * FROM accounts WHERE balance >= p_min) THEN
    RAISE EXCEPTION 'no account holds %', p_min;
  ELSE
    OPEN c1 FOR SELECT id AS account, balance FROM accounts WHERE balance >= p_min;
  END IF;
  RETURN c1;
END $$;
CREATE FUNCTION accounts_over(p_min numeric) RETURNS refcursor LANGUAGE plpgsql AS $$
DECLARE c1 refcursor := 'over_cursor';
BEGIN
  IF NOT EXISTS (SELECT * FROM accounts WHERE balance >= p_min) THEN
    RAISE EXCEPTION 'no account holds %', p_min;
  ELSE
    OPEN c1 FOR SELECT id AS account, balance FROM accounts WHERE balance >= p_min;
  END IF;
  RETURN c1;
END $$;
CREATE FUNCTION fee_of(amount numeric) RETURNS numeric LANGUAGE sql AS $$ SELECT amount * 2 $$;
CREATE PROCEDURE noisy() LANGUAGE plpgsql AS $$
BEGIN
  RAISE NOTICE 'side effect';
END $$;
"""
FILES = {
    "sql/views.sql": "CREATE VIEW big_payments AS SELECT id, account_id, amount FROM payments "
                     "WHERE amount >= 10;",
    "sql/procs.sql": """
        CREATE PROCEDURE archive_small(p_max numeric) LANGUAGE plpgsql AS $$
        BEGIN
          INSERT INTO archive (id, amount) SELECT id, amount FROM payments WHERE amount < p_max;
          DELETE FROM payments WHERE amount < p_max;
        END $$;
        """,
}


def test_procedures_become_dbt_models_proven_on_a_scratch_copy(pg_db, tmp_path, run_project):
    with pg_connect(pg_db) as con:
        con.execute(SEED)
    project = tmp_path / "p"
    write_files(project, FILES)
    (project / "cutover.toml").write_text(textwrap.dedent(f"""
        [project]
        name = "bank"
        codebase = ["sql/**/*.sql"]
        [source]
        url = "{pg_db}"
        allow_privileged = true  # the test made this database, as a role that writes
        include = ["procedures", "functions"]
        [target]
        url = "duckdb:///data/target.duckdb"
        [output]
        format = "dbt"
        [output.procedures.archive_small]
        p_max = 10
        [output.procedures.charge_fee]
        p_fee = "2.5"
        [output.procedures.rich_accounts]
        p_min = 50
        [output.procedures.accounts_from]
        p_min = 100
        [output.procedures.accounts_over]
        p_min = 1000
        """), encoding="utf-8")
    with pg_connect(pg_db) as con:
        before = con.execute("SELECT * FROM payments ORDER BY id").fetchall(), con.execute(
            "SELECT * FROM accounts ORDER BY id").fetchall()

    outcome = run_project(project)
    dbt = outcome.report["dbt"]
    models = {m["name"]: m for m in dbt["models"]}
    proven = ("big_payments", "archive_small__archive", "archive_small__payments",
              "charge_fee__accounts", "rich_accounts")
    assert set(proven) <= set(models), sorted(models)
    for name in proven:
        assert models[name]["build_status"] == "success", models[name]
        assert models[name]["verdict"] == "parity", models[name]
    reasons = {x["object"]: x["reason"] for x in dbt["left_out"]}
    assert "writes no table" in reasons["noisy"]  # RAISE NOTICE only: nothing to build
    # an IF chain around a refcursor, proven by fetching the original's cursor on the copy
    assert models["accounts_from"]["verdict"] == "parity", models["accounts_from"]
    # the same where the original raises: the model (no rows) is built, never at parity
    assert models["accounts_over"]["verdict"] == "skipped", models["accounts_over"]
    assert "no account holds 1000" in reasons["accounts_over"]
    assert all(m["build_status"] == "success" for m in dbt["models"]), dbt["build_log"]
    assert dbt["ok"] is False  # accounts_over is built but unproven: not every model proven
    # the procedure's own object (not a query: the run said unsupported) takes its models'
    # verdict, with their proof, and the counts follow
    procs = next(o for o in outcome.report["objects"] if "archive_small" in o["source_sql"])
    assert procs["verdict"] == "parity" and procs["error"] is None, procs
    assert procs["diff_artifact"].startswith("artifacts/dbt_archive_small__")
    verdicts = [o["verdict"] for o in outcome.report["objects"]]
    assert outcome.report["counts"]["parity"] == verdicts.count("parity")
    project_yml = yaml.safe_load((project / "dbt" / "dbt_project.yml").read_text())
    # one var per routine's parameter: two routines with a `p` would not collide
    assert project_yml["vars"] == {"archive_small__p_max": "10", "charge_fee__p_fee": "2.5",
                                   "rich_accounts__p_min": "50", "accounts_from__p_min": "100",
                                   "accounts_over__p_min": "1000"}
    assert "{% macro fee_of(amount) %}" in (project / "dbt/macros/fee_of.sql").read_text()
    body = (project / "dbt/models/marts/charge_fee__accounts.sql").read_text()
    assert "{{ var('charge_fee__p_fee') }}" in body and "{{ ref('stg_bank__accounts') }}" in body
    assert "password" not in (project / "dbt" / "profiles.yml").read_text()
    with pg_connect(pg_db) as con:  # the source is as it was; no scratch database is left
        after = con.execute("SELECT * FROM payments ORDER BY id").fetchall(), con.execute(
            "SELECT * FROM accounts ORDER BY id").fetchall()
        left = con.execute("SELECT count(*) FROM pg_database "
                           "WHERE datname LIKE 'cutover_scratch_%'").fetchone()
    assert after == before and left == (0,)


def test_the_dbt_output_builds_with_dbt_postgres_on_a_postgresql_target(pg_db, tmp_path,
                                                                         run_project):
    """SQLite source -> PostgreSQL target: dbt-postgres builds the project, the password only
    ever in the process environment, never in profiles.yml."""
    from tests.support.projects import make_project

    project = make_project(tmp_path / "p", {"sql/v.sql": """
        CREATE VIEW city_orders AS SELECT c.city, COUNT(*) AS n FROM orders o
          JOIN customers c ON c.id = o.customer_id GROUP BY c.city;
        CREATE TABLE big AS SELECT id, qty FROM orders WHERE qty > 2;
        """}, target=pg_db, config_extra='[output]\nformat = "dbt"\n')
    dbt = run_project(project).report["dbt"]
    assert dbt["adapter"] == "postgres" and dbt["ok"], dbt
    assert {m["name"]: m["verdict"] for m in dbt["models"] if m["layer"] != "staging"} == {
        "city_orders": "parity", "big": "parity"}
    profile = yaml.safe_load((project / "dbt/profiles.yml").read_text())["cutover"]
    output = profile["outputs"]["cutover"]
    assert output["type"] == "postgres"
    assert output["password"] == "{{ env_var('CUTOVER_DBT_PASSWORD', '') }}"


HALVING = """
CREATE TABLE stock (id integer PRIMARY KEY, qty integer NOT NULL);
CREATE TABLE halves (id integer, half integer);
INSERT INTO stock VALUES (1, 7), (2, 8), (3, -5), (4, 1);
"""
HALVING_FILES = {"sql/procs.sql": """
    CREATE PROCEDURE halve_stock(p_min integer) LANGUAGE plpgsql AS $$
    BEGIN
      INSERT INTO halves (id, half) SELECT id, qty / 2 FROM stock WHERE qty >= p_min;
    END $$;
    CALL halve_stock(-10);
    """}


def test_the_dbt_fixer_mends_a_procedure_model_and_no_dbt_schema_outlives_the_run(
        pg_db, tmp_path, run_project):
    """PostgreSQL's int / int truncates, DuckDB's `/` does not: the translated model differs
    from what the procedure left on the scratch copy, and the fixer's integer-division rule
    (chosen from the diff) makes it match. keep_sandbox = false: neither the run's sandbox nor
    the `<sandbox>_dbt` schema dbt built in is left on the target."""
    import duckdb

    with pg_connect(pg_db) as con:
        con.execute(HALVING)
    project = tmp_path / "p"
    write_files(project, HALVING_FILES)
    (project / "cutover.toml").write_text(textwrap.dedent(f"""
        [project]
        name = "depot"
        codebase = ["sql/**/*.sql"]
        [source]
        url = "{pg_db}"
        allow_privileged = true
        [target]
        url = "duckdb:///data/target.duckdb"
        [run]
        keep_sandbox = false
        [output]
        format = "dbt"
        """), encoding="utf-8")

    outcome = run_project(project)
    dbt = outcome.report["dbt"]
    models = {m["name"]: m for m in dbt["models"]}
    assert models["halve_stock__halves"]["verdict"] == "parity", models
    # the procedure and the CALL beside it are proven by that model: the run is all at parity
    assert len(outcome.report["objects"]) == 2 and all(
        o["verdict"] == "parity" for o in outcome.report["objects"]), outcome.report["objects"]
    assert views.all_at_parity(outcome.typed_report)  # `cutover run` exits 0
    body = (project / "dbt/models/marts/halve_stock__halves.sql").read_text()
    assert "//" in body, body  # the fixer's rewrite is what dbt built
    doc = yaml.safe_load((project / "dbt/models/marts/halve_stock__halves.yml").read_text())
    assert "Fixed by rules: typed_source_duckdb.integer_division" in doc["models"][0][
        "description"]
    # (not read_only: dbt-duckdb's in-process instance of the file may still be cached)
    con = duckdb.connect(str(project / "data/target.duckdb"))
    try:
        schemas = {s for (s,) in con.execute(
            "SELECT schema_name FROM information_schema.schemata").fetchall()}
    finally:
        con.close()
    assert not {s for s in schemas if s.startswith("cutover_")}, schemas
