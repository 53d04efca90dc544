"""The rule catalog, checked against the data: each fixture case runs on a real SQLite database
and on a real DuckDB copy of it, plain-transpiled and then fixed the way the fixer does."""

from __future__ import annotations

import datetime as dt
import math
import sqlite3
from decimal import Decimal
from pathlib import Path
from typing import Any

import duckdb
import pytest
import sqlglot
import yaml
from sqlglot.errors import ErrorLevel

from tools.db.duckdb import DuckDBAdapter
from tools.db.types import from_declared
from tools.rules import catalog
from tools.rules.base import Rule, RuleContext

CASES = yaml.safe_load(
    (Path(__file__).parents[1] / "fixtures" / "rules" / "sqlite_duckdb.yaml").read_text())
MAX_ATTEMPTS = 5


# --- two real databases with the same data -----------------------------------------------------

def _databases(setup: str) -> tuple[sqlite3.Connection, duckdb.DuckDBPyConnection, dict]:
    src = sqlite3.connect(":memory:")
    src.executescript(setup)
    tgt = duckdb.connect()
    tgt.execute("SET TimeZone = 'UTC'")
    schema: dict[str, dict[str, str]] = {}
    tables = [r[0] for r in src.execute("SELECT name FROM sqlite_master WHERE type = 'table'")]
    for table in tables:
        info = src.execute(f'PRAGMA table_info("{table}")').fetchall()
        schema[table] = {c[1]: from_declared(c[2]) for c in info}
        # The loader's mapping: canonical type -> DuckDB DDL.
        cols = ", ".join(f'"{name}" {_ddl(canonical)}' for name, canonical in schema[table].items())
        tgt.execute(f'CREATE TABLE "{table}" ({cols})')
        rows = src.execute(f'SELECT * FROM "{table}"').fetchall()
        if rows:
            marks = ", ".join("?" for _ in info)
            tgt.executemany(f'INSERT INTO "{table}" VALUES ({marks})', rows)
    return src, tgt, schema


def _ddl(canonical: str) -> str:
    if canonical.startswith("decimal"):
        return canonical.upper()
    return DuckDBAdapter.TYPE_DDL[canonical]


# --- comparing results the way the differ does (by value) ---------------------------------------

def _norm(value: Any) -> Any:
    if isinstance(value, bool):
        return float(value)
    if isinstance(value, int | float | Decimal):
        return float(value)
    if isinstance(value, dt.datetime):
        return value.isoformat(sep=" ")
    if isinstance(value, dt.date):
        return value.isoformat()
    return value


def _sort_key(row: tuple) -> tuple:
    return tuple((v is None, f"{v:.9g}" if isinstance(v, float) else str(v)) for v in row)


def _rows(rows: list[tuple]) -> list[tuple]:
    return sorted((tuple(_norm(v) for v in row) for row in rows), key=_sort_key)


def _same(a: list[tuple], b: list[tuple]) -> bool:
    if len(a) != len(b):
        return False
    for ra, rb in zip(a, b, strict=True):
        if len(ra) != len(rb):
            return False
        for va, vb in zip(ra, rb, strict=True):
            if isinstance(va, float) and isinstance(vb, float):
                if not math.isclose(va, vb, rel_tol=1e-9, abs_tol=1e-9):
                    return False
            elif va != vb:
                return False
    return True


def _run_target(tgt: duckdb.DuckDBPyConnection, sql: str) -> tuple[list[tuple] | None, str | None]:
    try:
        return _rows(tgt.execute(sql).fetchall()), None
    except duckdb.Error as exc:
        return None, str(exc)


def _transpile(query: str) -> str:
    return sqlglot.transpile(query, read="sqlite", write="duckdb",
                             unsupported_level=ErrorLevel.RAISE)[0]


def _context(case: dict, schema: dict, error: str | None) -> RuleContext:
    causes = frozenset() if error else frozenset(case.get("causes", ["values"]))
    return RuleContext(source_dialect="sqlite", target_dialect="duckdb", schema=schema,
                       source_sql=case["query"], causes=causes, compile_error=error)


def _fix_loop(case: dict, tgt, schema, expected) -> tuple[bool, list[str], str]:
    """The fixer's deterministic loop: one rule per attempt, re-checked against the data."""
    candidate, tried, applied = _transpile(case["query"]), set(), []
    for _ in range(MAX_ATTEMPTS):
        rows, error = _run_target(tgt, candidate)
        if error is None and _same(rows, expected):
            return True, applied, candidate
        ctx = _context(case, schema, error)
        for rule in catalog.candidates(ctx, tried):
            tried.add(rule.id)
            rewritten = catalog.apply_rule(rule, candidate, ctx)
            if rewritten is not None:
                candidate = rewritten
                applied.append(rule.id)
                break
        else:
            return False, applied, candidate
    rows, error = _run_target(tgt, candidate)
    return error is None and _same(rows, expected), applied, candidate


@pytest.mark.parametrize("case", CASES, ids=[c["id"] for c in CASES])
def test_rule_case(case: dict) -> None:
    src, tgt, schema = _databases(case["setup"])
    expected = _rows(src.execute(case["query"]).fetchall())
    plain_rows, plain_error = _run_target(tgt, _transpile(case["query"]))
    expect = case["expect"]

    if expect == "plain_transpile_ok":
        assert plain_error is None and _same(plain_rows, expected), (plain_rows, expected)
        ctx = _context(case, schema, None)
        for rule in catalog.candidates(ctx, set()):
            assert catalog.apply_rule(rule, _transpile(case["query"]), ctx) is None, rule.id
        return
    if expect == "plain_transpile_fails":
        assert plain_error is not None, plain_rows
    elif expect == "plain_transpile_wrong":
        assert plain_error is None, plain_error
        assert not _same(plain_rows, expected), "the trap does not show on this data"
    else:
        assert expect == "unsupported", expect
        assert plain_error is not None or not _same(plain_rows, expected)

    ok, applied, candidate = _fix_loop(case, tgt, schema, expected)
    if expect == "unsupported":
        assert not ok, f"claimed a fix: {candidate}"
        return
    assert ok, f"no parity after {applied}: {candidate}\n{_run_target(tgt, candidate)}\n{expected}"
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
