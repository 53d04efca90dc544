"""agents/llm_call_rewrite: reading one expression out of a model's answer and putting it in
the place of the refused call (no engine needed; the vet's compile check runs in
tests/integration/test_llm_call_rewrite.py on real engines)."""

from __future__ import annotations

from types import SimpleNamespace

import sqlglot
from sqlglot import exp

from agents import llm_call_rewrite as rewrite


def _call(sql: str, name: str) -> rewrite.RefusedCall:
    tree = sqlglot.parse_one(sql, read="duckdb")
    calls = list(tree.find_all(exp.Func))
    ordinal = next(i for i, c in enumerate(calls) if rewrite._func_name(c) == name)
    return rewrite.RefusedCall(name=name.upper(), names=(name,), forbidden=(name,), attempt=1,
                               sql=sql,
                               ordinal=ordinal, target_text=calls[ordinal].sql("duckdb"),
                               source_text=None, error="")


CTX = SimpleNamespace(target_dialect="duckdb")


def test_the_answer_s_one_projection_is_the_expression():
    assert rewrite._expression("SELECT bin(qty) AS bits FROM orders;", "duckdb").sql() \
        == "BIN(qty)"
    assert rewrite._expression("split_part(email, '@', 2)", "duckdb").sql() \
        == "SPLIT_PART(email, '@', 2)"
    # Two columns, a filter or a star answer another question.
    assert rewrite._expression("SELECT id, bin(qty) FROM orders", "duckdb") is None
    assert rewrite._expression("SELECT bin(qty) FROM orders WHERE id > 1", "duckdb") is None
    assert rewrite._expression("SELECT * FROM orders", "duckdb") is None
    assert rewrite._expression("this is not SQL (", "duckdb") is None


def test_the_expression_replaces_the_refused_call_and_nothing_else():
    call = _call("SELECT id, CAST(conv(qty, 10, 2) AS TEXT) AS bits, lower(note) AS n "
                 "FROM orders", "conv")
    expr = rewrite._expression("SELECT bin(qty)", "duckdb")
    full = rewrite._substituted(CTX, call, expr)
    assert full == "SELECT id, CAST(BIN(qty) AS TEXT) AS bits, LOWER(note) AS n FROM orders"


def test_an_expression_inside_arithmetic_keeps_its_own_precedence():
    call = _call("SELECT to_days(joined) * 2 AS twice FROM customers", "to_days")
    expr = rewrite._expression("SELECT epoch(joined) / 86400 + 719528", "duckdb")
    full = rewrite._substituted(CTX, call, expr)
    assert full == "SELECT (EPOCH(joined) / 86400 + 719528) * 2 AS twice FROM customers"


def test_the_reason_carries_the_expression_for_the_next_round():
    call = _call("SELECT conv(qty, 10, 2) FROM orders", "conv")
    assert rewrite.reason(call, "BIN(qty)") == "CONV rewritten as BIN(qty)"
