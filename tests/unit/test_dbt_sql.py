"""The dbt writer's SQL and YAML, without running dbt: ref()/source() rewriting in the CTE
style, column facts that become tests, and profiles without secrets."""

from __future__ import annotations

import pytest
import yaml

from tools.dbt.facts import infer, table_facts
from tools.dbt.profiles import profile, secrets_env
from tools.dbt.records import ColumnFacts, DbtModel
from tools.dbt.refs import model_body, ref, source
from tools.dbt.writer import model_yaml
from tools.errors import CutoverError

REFS = {"orders": ref("stg_shop__orders"), "customers": source("shop", "customers")}


def test_tables_become_import_ctes_and_the_query_the_final_cte():
    body, models = model_body(
        "SELECT C.Name, o.qty FROM cutover_run.customers AS c JOIN Orders o ON o.cid = c.id",
        "duckdb", REFS, "{{ config(materialized='table') }}")
    assert body.startswith("{{ config(materialized='table') }}\n\nwith customers as (\n"
                           "    select * from {{ source('shop', 'customers') }}\n),")
    assert "orders as (\n    select * from {{ ref('stg_shop__orders') }}\n)" in body
    assert body.rstrip().endswith("select * from final")
    final = body.split("final as (")[1]
    assert "cutover_run" not in body and "FROM customers AS c" in final
    assert "c.name" in final and "JOIN orders AS o" in final  # unquoted names lower-cased
    assert models == ["stg_shop__orders"]


def test_the_querys_own_ctes_follow_the_imports_and_final_avoids_a_taken_name():
    body, _ = model_body("WITH final AS (SELECT cid FROM orders) SELECT * FROM final",
                         "duckdb", REFS)
    names = [line.split(" as (")[0].removeprefix("with ").strip()
             for line in body.splitlines() if " as (" in line]
    assert names == ["orders", "final", "final_2"]
    assert body.rstrip().endswith("select * from final_2")


def test_a_table_that_is_neither_model_nor_source_is_an_error():
    with pytest.raises(CutoverError, match="'payments'"):
        model_body("SELECT * FROM payments", "duckdb", REFS)


def test_quoted_identifiers_keep_their_case():
    body, _ = model_body('SELECT "CustomerName" FROM customers', "postgres", REFS)
    assert '"CustomerName"' in body


KNOWN = {
    "orders": {"id": ColumnFacts("id", not_null=True, unique=True),
               "cid": ColumnFacts("cid", not_null=True, references=("stg_c", "id"))},
    "customers": {"id": ColumnFacts("id", not_null=True, unique=True),
                  "name": ColumnFacts("name")},
}


def _facts(sql: str, columns: list[str]) -> dict[str, tuple[bool, bool, object]]:
    return {f.name: (f.not_null, f.unique, f.references)
            for f in infer(sql, "duckdb", KNOWN, columns)}


def test_group_by_one_column_makes_it_unique_and_not_null_passes_through():
    assert _facts("SELECT cid, COUNT(*) AS n FROM orders GROUP BY cid", ["cid", "n"]) == {
        "cid": (True, True, ("stg_c", "id")), "n": (False, False, None)}


def test_the_optional_side_of_an_outer_join_proves_nothing_about_nulls():
    facts = _facts("SELECT c.id, o.id AS oid FROM customers c LEFT JOIN orders o "
                   "ON o.cid = c.id", ["id", "oid"])
    assert facts == {"id": (True, False, None), "oid": (False, False, None)}  # join fans out
    right = _facts("SELECT c.id FROM customers c RIGHT JOIN orders o ON o.cid = c.id", ["id"])
    assert right == {"id": (False, False, None)}


def test_a_single_table_passthrough_keeps_the_key_but_an_expression_does_not():
    facts = _facts("SELECT id, id + 1 AS next_id FROM orders WHERE cid > 2", ["id", "next_id"])
    assert facts == {"id": (True, True, None), "next_id": (False, False, None)}


def test_table_facts_from_primary_key_not_null_and_foreign_keys():
    table = {"name": "orders", "primary_key": ["id"], "columns": [
        {"name": "id", "nullable": True}, {"name": "cid", "nullable": False},
        {"name": "note", "nullable": True}]}
    fks = [{"columns": ["cid"], "referred_table": "customers", "referred_columns": ["id"]}]
    facts = table_facts(table, fks, {"customers": "stg_shop__customers"})
    assert (facts["id"].not_null, facts["id"].unique) == (True, True)
    assert facts["cid"].references == ("stg_shop__customers", "id")
    assert not (facts["note"].not_null or facts["note"].unique)


def test_model_yaml_lists_types_and_tests_in_dbt_1_11_syntax():
    model = DbtModel("m", "marts", "table", "", columns=[
        ColumnFacts("id", "bigint", not_null=True, unique=True),
        ColumnFacts("cid", "bigint", references=("stg_c", "id")), ColumnFacts("Odd", "varchar")])
    cols = yaml.safe_load(model_yaml(model))["models"][0]["columns"]
    assert cols[0] == {"name": "id", "data_type": "bigint", "data_tests": ["not_null", "unique"]}
    assert cols[1]["data_tests"] == [
        {"relationships": {"arguments": {"to": "ref('stg_c')", "field": "id"}}}]
    assert cols[2] == {"name": "Odd", "quote": True, "data_type": "varchar"}


def test_the_profile_never_holds_the_password():
    url = "postgresql://app:s3cret-pw@db.example:5433/wh"
    out = profile(url, "cutover_x_dbt")
    assert "s3cret" not in yaml.safe_dump(out)
    assert out["password"] == "{{ env_var('CUTOVER_DBT_PASSWORD', '') }}"
    assert (out["host"], out["port"], out["dbname"]) == ("db.example", 5433, "wh")
    assert secrets_env(url) == {"CUTOVER_DBT_PASSWORD": "s3cret-pw"}
    with pytest.raises(CutoverError, match="duckdb or postgresql"):
        profile("sqlite:///x.db", "s")
