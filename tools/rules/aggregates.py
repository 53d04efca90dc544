"""Aggregates that exist in one engine only, or that take different argument types."""

from __future__ import annotations

from sqlglot import exp

from tools.rules.base import Rule, RuleContext, anonymous_calls, is_type, node_types


def total(tree: exp.Expr, ctx: RuleContext) -> exp.Expr | None:
    """TOTAL(x) -> COALESCE(SUM(CAST(x AS DOUBLE)), 0.0).

    Not plain SUM: TOTAL is always a float and is 0.0 over no rows where SUM is NULL (a
    customer without orders has TOTAL(amount) = 0.0, SUM(amount) = NULL).
    """
    calls = anonymous_calls(tree, "TOTAL")
    for call in calls:
        if len(call.expressions) != 1:
            return None
        arg = call.expressions[0].copy()
        call.replace(exp.Coalesce(this=exp.Sum(this=exp.cast(arg, "DOUBLE")),
                                  expressions=[exp.Literal.number("0.0")]))
    return tree if calls else None


TOTAL = Rule(
    id="sqlite_duckdb.total",
    pairs=(("sqlite", "duckdb"),),
    fixes=frozenset({"compile"}),
    error_pattern=r"function with name total does not exist",
    why="SQLite's TOTAL(x) is SUM as a float that is 0.0 on an empty set; DuckDB has no "
        "TOTAL. COALESCE(SUM(CAST(x AS DOUBLE)), 0.0) keeps both properties -- plain SUM would "
        "turn 0.0 into NULL for groups with no non-NULL values.",
    apply=total,
)

_ARITHMETIC = (exp.Avg, exp.Sum, exp.Stddev, exp.StddevPop, exp.StddevSamp, exp.Variance,
               exp.VariancePop, exp.Add, exp.Sub, exp.Mul, exp.Div, exp.IntDiv, exp.Mod)


def boolean_arithmetic(tree: exp.Expr, ctx: RuleContext) -> exp.Expr | None:
    """AVG(is_active), is_active + 0: numbers in SQLite (BOOLEAN holds 0/1), BOOLEAN in
    DuckDB after the load, where avg(BOOLEAN) and +(BOOLEAN, INTEGER) do not exist."""
    types = node_types(tree, ctx, ctx.target_dialect)
    changed = False
    for node in list(tree.find_all(*_ARITHMETIC)):
        for arg in list(node.iter_expressions()):
            if is_type(types, arg, exp.DType.BOOLEAN):
                arg.replace(exp.cast(arg.copy(), "INT"))
                changed = True
    return tree if changed else None


BOOLEAN_ARITHMETIC = Rule(
    id="sqlite_duckdb.boolean_arithmetic",
    pairs=(("sqlite", "duckdb"), ("mysql", "duckdb")),
    fixes=frozenset({"compile"}),
    error_pattern=r"argument types '[^']*\(([^)]*, )?BOOLEAN",
    why="A SQLite BOOLEAN column holds the integers 0 and 1, so AVG(is_active) is the share "
        "of active rows. The loader makes it a DuckDB BOOLEAN, and DuckDB has no "
        "avg(BOOLEAN): the flag is cast to INT first (true -> 1, false -> 0, NULL stays NULL).",
    apply=boolean_arithmetic,
)

RULES = (TOTAL, BOOLEAN_ARITHMETIC)
