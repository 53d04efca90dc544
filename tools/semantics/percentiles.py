"""Ordered-set aggregates: percentile_cont / percentile_disc / median / quantile.

PostgreSQL (`percentile_cont(p) WITHIN GROUP (ORDER BY x)`) and DuckDB (`quantile_cont(x, p)`,
`median`, `quantile_disc`) compute them exactly: _cont interpolates linearly between the two
nearest values, _disc takes the first value whose cumulative share reaches p. ClickHouse's
`median` and `quantile` are estimates (a reservoir sample beyond 8192 rows) and its
quantileExact picks a different neighbour, so the rewrite writes quantileExactInclusive
(the same interpolation) for _cont and indexes the sorted values for _disc. MySQL/MariaDB has
them only as window functions and SQLite not at all: no faithful rewrite in place there.
"""

from __future__ import annotations

from typing import ClassVar

from sqlglot import exp

from tools.semantics.base import Family, SemanticsContext, template

_EXACT = "exact ordered-set aggregates"
_ESTIMATES = "median/quantile estimate"
_WINDOW_ONLY = "percentile functions only as window functions"
_NONE = "no percentile functions"


def _parts(node: exp.Expr) -> tuple[str, exp.Expr, exp.Expr, bool] | None:
    """(cont|disc, the ordered value, the fraction, descending) of an ordered-set aggregate."""
    if isinstance(node, exp.WithinGroup) and isinstance(node.this, (exp.PercentileCont,
                                                                    exp.PercentileDisc)):
        keys = node.expression.expressions if node.expression else []
        if len(keys) != 1:
            return None
        kind = "cont" if isinstance(node.this, exp.PercentileCont) else "disc"
        return kind, keys[0].this, node.this.this, bool(keys[0].args.get("desc"))
    if isinstance(node, (exp.PercentileCont, exp.PercentileDisc)) and node.expression:
        if isinstance(node.parent, exp.WithinGroup):
            return None
        kind = "cont" if isinstance(node, exp.PercentileCont) else "disc"
        return kind, node.this, node.expression, False
    if isinstance(node, exp.Median):
        return "cont", node.this, exp.Literal.number(0.5), False
    if isinstance(node, exp.Quantile):
        return "disc", node.this, node.args["quantile"], False
    return None


class Percentiles(Family):
    name = "percentiles"
    why = "percentile_cont / percentile_disc / median (ordered-set aggregates)"
    BEHAVIOUR: ClassVar[dict[str, str]] = {
        "postgres": _EXACT, "duckdb": _EXACT, "clickhouse": _ESTIMATES,
        "mysql": _WINDOW_ONLY, "sqlite": _NONE,
    }
    REWRITES: ClassVar[dict[tuple[str, str], str]] = {
        (_EXACT, _ESTIMATES): "exact_on_clickhouse",
        (_EXACT, _WINDOW_ONLY): "unsupported: MySQL/MariaDB has percentile_cont/_disc and "
                                "median only as window functions, not as aggregates",
        (_EXACT, _NONE): "unsupported: SQLite has no percentile or median function",
    }
    # sources that cannot write one as an aggregate have nothing to carry
    REWRITES.update({(src, tgt): "same" for src in (_WINDOW_ONLY, _NONE)
                     for tgt in (_EXACT, _ESTIMATES, _WINDOW_ONLY, _NONE) if src != tgt})

    def nodes(self, tree: exp.Expr, ctx: SemanticsContext) -> list[exp.Expr]:
        return [n for n in ctx.find(tree, exp.WithinGroup, exp.PercentileCont,
                                    exp.PercentileDisc, exp.Median, exp.Quantile)
                if _parts(n) is not None and not isinstance(n.parent, exp.Window)
                and not isinstance(n.parent.parent if n.parent else None, exp.Window)]

    def exact_on_clickhouse(self, node: exp.Expr, ctx: SemanticsContext) -> exp.Expr:
        parts = _parts(node)
        assert parts is not None
        kind, value, fraction, desc = parts
        if desc:
            fraction = exp.Sub(this=exp.Literal.number(1), expression=fraction.copy())
        if kind == "cont":
            return template("if(count(X) = 0, NULL, quantileExactInclusive(P)(X))",
                            "clickhouse", X=value, P=_folded(fraction))
        # the first sorted value whose cumulative share reaches p (1-based position)
        return template("if(count(X) = 0, NULL, arrayElement(arraySort(groupArray(X)), "
                        "toUInt64(greatest(ceil(P * count(X)), 1))))",
                        "clickhouse", X=value, P=fraction)


def _folded(fraction: exp.Expr) -> exp.Expr:
    """quantileExactInclusive takes its level as a constant literal: 1 - 0.25 becomes 0.75."""
    if isinstance(fraction, exp.Sub) and fraction.this.is_number and fraction.expression.is_number:
        return exp.Literal.number(float(fraction.this.name) - float(fraction.expression.name))
    return fraction
