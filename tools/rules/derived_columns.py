"""Derived-table column lists: `FROM (SELECT a, COUNT(b) ...) AS t (k, n)`.

Standard SQL, PostgreSQL and DuckDB rename a subquery's columns in its alias; MySQL/MariaDB
(and SQLite) have no such list and refuse the statement ("near '(k, n)'", TPC-H q13). The
same query names the columns inside the subquery instead: `SELECT a AS k, COUNT(b) AS n`.
"""

from __future__ import annotations

from sqlglot import exp

from tools.rules.base import ANY, Rule, RuleContext

NO_ALIAS_LIST_TARGETS = ("mysql", "sqlite")


def alias_list_into_select(tree: exp.Expr, ctx: RuleContext) -> exp.Expr | None:
    """Move each derived table's column list onto its SELECT's projections (by position)."""
    changed = False
    for subquery in list(tree.find_all(exp.Subquery)):
        changed = move_alias_list(subquery) or changed
    return tree if changed else None


def movable_alias_list(subquery: exp.Subquery) -> bool:
    """Whether the subquery has a column list that its own SELECT can carry instead: one
    name per projection, no star (whose columns are unknown here)."""
    alias = subquery.args.get("alias")
    names = list(alias.args.get("columns") or []) if alias else []
    inner = subquery.this
    return bool(names) and isinstance(inner, exp.Select) and \
        len(names) == len(inner.expressions) and not any(p.is_star for p in inner.expressions)


def move_alias_list(subquery: exp.Subquery, quoted: bool = True) -> bool:
    """Rename the subquery's projections after its alias's column list and drop the list;
    False (nothing changed) when the list cannot move. `quoted=False` keeps the names as the
    query's own references spell them (Oracle folds unquoted names to upper case: a quoted
    lower-case name would no longer match them)."""
    if not movable_alias_list(subquery):
        return False
    alias, inner = subquery.args["alias"], subquery.this
    inner.set("expressions", [exp.alias_(p.unalias().copy(), name.name, quoted=quoted)
                              for p, name in zip(inner.expressions, alias.args["columns"],
                                                 strict=True)])
    alias.set("columns", None)
    return True


ALIAS_LIST = Rule(
    id="derived_columns.alias_list_into_select",
    pairs=tuple((ANY, t) for t in NO_ALIAS_LIST_TARGETS),
    fixes=frozenset({"compile"}),
    error_pattern=r"syntax.*near '\(|Named columns are not supported|near \"\(\"",
    why="MySQL and SQLite have no derived-table column list (`AS c_orders (c_custkey, "
        "c_count)`): the names move onto the subquery's own SELECT list, by position.",
    apply=alias_list_into_select,
)

RULES = (ALIAS_LIST,)
