"""The planner's work grows by a fixed amount per object: one tokenization and at most two
parses per statement (the statement, and the query part of a CREATE/INSERT checked against it
so the source runs it as written), and no source query at all per object (the catalog is read
once per run). Counted through the planner node on a real SQLite source, for two codebase
sizes: a return of the per-object catalog lookups or of re-parsing each view for every object
that reads it (quadratic along a chain of views) changes these counts, whatever the machine's
speed."""

from __future__ import annotations

import sqlite3
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
from langgraph.runtime import Runtime
from sqlglot.parser import Parser
from sqlglot.tokens import Tokenizer

from agents.planner import planner
from cutover.config import build_context
from tests.support.projects import make_project
from tools.db.connections import Connections

CHAIN = 5
"""Views come in chains this long, each reading the one before it: a view deep in a chain is
inlined with every view above it for its source query."""


def _is_view(i: int) -> bool:
    return i % 7 not in (5, 6)


def _codebase(objects: int) -> dict[str, str]:
    """`objects` files: chained views, report queries and INSERT ... SELECTs reading them."""
    files: dict[str, str] = {}
    for i in range(objects):
        name = f"v{i:04d}"
        last_view = f"v{max(j for j in range(i) if _is_view(j)):04d}" if i else ""
        if i % 7 == 6:
            body = f"INSERT INTO archive (customer_id, n) SELECT customer_id, n FROM {last_view}"
        elif i % 7 == 5:
            body = (f"-- report {i}\nSELECT c.name, v.n FROM customers c "
                    f"JOIN {last_view} v ON v.customer_id = c.id ORDER BY c.name")
        elif i % CHAIN == 0:
            body = (f"CREATE VIEW {name} AS SELECT customer_id, COUNT(*) AS n FROM orders "
                    f"WHERE qty > {i % 3} GROUP BY customer_id")
        else:
            body = (f"CREATE VIEW {name} AS SELECT customer_id, n + {i} AS n "
                    f"FROM {last_view} WHERE n > 0")
        files[f"sql/{name}.sql"] = body + ";\n"
    return files


def _plan(root: Path, objects: int, counts: Counter[str]) -> dict[str, Any]:
    project = make_project(root, _codebase(objects), schema=(
        "CREATE TABLE customers (id INTEGER PRIMARY KEY, name TEXT);"
        "CREATE TABLE orders (id INTEGER PRIMARY KEY, customer_id INTEGER, qty INTEGER);"
        "CREATE TABLE archive (customer_id INTEGER, n INTEGER);"))
    ctx, _ = build_context(project, "plan", root / "runs", {})
    ctx.connections = Connections(ctx.source_url, ctx.target_url, None, 60, ctx.sandbox, 1)
    counts.clear()
    try:
        return planner({}, Runtime(context=ctx))
    finally:
        ctx.connections.close()


@pytest.fixture
def counts(monkeypatch: pytest.MonkeyPatch) -> Counter[str]:
    """Tokenizations and parses by sqlglot, and statements run on any SQLite connection (the
    catalog reader's and the source adapter's) while the planner runs."""
    seen: Counter[str] = Counter()
    tokenize, parse, connect = Tokenizer.tokenize, Parser.parse, sqlite3.connect

    def counting_tokenize(self: Tokenizer, sql: str) -> Any:
        seen["tokenize"] += 1
        return tokenize(self, sql)

    def counting_parse(self: Parser, raw_tokens: Any, sql: str) -> Any:
        seen["parse"] += 1
        return parse(self, raw_tokens, sql)

    def traced_connect(*args: Any, **kwargs: Any) -> sqlite3.Connection:
        con = connect(*args, **kwargs)
        con.set_trace_callback(lambda _sql: seen.update(["sqlite"]))
        return con

    monkeypatch.setattr(Tokenizer, "tokenize", counting_tokenize)
    monkeypatch.setattr(Parser, "parse", counting_parse)
    monkeypatch.setattr(sqlite3, "connect", traced_connect)
    return seen


def test_planning_work_per_object_is_fixed_and_the_catalog_is_read_once(tmp_path, counts):
    small, large = 14, 63
    plan = _plan(tmp_path / "small", small, counts)
    at_small = Counter(counts)
    assert len(plan["objects"]) == small and not plan["plan_notes"]
    plan = _plan(tmp_path / "large", large, counts)
    at_large = Counter(counts)
    assert len(plan["objects"]) == large and not plan["plan_notes"]
    assert at_small["sqlite"] > 0  # the counter sees the catalog being read

    extra = large - small
    # The catalog and row counts are read once per run, whatever the number of objects.
    assert at_large["sqlite"] == at_small["sqlite"]
    # One tokenization per statement (the split's tokens are parsed, not re-read).
    assert at_large["tokenize"] - at_small["tokenize"] == extra
    # The statement, plus its query part for a CREATE/INSERT (a plain SELECT is its own query
    # part); never a view again for each object that reads it.
    queries = sum(1 for i in range(small, large) if i % 7 == 5)
    assert at_large["parse"] - at_small["parse"] == 2 * extra - queries

    # What the parses feed is unchanged: a chained view runs on the source with the views
    # above it inlined, and a report query keeps its text as written.
    deep = plan["objects"]["v0004"]
    assert deep["depends_on"] == ["v0003"]
    for above in ("v0000", "v0001", "v0002", "v0003"):
        assert f"/* source: {above} */" in deep["source_query"]
    report = plan["objects"]["v0005"]
    assert report["select_sql"].startswith("SELECT c.name, v.n FROM customers c")
    assert report["source_query"].count("SELECT") == 1 + CHAIN
