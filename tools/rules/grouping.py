"""Bare columns in aggregate queries (SQLite, and MySQL without ONLY_FULL_GROUP_BY).

SQLite accepts `SELECT customer_id, MAX(total), order_id FROM orders GROUP BY customer_id`
and documents the answer: with exactly one min() or max() aggregate, the bare column comes
from the row holding that min/max; otherwise from an arbitrary row of the group (in practice
the column is determined by the key: `c.name` grouped by `c.customer_id`). DuckDB refuses
the query: 'column "order_id" must appear in the GROUP BY clause or must be part of an
aggregate function'.
"""

from __future__ import annotations

from sqlglot import exp

from tools.rules.base import Rule, RuleContext


def _grouped(select: exp.Select) -> tuple[set[str], set[str]]:
    """SQL text of the GROUP BY expressions (aliases and ordinals resolved), and the bare
    names of grouped columns (so c.customer_id counts when o.customer_id is grouped is NOT
    assumed -- only same-name columns without a qualifier match)."""
    projections = select.expressions
    aliases = {p.alias.lower(): p.unalias() for p in projections if p.alias}
    exprs: list[exp.Expr] = []
    group = select.args.get("group")
    for item in group.expressions if group else []:
        if isinstance(item, exp.Literal) and item.is_int and 0 < int(item.this) <= len(projections):
            exprs.append(projections[int(item.this) - 1].unalias())
        elif isinstance(item, exp.Column) and not item.table and item.name.lower() in aliases:
            exprs.append(aliases[item.name.lower()])
            exprs.append(item)
        else:
            exprs.append(item)
    texts = {e.sql().lower() for e in exprs}
    names = {e.name.lower() for e in exprs if isinstance(e, exp.Column)}
    return texts, names


# Aggregates sqlglot does not model (pass-through names), and the ones this rule writes.
_OTHER_AGGREGATES = {"TOTAL", "ARG_MAX_NULL", "ARG_MIN_NULL", "ARG_MAX", "ARG_MIN"}


def _is_aggregate(node: exp.Expr) -> bool:
    return isinstance(node, exp.AggFunc) or (
        isinstance(node, exp.Anonymous) and str(node.this).upper() in _OTHER_AGGREGATES)


def _own_columns(node: exp.Expr, select: exp.Select) -> list[exp.Column]:
    """Columns of this SELECT's scope outside aggregates, windows and subqueries."""
    out = []
    for col in node.find_all(exp.Column):
        parent, inside = col.parent, False
        while parent is not None and parent is not select:
            if _is_aggregate(parent) or isinstance(parent, exp.Window | exp.Subquery | exp.Select):
                inside = True
                break
            parent = parent.parent
        if not inside:
            out.append(col)
    return out


def _is_grouped(col: exp.Column, texts: set[str], names: set[str], stop: exp.Expr) -> bool:
    node: exp.Expr | None = col
    while node is not None and node is not stop:
        if node.sql().lower() in texts:
            return True
        node = node.parent
    return col.name.lower() in names and (not col.table or col.sql().lower() in texts)


def _fix_select(select: exp.Select) -> bool:
    aggregates = [a for p in select.expressions for a in p.walk() if _is_aggregate(a)
                  and a.find_ancestor(exp.Select) is select
                  and not a.find_ancestor(exp.Window)]
    if not aggregates and not select.args.get("group"):
        return False
    texts, names = _grouped(select)
    aliases = {p.alias.lower() for p in select.expressions if p.alias}
    minmax = [a for a in aggregates if isinstance(a, exp.Max | exp.Min)
              and not a.args.get("expressions")]
    changed = False
    having, order = select.args.get("having"), select.args.get("order")
    places = [(p, False) for p in select.expressions] + [
        (p, True) for p in (having, order) if p is not None]
    for place, alias_scope in places:
        for col in _own_columns(place, select):
            if _is_grouped(col, texts, names, select):
                continue
            if alias_scope and not col.table and col.name.lower() in aliases:
                continue  # HAVING/ORDER BY alias: an output column, not a bare column
            if len(minmax) == 1:
                by = minmax[0].this.copy()
                func = "ARG_MAX_NULL" if isinstance(minmax[0], exp.Max) else "ARG_MIN_NULL"
                new: exp.Expr = exp.Anonymous(this=func, expressions=[col.copy(), by])
            elif not minmax:
                new = exp.AnyValue(this=col.copy())
            else:
                return False  # several min()/max(): SQLite's pick is arbitrary -- unsupported
            if col.parent is select:
                # A bare projection is named after the column in SQLite; ANY_VALUE(name)
                # would rename it (and break views that read it by name).
                new = exp.alias_(new, col.name, quoted=col.this.quoted)
            col.replace(new)
            changed = True
    return changed


def bare_columns(tree: exp.Expr, ctx: RuleContext) -> exp.Expr | None:
    changed = False
    for select in list(tree.find_all(exp.Select)):
        changed = _fix_select(select) or changed
    return tree if changed else None


BARE_COLUMNS = Rule(
    id="sqlite_duckdb.bare_columns",
    pairs=(("sqlite", "duckdb"), ("mysql", "duckdb")),
    fixes=frozenset({"compile"}),
    error_pattern=r"must appear in the GROUP BY clause or must be part of an aggregate",
    why="SQLite takes a bare column in an aggregate query from the row that holds the one "
        "max()/min() of the query: SELECT customer_id, MAX(total), order_id ... GROUP BY "
        "customer_id gives the id of the largest order. DuckDB refuses it. With one max/min "
        "the column becomes arg_max_null(col, expr) / arg_min_null (the _null variants, "
        "because plain arg_max skips rows whose col is NULL, which SQLite does not); with "
        "none it becomes ANY_VALUE(col); with several it is left unsupported.",
    apply=bare_columns,
)

RULES = (BARE_COLUMNS,)
