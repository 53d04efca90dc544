"""string_agg(x, sep ORDER BY k): an ordered text aggregate where the target takes no ORDER BY
inside the aggregate.

PostgreSQL and DuckDB concatenate in the ORDER BY's order, skipping NULL values (NULL when
none is left). ClickHouse's groupConcat takes no ORDER BY: the rewrite collects (sort key,
value) pairs of the non-NULL values, sorts them (arraySort, or arrayReverseSort when every key
is DESC) and joins the values:

    if(countIf(x IS NOT NULL) = 0, NULL, arrayStringConcat(arrayMap(p -> p.2,
       arraySort(p -> p.1, groupArrayIf(tuple(tuple(isNull(k), k), x), x IS NOT NULL))), sep))

The isNull(k) flag in front of each key puts NULL keys where the source does (last for ASC,
first for DESC, or as NULLS FIRST/LAST says). Keys in mixed directions cannot share one array
sort, and DISTINCT has no such spelling: both are unsupported there. SQLite before 3.44 has no
ORDER BY inside group_concat, and an aggregate there keeps no order of its input otherwise.
"""

from __future__ import annotations

from typing import ClassVar

from sqlglot import exp

from tools.errors import Unsupported
from tools.semantics.base import Family, SemanticsContext, template

_ORDERED = "ORDER BY inside the aggregate"
_SORTED_ARRAY = "no ORDER BY inside groupConcat: sort an array of pairs"
_NO_ORDER = "no ORDER BY inside group_concat before SQLite 3.44"

_CLICKHOUSE = ("if(countIf(X IS NOT NULL) = 0, NULL, arrayStringConcat(arrayMap(p -> p.2, "
               "{sort}(p -> p.1, groupArrayIf(tuple(KEY, X), X IS NOT NULL))), SEP))")


def _call(name: str, *args: exp.Expr) -> exp.Expr:
    return exp.Anonymous(this=name, expressions=list(args))


class OrderedStringAgg(Family):
    name = "ordered_string_agg"
    why = "string_agg/group_concat with ORDER BY inside the aggregate"
    BEHAVIOUR: ClassVar[dict[str, str]] = {
        "postgres": _ORDERED, "duckdb": _ORDERED, "mysql": _ORDERED,
        "clickhouse": _SORTED_ARRAY, "sqlite": _NO_ORDER,
    }
    SOURCES = ("postgres", "duckdb")
    REWRITES: ClassVar[dict[tuple[str, str], str]] = {
        (_ORDERED, _SORTED_ARRAY): "sorted_array",
        (_ORDERED, _NO_ORDER): "unsupported: SQLite before 3.44 takes no ORDER BY inside "
                               "group_concat, and its aggregates keep no input order",
    }

    def nodes(self, tree: exp.Expr, ctx: SemanticsContext) -> list[exp.Expr]:
        return list(ctx.find(tree, exp.GroupConcat))

    def applies(self, node: exp.Expr, tree: exp.Expr, ctx: SemanticsContext) -> bool:
        return isinstance(node.this, exp.Order)

    def sorted_array(self, node: exp.Expr, ctx: SemanticsContext) -> exp.Expr:
        order: exp.Order = node.this
        value = order.this
        keys: list[exp.Ordered] = list(order.expressions)
        directions = {bool(k.args.get("desc")) for k in keys}
        if isinstance(value, exp.Distinct) or len(directions) != 1:
            raise Unsupported(f"{self.why} cannot be carried from {ctx.source} to "
                              f"{ctx.target}: one array sort cannot follow DISTINCT or keys in "
                              f"mixed directions")
        descending = directions.pop()
        parts: list[exp.Expr] = []
        for key in keys:
            # the flag sorts first: 0 before 1 ascending, 1 before 0 when the sort is reversed
            nulls_first = bool(key.args.get("nulls_first"))
            flag = "isNotNull" if nulls_first != descending else "isNull"
            parts += [_call(flag, key.this.copy()), key.this.copy()]
        separator = node.args.get("separator") or exp.Literal.string(",")
        sort = "arrayReverseSort" if descending else "arraySort"
        return template(_CLICKHOUSE.format(sort=sort), ctx.target, X=value,
                        KEY=_call("tuple", *parts), SEP=separator)
