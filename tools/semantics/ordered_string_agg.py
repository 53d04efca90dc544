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
sort, and DISTINCT has no such spelling: both are unsupported there.

SQLite before 3.44 has no ORDER BY inside group_concat, and its aggregates keep no input order;
its group_concat *window* does follow the window's ORDER BY. Over one table, the statement
reads a derived table of the same name holding the rows the WHERE keeps plus, per ordered
aggregate, group_concat over the whole partition of its group (PARTITION BY the GROUP BY
expressions), and the aggregate becomes MAX of that column (every row of a group holds the same
text; no row gives NULL, as string_agg does):

    SELECT g, MAX(_ordered_agg_1) FROM (SELECT *, group_concat(x, sep) OVER (PARTITION BY g
      ORDER BY k ROWS BETWEEN UNBOUNDED PRECEDING AND UNBOUNDED FOLLOWING) AS _ordered_agg_1
      FROM t WHERE w) AS t GROUP BY g

A join, SELECT *, DISTINCT or a GROUP BY that is not plain expressions has no such rewrite.
"""

from __future__ import annotations

from typing import ClassVar

from sqlglot import exp

from tools.errors import Unsupported
from tools.semantics.base import Family, SemanticsContext, template

_ORDERED = "ORDER BY inside the aggregate"
_SORTED_ARRAY = "no ORDER BY inside groupConcat: sort an array of pairs"
_NO_ORDER = "no ORDER BY inside group_concat before SQLite 3.44"

_COLUMN = "_ordered_agg_"
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
        (_ORDERED, _NO_ORDER): "ordered_window",
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

    def ordered_window(self, node: exp.Expr, ctx: SemanticsContext) -> exp.Expr:
        order: exp.Order = node.this
        select = node.find_ancestor(exp.Select)
        table = _single_table(select)
        if (select is None or table is None or isinstance(order.this, exp.Distinct)
                or any(isinstance(e, exp.Star) for e in select.expressions)):
            raise Unsupported(f"{self.why} cannot be carried from {ctx.source} to "
                              f"{ctx.target}: SQLite before 3.44 orders group_concat only as a "
                              f"window, which the library writes over one table without "
                              f"SELECT * or DISTINCT")
        partition = _group_expressions(select)
        if partition is None:
            raise Unsupported(f"{self.why} cannot be carried from {ctx.source} to "
                              f"{ctx.target}: the GROUP BY names an output by alias or "
                              f"position, or makes several groupings, which one window's "
                              f"PARTITION BY cannot repeat")
        # a second ordered aggregate of the same SELECT: the derived table is already there
        inner = table.this if isinstance(table, exp.Subquery) and any(
            e.alias.startswith(_COLUMN) for e in table.this.expressions) else None
        if inner is None:
            # the rows the WHERE keeps, under the table's own name, so outer references stand
            inner = exp.select(exp.Star()).from_(table.copy(), copy=False)
            where = select.args.get("where")
            if where is not None:
                inner.set("where", where.pop())
            named = table.args.get("alias")
            alias = named.this.copy() if named is not None else table.this.copy()
            table.replace(exp.Subquery(this=inner, alias=exp.TableAlias(this=alias)))
        count = len([e for e in inner.expressions if e.alias.startswith(_COLUMN)]) + 1
        name = f"{_COLUMN}{count}"
        separator = node.args.get("separator") or exp.Literal.string(",")
        window = exp.Window(
            this=exp.GroupConcat(this=order.this.copy(), separator=separator.copy()),
            partition_by=[e.copy() for e in partition],
            order=exp.Order(expressions=[k.copy() for k in order.expressions]),
            spec=exp.WindowSpec(kind="ROWS", start="UNBOUNDED", start_side="PRECEDING",
                                end="UNBOUNDED", end_side="FOLLOWING"))
        inner.append("expressions", exp.alias_(window, name))
        return exp.Max(this=exp.column(name))


def _single_table(select: exp.Select | None) -> exp.Expr | None:
    """The one table (or this family's derived table) a SELECT reads, None for a join."""
    if select is None or select.args.get("joins"):
        return None
    source = select.args.get("from_")
    table = source.this if source is not None else None
    return table if isinstance(table, (exp.Table, exp.Subquery)) else None


def _group_expressions(select: exp.Select) -> list[exp.Expr] | None:
    """The GROUP BY expressions to partition by; None when one is an alias or a position, or
    the GROUP BY has several groupings (ROLLUP, CUBE, GROUPING SETS)."""
    group = select.args.get("group")
    if group is None:
        return []
    if any(group.args.get(k) for k in ("rollup", "cube", "grouping_sets", "all")) or any(
            isinstance(k, (exp.Rollup, exp.Cube, exp.GroupingSets)) for k in group.expressions):
        return None  # several groupings: no one PARTITION BY
    aliases = {e.alias for e in select.expressions if e.alias}
    keys = list(group.expressions)
    if any(isinstance(k, exp.Literal) or (isinstance(k, exp.Column) and not k.table
                                          and k.name in aliases) for k in keys):
        return None
    return keys
