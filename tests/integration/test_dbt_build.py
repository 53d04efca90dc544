"""A real dbt project from a real run: SQLite source → DuckDB target, built by dbt-core
in-process with dbt-duckdb, every model diffed against its source object."""

from __future__ import annotations

import json
from dataclasses import replace

import pytest
import yaml

from tests.support.projects import make_project
from tools.dbt.export import export_dbt_project
from tools.dbt.records import DbtRequest

pytest.importorskip("dbt.cli.main")
pytestmark = pytest.mark.slow

SCHEMA = """
CREATE TABLE customers (id INTEGER PRIMARY KEY, name TEXT NOT NULL, city TEXT);
CREATE TABLE orders (id INTEGER PRIMARY KEY, customer_id INTEGER NOT NULL
                     REFERENCES customers(id), qty INTEGER NOT NULL, price NUMERIC(10,2));
CREATE TABLE big_orders (id INTEGER PRIMARY KEY, customer_id INTEGER, qty INTEGER);
INSERT INTO customers VALUES (1, 'Ada', 'Paris'), (2, 'Bob', NULL), (3, 'Cy', 'Oslo');
INSERT INTO orders VALUES (1, 1, 3, 9.99), (2, 1, 4, 19.5), (3, 2, 10, 5), (4, 3, 7, NULL);
"""
FILES = {
    "sql/stg.sql": """
        CREATE VIEW paris_customers AS SELECT id, name FROM customers WHERE city = 'Paris';
        """,
    "sql/marts.sql": """
        CREATE TABLE order_counts AS
          SELECT o.customer_id, COUNT(*) AS orders, SUM(o.qty) / COUNT(*) AS avg_qty
          FROM orders o JOIN paris_customers p ON p.id = o.customer_id GROUP BY o.customer_id;
        INSERT INTO big_orders SELECT id, customer_id, qty FROM orders WHERE qty >= 4;
        """,
    "sql/report.sql": "SELECT name FROM paris_customers ORDER BY name;",
}


@pytest.fixture(scope="module")
def finished(tmp_path_factory):
    from cutover.config import build_context
    from graph.run import run_migration

    root = tmp_path_factory.mktemp("dbt")
    project = make_project(root / "p", FILES, schema=SCHEMA, config_extra="""
        [output]
        format = "dbt"
        dbt_dir = "warehouse_dbt"
        """)
    ctx, cfg = build_context(project, "r1", root / "runs")
    return run_migration(ctx, project=cfg.project.name), ctx


def test_the_run_writes_a_project_dbt_builds_with_every_model_at_parity(finished):
    outcome, ctx = finished
    dbt = outcome.report["dbt"]
    assert dbt["ok"] and dbt["error"] is None, dbt
    models = {m["name"]: m for m in dbt["models"]}
    assert set(models) == {"stg_tiny__customers", "stg_tiny__orders", "paris_customers",
                           "order_counts", "insert_big_orders"}
    assert {n: (m["layer"], m["materialized"]) for n, m in models.items()
            if m["layer"] != "staging"} == {
        "paris_customers": ("intermediate", "view"), "order_counts": ("marts", "table"),
        "insert_big_orders": ("marts", "incremental")}
    for m in models.values():
        assert m["build_status"] == "success" and m["tests_failed"] == 0, m
        if m["layer"] != "staging":
            assert m["verdict"] == "parity", m
            assert (outcome.run_dir / m["diff_artifact"]).is_file()
    assert "Done. PASS=" in dbt["build_log"] and "ERROR=0" in dbt["build_log"]
    assert [x["object"] for x in dbt["left_out"]] == []
    project = ctx.dbt_dir
    assert (project / "analyses" / "report.sql").is_file()  # the report query, with ref()
    incremental = (project / "models/marts/insert_big_orders.sql").read_text()
    assert "materialized='incremental', unique_key='id'" in incremental


def test_tests_come_from_keys_and_foreign_keys(finished):
    _, ctx = finished
    stg = yaml.safe_load((ctx.dbt_dir / "models/staging/stg_tiny__orders.yml").read_text())
    cols = {c["name"]: c.get("data_tests", []) for c in stg["models"][0]["columns"]}
    assert cols["id"] == ["not_null", "unique"]
    assert cols["customer_id"] == ["not_null", {"relationships": {"arguments": {
        "to": "ref('stg_tiny__customers')", "field": "id"}}}]
    assert cols["price"] == []
    counts = yaml.safe_load((ctx.dbt_dir / "models/marts/order_counts.yml").read_text())
    by_name = {c["name"]: c for c in counts["models"][0]["columns"]}
    assert "unique" in by_name["customer_id"]["data_tests"]
    # the type the target gives the column; SQLite's integer division stays whole numbers
    assert by_name["avg_qty"]["data_type"] in ("bigint", "decimal(38,0)")


def test_the_report_shows_the_dag_and_links_each_model_to_its_diff(finished):
    outcome, _ = finished
    html = (outcome.run_dir / "report.html").read_text()
    assert "<svg" in html and "order_counts" in html.split("<svg")[1]
    assert 'href="artifacts/dbt_order_counts/diff.json"' in html
    assert "## dbt project" in (outcome.run_dir / "report.md").read_text()
    saved = json.loads((outcome.run_dir / "dbt.json").read_text())
    assert saved["ok"] is True


def test_a_model_that_differs_from_its_source_object_is_a_mismatch(finished, tmp_path):
    """The proof can fail: the same run with one candidate made wrong gives a mismatch."""
    outcome, ctx = finished
    state = outcome.state
    results = {k: {**v, "status": str(v["verdict"])} for k, v in state["outcomes"].items()}
    results["paris_customers"]["candidate_sql"] = (
        "SELECT id, name FROM customers WHERE city = 'Oslo'")
    request = DbtRequest(
        project="tiny", out_dir=tmp_path / "dbt", run_dir=tmp_path / "run",
        source_url=ctx.source_url, source_dialect="sqlite", target_url=ctx.target_url,
        target_dialect="duckdb", sandbox=ctx.sandbox, objects=dict(state["objects"]),
        order=list(state["order"]), results=results, base_tables=list(state["base_tables"]))
    wrong = export_dbt_project(replace(request))
    verdicts = {m.name: m.verdict for m in wrong.models if m.layer != "staging"}
    assert verdicts["paris_customers"] == "mismatch"
    assert verdicts["order_counts"] == "mismatch"  # built on the wrong view downstream
    assert verdicts["insert_big_orders"] == "parity"
    assert wrong.ok is False
