"""A column selected beside GROUP BY without being grouped or aggregated.

    SQLite, MySQL/MariaDB (ONLY_FULL_GROUP_BY off, MariaDB's default)  any column: the value
                of some row of the group
    PostgreSQL  a column functionally dependent on a grouped primary key (GROUP BY c.id
                selects c.name)
    DuckDB, ClickHouse  only grouped columns: the query fails
The rewrite wraps each such column in the target's any-value aggregate (ANY_VALUE on DuckDB,
any on ClickHouse, MIN on PostgreSQL 15, which has no ANY_VALUE). From PostgreSQL the column
is dependent on the key, so every row of the group holds the same value and the result is
the source's; from SQLite/MySQL the source's own choice is an arbitrary row's value, which
the rewrite makes a fixed one.

SQLite documents one exception: with exactly one min() or max() aggregate in the query, a bare
column comes from the row holding that min/max (`SELECT customer_id, MAX(total), order_id`
is the id of the largest order). That becomes the target's arg-max: DuckDB's arg_max_null
(plain arg_max skips rows whose column is NULL, SQLite does not), ClickHouse's argMax over a
one-element tuple (the tuple keeps a NULL column), PostgreSQL's first element of an ordered
array_agg; MariaDB has no such aggregate, so that pair is refused with a reason.
"""

from __future__ import annotations

from typing import ClassVar

from sqlglot import exp

from tools.errors import Unsupported
from tools.semantics.base import Family, SemanticsContext

_BARE = "any column beside GROUP BY"
_DEPENDENT = "columns dependent on a grouped key"
_GROUPED = "only grouped columns"


def _grouped(select: exp.Select) -> tuple[set[str], set[tuple[str, str]]]:
    """(SQL of each GROUP BY expression, (qualifier, name) of each grouped column), positions
    and output aliases resolved to the select expressions they name."""
    outputs = select.expressions
    aliases = {e.alias.lower(): e.this for e in outputs if isinstance(e, exp.Alias)}
    keys: list[exp.Expr] = []
    for key in select.args["group"].expressions:
        if isinstance(key, exp.Literal) and key.is_int and 0 < int(key.name) <= len(outputs):
            target = outputs[int(key.name) - 1]
            keys.append(target.this if isinstance(target, exp.Alias) else target)
        elif isinstance(key, exp.Column) and not key.table and key.name.lower() in aliases:
            keys += [aliases[key.name.lower()], key]
        else:
            keys.append(key)
    texts = {k.sql().lower() for k in keys}
    columns = {(k.table.lower(), k.name.lower()) for k in keys if isinstance(k, exp.Column)}
    return texts, columns


def _bare_columns(select: exp.Select) -> list[exp.Column]:
    texts, columns = _grouped(select)
    aliases = {e.alias.lower() for e in select.expressions if isinstance(e, exp.Alias)}
    roots: list[tuple[exp.Expr, bool]] = [(e, False) for e in select.expressions]
    roots += [(select.args[part], True) for part in ("having", "order") if select.args.get(part)]
    found: list[exp.Column] = []
    for root, may_name_output in roots:
        for column in root.find_all(exp.Column):
            if column.find_ancestor(exp.Select) is not select:
                continue  # a subquery's own column
            if may_name_output and not column.table and column.name.lower() in aliases:
                continue  # HAVING / ORDER BY naming an output column
            if not _covered(column, root, texts, columns):
                found.append(column)
    return found


# Aggregates sqlglot reads as plain function calls: a column inside one is not bare.
_ANONYMOUS_AGGREGATES = {"TOTAL", "ARG_MAX_NULL", "ARG_MIN_NULL", "ARG_MAX", "ARG_MIN",
                         "ARGMAX", "ARGMIN", "JSON_GROUP_ARRAY", "JSON_GROUP_OBJECT",
                         "BIT_AND", "BIT_OR", "BIT_XOR", "ANY"}


def _is_aggregate(node: exp.Expr) -> bool:
    return isinstance(node, (exp.AggFunc, exp.Filter, exp.WithinGroup)) or (
        isinstance(node, exp.Anonymous) and str(node.this).upper() in _ANONYMOUS_AGGREGATES)


