"""CAST of a fractional number to an integer type: truncated or rounded.

SQLite and ClickHouse truncate toward zero (CAST(2.7 AS INTEGER) = 2, -2.7 -> -2).
PostgreSQL, DuckDB and MySQL/MariaDB round: a decimal half away from zero (2.5 -> 3,
-2.5 -> -3), a double half to even (rint: 2.5 -> 2, 3.5 -> 4). The rewrite makes the
target's cast see a whole number already, so its own rule no longer matters: TRUNC(x) where
the source truncates, the source's rounding spelled out (exact on every engine) where it
rounds. Text operands are the implicit-cast family's, integers need nothing.
"""

from __future__ import annotations

from typing import ClassVar

from sqlglot import exp

from tools.semantics.base import Family, SemanticsContext, template
from tools.semantics.rounding import FloatRounding

_TRUNCATES = "truncates toward zero"
_ROUNDS = "rounds (decimal half away, double half to even)"


class IntegerCast(Family):
    name = "integer_cast"
    why = "CAST of a fractional number to an integer type"
    BEHAVIOUR: ClassVar[dict[str, str]] = {
        "sqlite": _TRUNCATES, "clickhouse": _TRUNCATES,
        "postgres": _ROUNDS, "duckdb": _ROUNDS, "mysql": _ROUNDS,
    }
    REWRITES: ClassVar[dict[tuple[str, str], str]] = {
        (_TRUNCATES, _ROUNDS): "truncate_first",
        (_ROUNDS, _TRUNCATES): "round_first",
    }

    #: both round, but DuckDB computes an AVG or a decimal quotient as a double (and so does
    #: MySQL once decimal_scale carries PostgreSQL's), which rounds half to even where the
    #: source's decimal rounds half away
    OVERRIDES: ClassVar[dict[tuple[str, str], str]] = {
        ("postgres", "duckdb"): "round_first", ("mysql", "duckdb"): "round_first",
        ("postgres", "mysql"): "round_first"}

    def nodes(self, tree: exp.Expr, ctx: SemanticsContext) -> list[exp.Expr]:
        return [n for n in ctx.find(tree, exp.Cast)
                if n.to.is_type(*exp.DataType.INTEGER_TYPES)]

    def applies(self, node: exp.Expr, tree: exp.Expr, ctx: SemanticsContext) -> bool:
        kind = ctx.source_kind(tree, node.this)
        # kept for the rewrite: by then an inner rewrite may have changed the operand's spelling
        # (decimal_scale makes a decimal quotient a double on ClickHouse)
        node.meta["source_kind"] = kind
        if (ctx.source, ctx.target) in self.OVERRIDES:
            return kind == "decimal"
        return kind in ("float", "decimal")

    def _recast(self, node: exp.Expr, value: exp.Expr) -> exp.Expr:
        out = node.copy()
        out.set("this", value)
        return out

    def truncate_first(self, node: exp.Expr, ctx: SemanticsContext) -> exp.Expr:
        return self._recast(node, template("TRUNC(X)", "postgres", X=node.this))

    def round_first(self, node: exp.Expr, ctx: SemanticsContext) -> exp.Expr:
        rounding, whole = FloatRounding(), exp.Round(this=node.this)
        kind = node.meta.get("source_kind") or ctx.source_kind(node.root(), node.this)
        if kind == "float":
            value = rounding.half_even(whole, ctx)  # rint(): the even neighbour on a half
        else:
            # decimal arithmetic is exact: a half moves away from zero, then truncates
            value = rounding.add_half(whole, ctx)
        return self._recast(node, value)
