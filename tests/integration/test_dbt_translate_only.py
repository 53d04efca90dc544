"""`cutover run` with the dbt output to translate-only targets (T-SQL, Oracle): a PostgreSQL
source's view, insert-select, PL/pgSQL procedures (codebase and catalog), a table function and
scalar functions become the whole dbt project in the target's dialect, written and never built:
every model `skipped` saying why, no scratch copy made, the source untouched. A MariaDB
source's MySQL routine goes to T-SQL the same way."""

from __future__ import annotations

import re
import textwrap
from pathlib import Path

import jinja2
import pytest
import sqlglot
import yaml

from tests.integration.conftest import mysql_connect, pg_connect
from tests.support.cli import cutover
from tests.support.projects import write_files

pytest.importorskip("dbt.cli.main")
pytestmark = pytest.mark.integration

SEED = """
CREATE TABLE payments (id integer PRIMARY KEY, account_id integer NOT NULL,
                       amount numeric(10,2) NOT NULL);
CREATE TABLE accounts (id integer PRIMARY KEY, balance numeric(12,2) NOT NULL);
CREATE TABLE archive (id integer, amount numeric(10,2));
CREATE TABLE ledger (id integer PRIMARY KEY, amount numeric(10,2));
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
CREATE FUNCTION fee_of(amount numeric) RETURNS numeric LANGUAGE sql AS $$ SELECT amount * 2 $$;
"""
FILES = {
    "sql/views.sql": """
        CREATE VIEW top_payments AS SELECT id, amount FROM payments ORDER BY amount DESC LIMIT 3;
        CREATE VIEW top_ids AS SELECT id FROM top_payments;
        CREATE VIEW by_balance AS SELECT id, balance FROM accounts ORDER BY balance;
        INSERT INTO ledger (id, amount) SELECT id, amount FROM payments WHERE amount > 10;
        SELECT id, tax_of(amount) AS tax FROM payments;
        """,
    "sql/procs.sql": """
        CREATE PROCEDURE archive_small(p_max numeric) LANGUAGE plpgsql AS $$
        BEGIN
          INSERT INTO archive (id, amount) SELECT id, amount FROM payments WHERE amount < p_max;
          DELETE FROM payments WHERE amount < p_max;
        END $$;
        CREATE FUNCTION tax_of(p_amount numeric) RETURNS numeric LANGUAGE plpgsql AS $$
        BEGIN
          IF p_amount > 10 THEN RETURN p_amount * 0.2; END IF;
          RETURN 0;
        END $$;
        CREATE PROCEDURE shout(p_table text) LANGUAGE plpgsql AS $$
        BEGIN
          EXECUTE 'TRUNCATE ' || p_table;
        END $$;
        """,
}
CONFIG = """
    [project]
    name = "bank"
    codebase = ["sql/**/*.sql"]
    [source]
    url = "{source}"
    allow_privileged = true  # the test made this database, as a role that writes
    include = ["procedures", "functions"]
    [target]
    url = "{target}"
    [output]
    format = "dbt"
    [output.procedures.archive_small]
    p_max = 10
    [output.procedures.charge_fee]
    p_fee = "2.5"
    [output.procedures.rich_accounts]
    p_min = 50
    """


def rendered(model: Path) -> str:
    """The model's SQL as dbt would hand it to the engine: config() dropped, ref() /
    source() as table names, var() as its default, a macro call as its body's text."""
    env = jinja2.Environment(undefined=jinja2.StrictUndefined)
    project = model.parents[2]
    variables = yaml.safe_load((project / "dbt_project.yml").read_text()).get("vars") or {}
    macros = {p.stem: env.from_string(p.read_text()).module for p in (project / "macros").glob(
        "*.sql")} if (project / "macros").is_dir() else {}
    return env.from_string(model.read_text()).render(
        config=lambda **_kw: "", ref=lambda name: name, source=lambda _src, table: table,
        var=lambda name, default=None: variables.get(name, default),
        **{name: getattr(module, name) for name, module in macros.items()
           if hasattr(module, name)})


def assert_models_parse(project: Path, dialect: str) -> list[str]:
    """Every model file parses in the target dialect once its Jinja is rendered."""
    models = sorted((project / "dbt/models").rglob("*.sql"))
    assert models
    for model in models:
        sqlglot.parse_one(rendered(model), read=dialect)  # raises on SQL the dialect refuses
    return [m.stem for m in models]


def scratch_databases(pg_db: str) -> int:
    with pg_connect(pg_db) as con:
        return con.execute("SELECT count(*) FROM pg_database "
                           "WHERE datname LIKE 'cutover_scratch_%'").fetchone()[0]