def _one_min_max(select: exp.Select) -> exp.Max | exp.Min | None:
    """The query's only min()/max() aggregate, the one SQLite takes bare columns' row from."""
    found = [node for projection in select.expressions for node in projection.find_all(
        exp.Max, exp.Min) if node.find_ancestor(exp.Select) is select
        and not node.find_ancestor(exp.Window) and not node.args.get("expressions")]
    return found[0] if len(found) == 1 else None


def _covered(column: exp.Column, root: exp.Expr, texts: set[str],
             columns: set[tuple[str, str]]) -> bool:
    table, name = column.table.lower(), column.name.lower()
    # GROUP BY id with SELECT c.id (or the other way round) is the same column
    if any(n == name and (not t or not table or t == table) for t, n in columns):
        return True
    node: exp.Expr | None = column
    while node is not None:
        if _is_aggregate(node) or isinstance(node, (exp.Window, exp.Subquery)):
            return True
        if node.sql().lower() in texts:
            return True
        if node is root:
            break
        node = node.parent
    return False


class GroupedColumns(Family):
    name = "grouped_columns"
    why = "A column selected beside GROUP BY that is neither grouped nor aggregated"
    BEHAVIOUR: ClassVar[dict[str, str]] = {
        "sqlite": _BARE, "mysql": _BARE, "postgres": _DEPENDENT,
        "duckdb": _GROUPED, "clickhouse": _GROUPED,
    }
    REWRITES: ClassVar[dict[tuple[str, str], str]] = {
        (_BARE, _DEPENDENT): "any_value", (_BARE, _GROUPED): "any_value",
        (_DEPENDENT, _GROUPED): "any_value", (_DEPENDENT, _BARE): "same",
        (_GROUPED, _BARE): "same", (_GROUPED, _DEPENDENT): "same",
    }

    def nodes(self, tree: exp.Expr, ctx: SemanticsContext) -> list[exp.Expr]:
        found: list[exp.Expr] = []
        for select in ctx.find(tree, exp.Select):
            if select.args.get("group") and select.args["group"].expressions:
                found.extend(_bare_columns(select))
        return found

    def any_value(self, node: exp.Expr, ctx: SemanticsContext) -> exp.Expr:
        select = node.find_ancestor(exp.Select)
        extreme = _one_min_max(select) if ctx.source == "sqlite" and select else None
        picked: exp.Expr
        if extreme is not None:
            picked = _row_of_extreme(node.copy(), extreme, ctx.target)
        elif ctx.target == "postgres":
            picked = exp.Min(this=node.copy())
        else:
            picked = exp.AnyValue(this=node.copy())
        if isinstance(node.parent, exp.Select) and node.arg_key == "expressions":
            # a bare output column keeps its name: later views select it by that name
            return exp.alias_(picked, exp.to_identifier(node.name, quoted=node.this.quoted))
        return picked


def _row_of_extreme(column: exp.Expr, extreme: exp.Max | exp.Min, target: str) -> exp.Expr:
    """`column` on the row holding the group's max (min) of the aggregate's argument."""
    by, is_max = extreme.this.copy(), isinstance(extreme, exp.Max)
    if target == "duckdb":
        return exp.Anonymous(this="ARG_MAX_NULL" if is_max else "ARG_MIN_NULL",
                             expressions=[column, by])
    if target == "clickhouse":
        pick = exp.Anonymous(this="argMax" if is_max else "argMin",
                             expressions=[exp.Anonymous(this="tuple", expressions=[column]), by])
        return exp.Anonymous(this="tupleElement", expressions=[pick, exp.Literal.number(1)])
    if target == "postgres":
        ordered = exp.Ordered(this=by, desc=is_max, nulls_first=False)
        agg = exp.ArrayAgg(this=exp.Order(this=column, expressions=[ordered]))
        kept = exp.Filter(this=agg, expression=exp.Where(this=exp.Not(this=exp.Is(
            this=by.copy(), expression=exp.Null()))))
        # sqlglot holds subscripts 0-based and writes them in the dialect's base: [1] on PostgreSQL
        return exp.Bracket(this=exp.Paren(this=kept), expressions=[exp.Literal.number(0)])
    raise Unsupported(f"SQLite takes a bare column from the row of the query's one "
                      f"{'max' if is_max else 'min'}(); {target} has no arg-max aggregate")
