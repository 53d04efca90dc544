"""A SELECT alias that has the name of a column the query reads.

In SQLite, DuckDB, PostgreSQL and MySQL a bare name in WHERE, GROUP BY and HAVING means the
table's column when one has that name (`SELECT MIN(name) AS name ... GROUP BY name` groups
by the column). ClickHouse resolves a bare name to the SELECT alias first, anywhere in the
query: the same statement groups by the aggregate and fails ("Aggregate function MIN(name)
AS name is found in GROUP BY"), or silently filters on the alias's value. Other families
make such aliases too (text_collation shows a folded group's spelling as MIN(col) AS col).
The rewrite qualifies those bare column references with their table, which ClickHouse never
reads as an alias. ORDER BY is left alone: there every engine prefers the alias.
"""

from __future__ import annotations

from typing import ClassVar

from sqlglot import exp

from tools.semantics import tree_walk
from tools.semantics.base import Family, SemanticsContext

_COLUMN_FIRST = "a bare name is the table's column before a SELECT alias"
_ALIAS_FIRST = "a bare name is the SELECT alias before the table's column"


class AliasShadowing(Family):
    name = "alias_shadowing"
    why = "A SELECT alias named like a column the query reads"
    BEHAVIOUR: ClassVar[dict[str, str]] = {
        "sqlite": _COLUMN_FIRST, "duckdb": _COLUMN_FIRST, "postgres": _COLUMN_FIRST,
        "mysql": _COLUMN_FIRST, "clickhouse": _ALIAS_FIRST,
    }
    REWRITES: ClassVar[dict[tuple[str, str], str]] = {
        (_COLUMN_FIRST, _ALIAS_FIRST): "qualify_shadowed",
    }

    def nodes(self, tree: exp.Expr, ctx: SemanticsContext) -> list[exp.Expr]:
        return list(ctx.find(tree, exp.Select))

    def applies(self, node: exp.Expr, tree: exp.Expr, ctx: SemanticsContext) -> bool:
        # decided when rewriting: the aliases that shadow a column are often made by another
        # family's rewrite of this SELECT (which runs first: the families before this one)
        return isinstance(node.args.get("from_"), exp.From)

    def qualify_shadowed(self, select: exp.Expr, ctx: SemanticsContext) -> exp.Expr:
        shadowing = _shadowing_aliases(select)
        if not shadowing:
            return select
        own = tree_walk.own_nodes(select)
        found: tuple[str | None, dict[str, str]] | None = None  # the owners, once needed
        group = select.args.get("group")
        grouped = {c.name.lower() for c in (group.expressions if group else [])
                   if isinstance(c, exp.Column)}
        for column in _own_columns(own):
            name = column.name.lower()
            if column.table or name not in shadowing or isinstance(column.parent, exp.Ordered):
                continue
            if isinstance(column.parent, exp.Alias) and column.parent.parent is select:
                continue  # `name AS n` in the SELECT list is the column itself
            if column.find_ancestor(exp.Having) is not None \
                    and column.find_ancestor(exp.AggFunc) is None and name not in grouped:
                # a bare column in HAVING: SQLite takes an arbitrary row's value, ClickHouse
                # refuses a column that is neither grouped nor aggregated; left to the alias
                continue
            if found is None:
                found = _column_owners(select, own, ctx)
            only, owners = found
            owner = only or owners.get(name)
            if owner is not None:
                column.set("table", exp.to_identifier(owner))
        return select


def _shadowing_aliases(select: exp.Expr) -> set[str]:
    """Aliases of this SELECT whose expression is not simply the column of that name."""
    names = set()
    for item in select.expressions:
        if not isinstance(item, exp.Alias):
            continue
        inner = item.this
        if isinstance(inner, exp.Column) and inner.name.lower() == item.alias.lower():
            continue
        names.add(item.alias.lower())
    return names


def _own_columns(own: list[exp.Expr]) -> list[exp.Column]:
    """The column references of a SELECT itself (`own`: its own nodes, tree_walk.own_nodes),
    not of its subqueries, ORDER BY aside except inside an aggregate there: `ORDER BY
    MIN(name)` reads the column everywhere (an aggregate of the alias would be an aggregate
    inside an aggregate), but ClickHouse would read the alias (text_collation writes such
    ORDER BY terms for a MIN(name) AS name group)."""
    return [node for node in own if isinstance(node, exp.Column)
            and (node.find_ancestor(exp.Order) is None or _in_aggregate(node))]


#: aggregates the families write as anonymous calls (argMin, ARG_MIN_NULL, argMaxOrNull, ...)
_ANONYMOUS_AGGREGATES = ("argmin", "argmax", "arg_min", "arg_max")


def _in_aggregate(node: exp.Expr) -> bool:
    """Whether an ORDER BY column sits inside an aggregate call of that ORDER BY."""
    outer = node.parent
    while outer is not None and not isinstance(outer, exp.Order):
        if isinstance(outer, exp.AggFunc) or (isinstance(outer, exp.Anonymous)
                                              and outer.name.lower().startswith(
                                                  _ANONYMOUS_AGGREGATES)):
            return True
        outer = outer.parent
    return False


def _column_owners(select: exp.Expr, own: list[exp.Expr], ctx: SemanticsContext
                   ) -> tuple[str | None, dict[str, str]]:
    """(the FROM's one table, when it reads one table the catalog does not know and joins none:
    every column is its own; else column name -> the one table of the FROM the catalog says
    holds it, a name two tables hold being left out). A name no table holds is the alias
    itself (`SELECT l_suppkey AS supplier_no ... GROUP BY supplier_no`): left bare."""
    # the SELECT's own tables (not its subqueries'), in walk order
    sources = [t for t in own if isinstance(t, exp.Table)]
    if len(sources) == 1 and not select.args.get("joins") \
            and isinstance(select.args["from_"].this, exp.Table) \
            and ctx.lower_columns(sources[0].name.lower()) is None:
        return sources[0].alias_or_name, {}
    owners: dict[str, list[str]] = {}
    for table in sources:
        name = table.alias_or_name
        for column in ctx.lower_columns(table.name.lower()) or ():
            owners.setdefault(column, []).append(name)
    return None, {column: names[0] for column, names in owners.items() if len(names) == 1}