def snapshot(pg_db: str) -> list[list[tuple]]:
    with pg_connect(pg_db) as con:
        return [con.execute(f"SELECT * FROM {t} ORDER BY 1").fetchall()
                for t in ("payments", "accounts", "archive", "ledger")]


@pytest.mark.parametrize(("target", "dialect", "adapter"), [
    ("mssql://etl:s3cret-pw@sql.example:1433/warehouse", "tsql", "sqlserver"),
    ("oracle://etl:s3cret-pw@ora.example:1521/ORCLPDB1", "oracle", "oracle")])
def test_a_translate_only_target_gets_the_whole_dbt_project_written_not_built(
        pg_db, tmp_path, target, dialect, adapter):
    with pg_connect(pg_db) as con:
        con.execute(SEED)
    project = tmp_path / "p"
    write_files(project, FILES)
    (project / "cutover.toml").write_text(
        textwrap.dedent(CONFIG).format(source=pg_db, target=target), encoding="utf-8")
    before, scratch_before = snapshot(pg_db), scratch_databases(pg_db)

    done = cutover("run", "--runs-dir", str(tmp_path / "runs"), cwd=project)
    assert f"written for dbt-{adapter}, not built" in done.stdout, done.stdout
    assert "dbt build --project-dir" in done.stdout, done.stdout
    run_dir = next((tmp_path / "runs").iterdir())
    report = yaml.safe_load((run_dir / "report.json").read_text())  # JSON is YAML
    dbt = report["dbt"]
    assert dbt["adapter"] == adapter and dbt["built"] is False and dbt["ok"] is False, dbt
    assert dbt["error"] is None, dbt["error"]
    models = {m["name"]: m for m in dbt["models"]}
    expected = {"stg_bank__payments", "stg_bank__accounts", "top_payments", "top_ids",
                "by_balance",
                "insert_ledger", "archive_small__archive", "archive_small__payments",
                "charge_fee__accounts", "rich_accounts", "tax_of__invocation"}
    assert expected <= set(models), sorted(models)
    for model in models.values():  # nothing built, nothing diffed: never parity
        assert (model["build_status"], model["verdict"]) == ("not built", "skipped"), model
        assert "translate-only" in model["reason"] and "not built" in model["reason"]
    reasons = {x["object"]: x["reason"] for x in dbt["left_out"]}
    assert "dynamic SQL" in reasons["shout"] or "EXECUTE" in reasons["shout"], reasons
    # the routines' objects say what their models are: skipped (written, not built), or
    # unsupported with the export's reason; never parity
    routines = {o["name"]: o for o in report["objects"] if "CREATE" in o["source_sql"]
                and ("PROCEDURE" in o["source_sql"] or "FUNCTION" in o["source_sql"])}
    assert routines and not any(o["verdict"].startswith("parity") for o in routines.values())
    shout = next(o for o in routines.values() if "shout" in o["source_sql"])
    assert shout["verdict"] == "unsupported" and "shout" in shout["error"], shout
    assert any(o["verdict"] == "skipped" and "translate-only" in o["error"]
               for o in routines.values()), routines
    assert "written, not built" in (run_dir / "report.md").read_text()
    html = (run_dir / "report.html").read_text()
    assert "written, not built" in html and "dbt build --project-dir" in html

    written = assert_models_parse(project, dialect)
    assert expected <= set(written)
    out = project / "dbt"
    top = rendered(out / "models/intermediate/top_payments.sql").upper()
    if dialect == "tsql":
        assert "TOP 3" in top and "LIMIT" not in top, top
        # an ORDER BY inside the model's CTE needs TOP or OFFSET there
        assert "OFFSET 0 ROWS" in rendered(out / "models/marts/by_balance.sql").upper()
    else:
        assert "FETCH FIRST 3 ROWS ONLY" in top and "LIMIT" not in top, top
    # neither engine has boolean values: a NULL-safe guard is a CASE compared with 1
    for model in [*(out / "models").rglob("*.sql"), *(out / "macros").glob("*.sql")]:
        assert not re.search(r"\b(TRUE|FALSE)\b", model.read_text().upper()), model
    assert "CASE WHEN" in rendered(out / "models/marts/archive_small__payments.sql").upper()
    if dialect == "oracle":  # no column list on a derived table's alias there
        assert "ins(" not in rendered(out / "models/marts/archive_small__archive.sql")
    ledger = (out / "models/marts/insert_ledger.sql").read_text()
    assert "materialized='incremental', unique_key='id'" in ledger, ledger
    charge = (out / "models/marts/charge_fee__accounts.sql").read_text()
    assert "{{ var('charge_fee__p_fee') }}" in charge
    assert "{{ ref('stg_bank__accounts') }}" in charge
    assert "{% macro fee_of(amount) %}" in (out / "macros/fee_of.sql").read_text()
    assert "{% macro tax_of(p_amount) %}" in (out / "macros/tax_of.sql").read_text()
    assert yaml.safe_load((out / "dbt_project.yml").read_text())["vars"] == {
        "archive_small__p_max": "10", "charge_fee__p_fee": "2.5", "rich_accounts__p_min": "50"}
    columns = yaml.safe_load((out / "models/marts/charge_fee__accounts.yml").read_text())[
        "models"][0]["columns"]
    assert [c["name"] for c in columns] == ["id", "balance"], columns
    # typed in the target's dialect without an engine (sqlglot)
    assert columns[1]["data_type"] == ("numeric(12, 2)" if dialect == "tsql" else "number(12, 2)")

    profile_text = (out / "profiles.yml").read_text()
    assert "s3cret" not in profile_text and "password" in profile_text
    output = yaml.safe_load(profile_text)["cutover"]["outputs"]["cutover"]
    assert output["type"] == adapter and output["user"] == "etl"
    assert output["password"] == "{{ env_var('CUTOVER_DBT_PASSWORD', '') }}"
    assert output["schema"] == "bank"
    sources = yaml.safe_load((out / "models/staging/_bank__sources.yml").read_text())
    assert "target.schema" in sources["sources"][0]["schema"]  # nothing loaded: the user's

    assert snapshot(pg_db) == before  # the source is as it was, and no scratch copy was made
    assert scratch_databases(pg_db) == scratch_before == 0


