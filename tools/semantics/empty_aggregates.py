"""SUM / AVG / MIN / MAX over no rows.

Every engine returns NULL for them over an empty set, except ClickHouse on a column that is
not Nullable: sum is 0, min and max the type's default (0, ''), avg nan. The loader makes a
column Nullable where the source allows NULL, but key and NOT NULL columns are not, and an
aggregate without GROUP BY meets an empty set whenever its WHERE matches nothing. The rewrite
writes the -OrNull combinator (sumOrNull, ...), which returns NULL for no rows and the same
value otherwise.
"""

from __future__ import annotations

from typing import ClassVar

from sqlglot import exp

from tools.semantics.base import Family, SemanticsContext

_NULL = "NULL over no rows"
_DEFAULT = "the type's default over no rows (non-Nullable columns)"
_OR_NULL: dict[type[exp.Expr], str] = {
    exp.Sum: "sumOrNull", exp.Avg: "avgOrNull", exp.Min: "minOrNull", exp.Max: "maxOrNull"}


class EmptyAggregates(Family):
    name = "empty_aggregates"
    why = "SUM/AVG/MIN/MAX over an empty set"
    BEHAVIOUR: ClassVar[dict[str, str]] = {
        "postgres": _NULL, "duckdb": _NULL, "sqlite": _NULL, "mysql": _NULL,
        "clickhouse": _DEFAULT,
    }
    REWRITES: ClassVar[dict[tuple[str, str], str]] = {(_NULL, _DEFAULT): "or_null"}

    def nodes(self, tree: exp.Expr, ctx: SemanticsContext) -> list[exp.Expr]:
        return [n for n in ctx.find(tree, *_OR_NULL) if type(n) in _OR_NULL]

    def applies(self, node: exp.Expr, tree: exp.Expr, ctx: SemanticsContext) -> bool:
        if isinstance(node.parent, exp.Window) or isinstance(node.this, exp.Distinct):
            return False
        select = node.find_ancestor(exp.Select)
        # grouped rows are never empty; only a whole-set aggregate can meet no rows
        return select is not None and not select.args.get("group")

    def or_null(self, node: exp.Expr, ctx: SemanticsContext) -> exp.Expr:
        return exp.Anonymous(this=_OR_NULL[type(node)], expressions=[node.this.copy()])
