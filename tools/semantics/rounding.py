"""ROUND of a floating-point value at a half.

PostgreSQL's round(double precision) is rint(): half to even (2.5 -> 2, 3.5 -> 4,
-2.5 -> -2); MySQL/MariaDB and ClickHouse do the same for doubles. DuckDB rounds a double
half away from zero (2.5 -> 3). SQLite adds a half and truncates, so its
round(0.49999999999999994) is 1 (the sum rounds up to 1.0 in binary) where DuckDB gives 0.
The rewrites use only TRUNC, SIGN, ABS and comparisons, which are exact on every engine.
Decimals round half away from zero everywhere, so the family applies only where the argument
is a float in the source's typing.
"""

from __future__ import annotations

from typing import ClassVar

from sqlglot import exp

from tools.semantics.base import Family, SemanticsContext, int_literal, template

_EVEN = "float halves round to even"
_AWAY = "float halves round away from zero"
_ADD_HALF = "adds a half and truncates"


class FloatRounding(Family):
    name = "float_rounding"
    why = "ROUND(x) of a double at exactly .5"
    BEHAVIOUR: ClassVar[dict[str, str]] = {
        "postgres": _EVEN, "mysql": _EVEN, "clickhouse": _EVEN,
        "sqlite": _ADD_HALF, "duckdb": _AWAY,
    }
    REWRITES: ClassVar[dict[tuple[str, str], str]] = {
        (_EVEN, _AWAY): "half_even", (_EVEN, _ADD_HALF): "half_even",
        (_AWAY, _EVEN): "half_away", (_AWAY, _ADD_HALF): "half_away",
        (_ADD_HALF, _EVEN): "add_half", (_ADD_HALF, _AWAY): "add_half",
    }

    def nodes(self, tree: exp.Expr, ctx: SemanticsContext) -> list[exp.Expr]:
        return list(ctx.find(tree, exp.Round))

    def applies(self, node: exp.Expr, tree: exp.Expr, ctx: SemanticsContext) -> bool:
        digits = node.args.get("decimals")
        # with digits the value is rarely an exact binary half; only whole-number rounding
        # of a float is rewritten
        whole = digits is None or int_literal(digits) == 0
        return whole and ctx.source_kind(tree, node.this) == "float"

    def half_even(self, node: exp.Expr, ctx: SemanticsContext) -> exp.Expr:
        # x - TRUNC(x) is exact; on a half, 2 * ROUND(x / 2) is the even neighbour (x / 2
        # then ends in .25 or .75, which every engine rounds alike)
        return template("CASE WHEN ABS(X - TRUNC(X)) > 0.5 THEN TRUNC(X) + SIGN(X) "
                        "WHEN ABS(X - TRUNC(X)) < 0.5 THEN TRUNC(X) "
                        "ELSE 2 * ROUND(X / 2) END", "postgres", X=node.this)

    def half_away(self, node: exp.Expr, ctx: SemanticsContext) -> exp.Expr:
        return template("CASE WHEN ABS(X - TRUNC(X)) >= 0.5 THEN TRUNC(X) + SIGN(X) "
                        "ELSE TRUNC(X) END", "postgres", X=node.this)

    def add_half(self, node: exp.Expr, ctx: SemanticsContext) -> exp.Expr:
        # SQLite's own arithmetic, spelled out: (double)(int64)(x + 0.5) for x >= 0
        return template("TRUNC(X + SIGN(X) * 0.5)", "postgres", X=node.this)
