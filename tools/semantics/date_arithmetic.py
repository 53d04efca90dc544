"""Date arithmetic with plain numbers: date + int, date - int, date - date.

PostgreSQL, DuckDB and ClickHouse read date + 1 as the next day and date - date as a number of
days. MySQL/MariaDB turn a DATE into the number 20240131 in arithmetic, so '2024-01-31' + 1
is 20240132 and date - date is a difference of such numbers; SQLite keeps dates as text,
where + and - convert '2024-01-31' to 2024. The rewrite spells day arithmetic with the
target's own date functions (DATE_ADD / DATEDIFF, date() / julianday()). Which operands are
dates comes from the source catalog's types.
"""

from __future__ import annotations

from typing import ClassVar

from sqlglot import exp

from tools.semantics.base import Family, SemanticsContext

_DAYS = "date +/- int is a date, date - date is days"
_NUMBERS = "dates become numbers in arithmetic"
_TEXT = "dates are text"


class DateArithmetic(Family):
    name = "date_arithmetic"
    why = "date + int, date - int and date - date"
    BEHAVIOUR: ClassVar[dict[str, str]] = {
        "postgres": _DAYS, "duckdb": _DAYS, "clickhouse": _DAYS, "mysql": _NUMBERS,
        "sqlite": _TEXT,
    }
    REWRITES: ClassVar[dict[tuple[str, str], str]] = {
        (_DAYS, _NUMBERS): "day_functions", (_DAYS, _TEXT): "day_functions",
    }
    SOURCES = ("postgres", "duckdb")

    def _operands(self, node: exp.Expr, tree: exp.Expr,
                  ctx: SemanticsContext) -> tuple[str, str] | None:
        left = ctx.source_kind(tree, node.this)
        right = ctx.source_kind(tree, node.expression)
        return (left, right) if left and right else None

    def nodes(self, tree: exp.Expr, ctx: SemanticsContext) -> list[exp.Expr]:
        return list(ctx.find(tree, exp.Add, exp.Sub))

    def applies(self, node: exp.Expr, tree: exp.Expr, ctx: SemanticsContext) -> bool:
        kinds = self._operands(node, tree, ctx)
        if kinds is None:
            return False
        if isinstance(node, exp.Add):
            return kinds in (("date", "int"), ("int", "date"))
        return kinds in (("date", "int"), ("date", "date"))

    def day_functions(self, node: exp.Expr, ctx: SemanticsContext) -> exp.Expr:
        kinds = self._operands(node, ctx_tree(node), ctx)
        day = exp.var("DAY")
        if kinds == ("date", "date"):
            return exp.DateDiff(this=node.this.copy(), expression=node.expression.copy(),
                                unit=day)
        date, days = ((node.expression, node.this) if kinds == ("int", "date")
                      else (node.this, node.expression))
        if isinstance(node, exp.Sub):
            days = exp.Neg(this=exp.paren(days.copy(), copy=False))
        return exp.DateAdd(this=date.copy(), expression=days.copy(), unit=day)


def ctx_tree(node: exp.Expr) -> exp.Expr:
    """The root of the tree `node` sits in (kinds are looked up by the table it reads)."""
    while node.parent is not None:
        node = node.parent
    return node