MYSQL_SEED = """
CREATE TABLE film (film_id INT PRIMARY KEY, title VARCHAR(64) NOT NULL,
                   rental_rate DECIMAL(4,2) NOT NULL);
CREATE TABLE cheap (film_id INT, title VARCHAR(64));
INSERT INTO film VALUES (1, 'ALIEN', 0.99), (2, 'BRAZIL', 4.99), (3, 'CASABLANCA', 2.99);
"""
MYSQL_ROUTINES = """
CREATE PROCEDURE copy_cheap(IN p_max DECIMAL(4,2))
BEGIN
  INSERT INTO cheap (film_id, title) SELECT film_id, title FROM film WHERE rental_rate <= p_max;
END
"""


def mysql_run(url: str, statements: list[str]) -> tuple:
    """Run statements in the test's database; the last one's rows."""
    from sqlalchemy.engine import make_url

    con = mysql_connect(url)
    try:
        with con.cursor() as cur:
            cur.execute(f"USE `{make_url(url).database}`")
            for statement in statements:
                cur.execute(statement)
            return tuple(cur.fetchall())
    finally:
        con.close()


def test_a_mysql_routine_to_tsql_is_written_as_a_model_never_run(mysql_db, tmp_path,
                                                                   run_project):
    mysql_run(mysql_db, [*MYSQL_SEED.strip().rstrip(";").split(";\n"), MYSQL_ROUTINES])
    project = tmp_path / "p"
    write_files(project, {"sql/views.sql": "CREATE VIEW pricey AS SELECT film_id, title FROM "
                                           "film WHERE rental_rate > 3 ORDER BY title LIMIT 2;"})
    (project / "cutover.toml").write_text(textwrap.dedent(f"""
        [project]
        name = "rentals"
        codebase = ["sql/**/*.sql"]
        [source]
        url = "{mysql_db}"
        allow_privileged = true
        include = ["procedures", "functions"]
        [target]
        url = "mssql://etl@sql.example/dw"
        [output]
        format = "dbt"
        [output.procedures.copy_cheap]
        p_max = "3"
        """), encoding="utf-8")
    before = mysql_run(mysql_db, ["SELECT * FROM cheap"])

    dbt = run_project(project).report["dbt"]
    models = {m["name"]: m for m in dbt["models"]}
    assert {"pricey", "copy_cheap__cheap", "stg_rentals__film"} <= set(models), dbt
    assert all(m["verdict"] == "skipped" and "translate-only" in m["reason"]
               for m in models.values())
    body = rendered(project / "dbt/models/marts/copy_cheap__cheap.sql")
    sqlglot.parse_one(body, read="tsql")
    assert "3" in body and "film" in body
    pricey = rendered(project / "dbt/models/marts/pricey.sql").upper()
    assert "TOP 2" in pricey and "LIMIT" not in pricey
    assert_models_parse(project, "tsql")
    assert yaml.safe_load((project / "dbt/profiles.yml").read_text())["cutover"]["outputs"][
        "cutover"]["type"] == "sqlserver"
    # never CALLed, not even on a scratch copy
    assert mysql_run(mysql_db, ["SELECT * FROM cheap"]) == before == ()
    assert mysql_run(mysql_db, ["SHOW DATABASES LIKE 'cutover\\_scratch\\_%'"]) == ()
