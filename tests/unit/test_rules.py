"""The rule catalog, checked against the data: each fixture case is an object of a real
migration (SQLite source, DuckDB target, no LLM) run through the real graph — translator,
compiler_checker, the real differ and the real fixer — and its report must say what the case
claims: how the plain transpile fails, and which rules the fixer applied to reach parity."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import duckdb
import pytest
import sqlglot
import yaml
from sqlglot.errors import ErrorLevel

from cutover.config import build_context
from graph.run import run_migration
from tests.support.projects import make_project
from tools.catalog import introspect
from tools.db.registry import open_adapter
from tools.rules import catalog
from tools.rules.base import Rule, RuleContext

CASES = yaml.safe_load(
    (Path(__file__).parents[1] / "fixtures" / "rules" / "sqlite_duckdb.yaml").read_text())
PARITY = ("parity", "parity_with_tolerance")
_CREATE = re.compile(r"CREATE TABLE (\w+)", re.IGNORECASE)


def _projects() -> list[list[dict]]:
    """The cases packed into as few projects as their table names allow (cases that create
    the same table need projects of their own): 27 cases, 8 runs."""
    groups: list[tuple[set[str], list[dict]]] = []
    for case in CASES:
        tables = set(_CREATE.findall(case["setup"]))
        group = next((g for g in groups if not g[0] & tables), None)
        if group is None:
            groups.append((tables, [case]))
        else:
            group[0].update(tables)
            group[1].append(case)
    return [cases for _, cases in groups]


@pytest.fixture(scope="module")
def outcomes(tmp_path_factory: pytest.TempPathFactory) -> dict[str, dict[str, Any]]:
    """case id -> its object in the report of a real run (objects are named after their file)."""
    root = tmp_path_factory.mktemp("rules")
    found: dict[str, dict[str, Any]] = {}
    for number, cases in enumerate(_projects()):
        files = {f"sql/{c['id']}.sql": c["query"].strip().rstrip(";") + ";\n" for c in cases}
        project = make_project(root / f"p{number}", files,
                               schema="\n".join(c["setup"] for c in cases))
        # semantics off: the cases prove the fixer's rules on a plain transpile
        ctx, cfg = build_context(project, "r", project / "runs",
                                 {"llm_mode": "off", "semantics": False})
        report = run_migration(ctx, project=cfg.project.name).report
        schema = _source_schema(ctx.source_url)
        found.update({o["name"]: {**o, "schema": schema} for o in report["objects"]})
    return found


def _source_schema(url: str) -> dict[str, dict[str, str]]:
    """Table -> column -> canonical type, as the planner reads it from the source catalog."""
    adapter = open_adapter(url, "source")
    try:
        tables, _ = introspect(url, adapter)
    finally:
        adapter.close()
    return {t["name"]: {c["name"]: c["canonical"] for c in t["columns"]} for t in tables}


def _transpile(query: str) -> str:
    return sqlglot.transpile(query, read="sqlite", write="duckdb",
                             unsupported_level=ErrorLevel.RAISE)[0]


@pytest.mark.parametrize("case", CASES, ids=[c["id"] for c in CASES])
def test_rule_case(case: dict, outcomes: dict[str, dict[str, Any]]) -> None:
    obj = outcomes[case["id"]]
    first = obj["attempt_log"][0]
    applied = [a["origin"].removeprefix("rule:") for a in obj["attempt_log"]
               if a["origin"].startswith("rule:")]
    expect = case["expect"]

    if expect == "plain_transpile_ok":
        assert obj["verdict"] in PARITY and obj["attempts"] == 1, obj["attempt_log"]
        # and the causes a differ could report would not make any rule rewrite it
        ctx = RuleContext(source_dialect="sqlite", target_dialect="duckdb", schema=obj["schema"],
                          source_sql=case["query"], causes=frozenset(case.get("causes", [])),
                          compile_error=None)
        for rule in catalog.candidates(ctx, set()):
            assert catalog.apply_rule(rule, _transpile(case["query"]), ctx) is None, rule.id
        return
    if expect == "plain_transpile_fails":
        assert first["compile"] and not first["compile"]["ok"], first
    elif expect == "plain_transpile_wrong":
        assert first["compile"]["ok"], first
        assert first["diff_score"] < 1, "the trap does not show on this data"
    else:
        assert expect == "unsupported", expect
        assert not first["compile"]["ok"] or first["diff_score"] < 1, first

    if expect == "unsupported":
        assert obj["verdict"] not in PARITY, f"claimed a fix: {obj['final_sql']}"
        return
    assert obj["verdict"] in PARITY, f"no parity after {applied}: {obj['final_sql']}"
    assert sorted(applied) == sorted(case["rules"]), applied


# --- the catalog's shape -----------------------------------------------------------------------

def test_catalog_is_well_formed() -> None:
    ids = [rule.id for rule in catalog.RULES]
    assert len(ids) == len(set(ids))
    for rule in catalog.RULES:
        assert isinstance(rule, Rule) and rule.pairs and rule.why
        assert ("compile" in rule.fixes) == (rule.error_pattern is not None), rule.id


def _ctx(**kw: Any) -> RuleContext:
    base: dict[str, Any] = dict(source_dialect="sqlite", target_dialect="duckdb", schema={},
                                source_sql="", causes=frozenset(), compile_error=None)
    return RuleContext(**{**base, **kw})


def test_candidates_by_compile_error() -> None:
    ctx = _ctx(compile_error="Catalog Error: Scalar Function with name julianday does not exist!")
    assert [r.id for r in catalog.candidates(ctx, set())] == ["sqlite_duckdb.julianday"]
    assert catalog.candidates(ctx, {"sqlite_duckdb.julianday"}) == []


def test_candidates_by_cause_most_specific_first() -> None:
    ids = [r.id for r in catalog.candidates(_ctx(causes=frozenset({"integer_division"})), set())]
    assert ids[0] == "typed_source_duckdb.integer_division"
    assert "nocase_like.like_to_ilike" not in ids


def test_candidates_respect_the_dialect_pair() -> None:
    ctx = _ctx(source_dialect="mysql", causes=frozenset({"integer_division", "case"}))
    ids = [r.id for r in catalog.candidates(ctx, set())]
    # MySQL's `/` is already decimal division: only the LIKE rule is relevant.
    assert "typed_source_duckdb.integer_division" not in ids
    assert "nocase_like.like_to_ilike" in ids


def test_postgres_integer_division_also_fixed() -> None:
    ctx = _ctx(source_dialect="postgres", schema={"t": {"a": "int", "b": "int", "x": "float"}},
               causes=frozenset({"ratio"}))
    rule = catalog.get("typed_source_duckdb.integer_division")
    out = catalog.apply_rule(rule, "SELECT a / b AS r, x / b AS s FROM t", ctx)
    assert out == "SELECT a // b AS r, x / b AS s FROM t"
    assert duckdb.sql("SELECT -7 // 2, 7 // 0").fetchall() == [(-3, None)]


def test_apply_rule_returns_none_when_nothing_changes() -> None:
    ctx = _ctx(schema={"t": {"x": "float"}}, causes=frozenset({"case"}))
    assert catalog.apply_rule(catalog.get("nocase_like.like_to_ilike"), "SELECT x FROM t",
                              ctx) is None
    assert catalog.apply_rule(catalog.get("nocase_like.like_to_ilike"), "SELECT (", ctx) is None


def test_integer_division_guesses_unknown_columns_only_on_that_diagnosis() -> None:
    rule = catalog.get("typed_source_duckdb.integer_division")
    sql = "SELECT SUM(units) / NULLIF(COUNT(*), 0) AS avg_units FROM order_totals"
    ratio = _ctx(causes=frozenset({"ratio"}))
    assert catalog.apply_rule(rule, sql, ratio) is None
    int_div = _ctx(causes=frozenset({"integer_division"}))
    assert catalog.apply_rule(rule, sql, int_div) == (
        "SELECT SUM(units) // NULLIF(COUNT(*), 0) AS avg_units FROM order_totals")


def test_bare_column_keeps_its_output_name() -> None:
    ctx = _ctx(compile_error='column "status" must appear in the GROUP BY clause or must be '
                             'part of an aggregate function')
    out = catalog.apply_rule(catalog.get("sqlite_duckdb.bare_columns"),
                             "SELECT order_id, status, SUM(qty) AS units FROM t GROUP BY order_id",
                             ctx)
    assert out == ("SELECT order_id, ANY_VALUE(status) AS status, SUM(qty) AS units FROM t "
                   "GROUP BY order_id")
