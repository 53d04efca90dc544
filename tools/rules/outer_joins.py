"""Outer joins in ClickHouse: the unmatched side is filled with defaults, not NULL.

With ClickHouse's default `join_use_nulls = 0`, `customer LEFT JOIN orders` gives a customer
without orders o_orderkey = 0 when the column is not Nullable, so COUNT(o_orderkey) counts 1
where every SQL-standard engine counts 0 (TPC-H q13: the c_count = 0 group becomes
c_count = 1). The query-level setting `join_use_nulls = 1` restores standard NULL filling; in
a view it is stored with the view's query.
"""

from __future__ import annotations

from sqlglot import exp

from tools.rules.base import ANY, Rule, RuleContext

_OUTER_SIDES = ("LEFT", "RIGHT", "FULL")


def _has_outer_join(tree: exp.Expr) -> bool:
    return any(str(join.side or "").upper() in _OUTER_SIDES for join in tree.find_all(exp.Join))


def join_use_nulls(tree: exp.Expr, ctx: RuleContext) -> exp.Expr | None:
    """Append `SETTINGS join_use_nulls = 1` to the outermost query (settings are per query,
    so the subqueries holding the joins follow it)."""
    if not isinstance(tree, exp.Query) or not _has_outer_join(tree):
        return None
    settings = list(tree.args.get("settings") or [])
    if any(isinstance(s, exp.EQ) and s.this.name.lower() == "join_use_nulls" for s in settings):
        return None
    settings.append(exp.EQ(this=exp.column("join_use_nulls"), expression=exp.Literal.number(1)))
    tree.set("settings", settings)
    return tree


JOIN_USE_NULLS = Rule(
    id="outer_joins.clickhouse_join_use_nulls",
    pairs=((ANY, "clickhouse"),),
    fixes=frozenset({"missing_rows", "extra_rows", "values", "nulls", "ratio"}),
    error_pattern=None,
    why="ClickHouse fills the unmatched side of an outer join with default values (0, '') "
        "unless join_use_nulls = 1: COUNT(o_orderkey) over a LEFT JOIN counts customers "
        "without orders as 1 instead of 0. The setting restores the SQL-standard NULLs.",
    apply=join_use_nulls,
)

RULES = (JOIN_USE_NULLS,)
