"""SUM over intervals (PostgreSQL source, DuckDB target).

PostgreSQL sums intervals field by field: months with months, days with days, time with time
('1 day 23:00' + '02:00' is '1 day 25:00:00'), NULLs skipped, no rows giving NULL. DuckDB has
no sum(INTERVAL) at all (the binder refuses it), though its intervals keep the same three
fields. The rewrite sums each field with DuckDB's date_part and builds the interval again with
to_months / to_days / to_microseconds (pg_justify's helpers): three sums over the same rows,
each NULL exactly when PostgreSQL's is.

Which SUMs: those whose argument is an interval by a small typer of its own — an interval
literal, a stored interval column (source catalog), timestamp - timestamp over catalog
columns, and +, -, * and / that keep an interval. A SUM in a window is left alone.
"""

from __future__ import annotations

from typing import ClassVar

from sqlglot import exp

from tools.db import types as T
from tools.semantics.base import Family, SemanticsContext, template
from tools.semantics.pg_justify import (
    INTERVAL_DAYS,
    INTERVAL_MONTHS,
    INTERVAL_TIME,
    duckdb_interval,
)

_BY_FIELD = "sums an interval field by field"
_NO_SUM = "no sum(INTERVAL)"
_TIMESTAMPS = (T.TIMESTAMP, T.TIMESTAMPTZ)


class IntervalSum(Family):
    name = "interval_sum"
    why = "SUM over intervals"
    BEHAVIOUR: ClassVar[dict[str, str]] = {
        "postgres": _BY_FIELD, "duckdb": _NO_SUM, "sqlite": _BY_FIELD, "mysql": _BY_FIELD,
        "clickhouse": _BY_FIELD}
    # Only PostgreSQL reads SUM(interval) as a source; the other targets have no interval
    # value to sum (interval_columns and date_arithmetic speak for them).
    SOURCES = ("postgres",)
    REWRITES: ClassVar[dict[tuple[str, str], str]] = {(_BY_FIELD, _NO_SUM): "summed_by_field"}

    def nodes(self, tree: exp.Expr, ctx: SemanticsContext) -> list[exp.Expr]:
        return [node for node in ctx.find(tree, exp.Sum)
                if not isinstance(node.parent, exp.Window) and _is_interval(node.this, tree, ctx)]

    def summed_by_field(self, node: exp.Expr, ctx: SemanticsContext) -> exp.Expr:
        fields = (f"SUM({INTERVAL_MONTHS})", f"SUM({INTERVAL_DAYS})", f"SUM({INTERVAL_TIME})")
        return exp.paren(template(duckdb_interval(*fields), "duckdb", I=node.this), copy=False)


def _column_type(node: exp.Expr, tree: exp.Expr, ctx: SemanticsContext) -> str | None:
    return ctx.column_type(tree, node) if isinstance(node, exp.Column) else None


def _is_interval(node: exp.Expr, tree: exp.Expr, ctx: SemanticsContext) -> bool:
    if isinstance(node, exp.Paren):
        return _is_interval(node.this, tree, ctx)
    if isinstance(node, exp.Interval):
        return True
    if isinstance(node, exp.Cast):
        return node.to.is_type(exp.DType.INTERVAL)
    if isinstance(node, exp.Column):
        return _column_type(node, tree, ctx) == T.INTERVAL
    if isinstance(node, exp.Neg):
        return _is_interval(node.this, tree, ctx)
    if isinstance(node, exp.Add):  # a date or timestamp plus an interval is not one
        return _is_interval(node.this, tree, ctx) and _is_interval(node.expression, tree, ctx)
    if isinstance(node, exp.Sub):
        return (_is_interval(node.this, tree, ctx) and _is_interval(node.expression, tree, ctx)) \
            or (_column_type(node.this, tree, ctx) in _TIMESTAMPS
                and _column_type(node.expression, tree, ctx) in _TIMESTAMPS)
    if isinstance(node, exp.Mul):
        return _is_interval(node.this, tree, ctx) or _is_interval(node.expression, tree, ctx)
    if isinstance(node, exp.Div):
        return _is_interval(node.this, tree, ctx)
    return False
