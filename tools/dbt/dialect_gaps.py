"""Constructs sqlglot writes as they are for dialects that lack them, respelt in a form those
engines accept (the dbt models of translate-only targets, where no engine would catch them):

- no boolean values (T-SQL; Oracle before 23ai): the set-based rewrites and inlined functions
  say "a condition that is NULL is not met" as `COALESCE(condition, FALSE)`, which those
  engines refuse (a comparison is not a value there). The same truth as
  `CASE WHEN condition THEN 1 ELSE 0 END = 1`, and a bare TRUE / FALSE as `1 = 1` / `1 = 0`.
- no column list on a derived table's alias (Oracle): `(SELECT a, b ...) ins(x, y)` is
  `(SELECT a AS x, b AS y ...) ins`.
- no ORDER BY in a view, a CTE or a subquery without TOP / OFFSET (T-SQL; a model's query is
  all three): `ORDER BY x` is `ORDER BY x OFFSET 0 ROWS`, the same rows, the order kept as
  written (no table or view promises one)."""

from __future__ import annotations

from sqlglot import exp

from tools.rules.derived_columns import move_alias_list
from tools.semantics.numeric import is_predicate

DIALECTS = ("tsql", "oracle")
"""sqlglot dialects written for engines without boolean values."""
NO_COLUMN_ALIASES = ("oracle",)
"""... and without a column list on a derived table's alias."""
NO_BARE_ORDER = ("tsql",)
"""... and without an ORDER BY (no TOP / OFFSET) inside a view, CTE or subquery."""


def _condition(node: exp.Expr) -> bool:
    return is_predicate(node) or isinstance(node.unnest(), exp.Boolean)


def _is_false(node: exp.Expr) -> bool:
    inner = node.unnest()
    if isinstance(inner, exp.Boolean):
        return not inner.this
    return (isinstance(inner, exp.EQ) and inner.this == exp.Literal.number(1)
            and inner.expression == exp.Literal.number(0))


def _truth(args: list[exp.Expr]) -> exp.Expr:
    """COALESCE(c1, ..., cn) of conditions, as a condition: the first of them that is not
    NULL decides; a FALSE last one (the usual guard) is the ELSE."""
    otherwise: exp.Expr = exp.null()
    if len(args) > 1 and _is_false(args[-1]):
        args, otherwise = args[:-1], exp.Literal.number(0)
    case = exp.Case()
    for arg in args:
        case = case.when(arg.copy(), exp.Literal.number(1)).when(
            exp.not_(exp.paren(arg.copy(), copy=False)), exp.Literal.number(0))
    if otherwise == exp.Literal.number(0):  # the last `WHEN NOT c THEN 0` is the ELSE
        case = exp.Case(ifs=case.args["ifs"][:-1])
    return exp.EQ(this=case.else_(otherwise), expression=exp.Literal.number(1))


def in_dialect(tree: exp.Expr, dialect: str) -> exp.Expr:
    """`tree` (the target dialect's), in place, with each construct the dialect lacks
    respelt; unchanged for the others."""
    if dialect in NO_COLUMN_ALIASES:
        for subquery in list(tree.find_all(exp.Subquery)):
            move_alias_list(subquery, quoted=False)
    if dialect in NO_BARE_ORDER:
        for query in list(tree.find_all(exp.Select, exp.SetOperation)):
            if query.args.get("order") and not any(query.args.get(k) for k in (
                    "limit", "offset", "fetch")):
                query.set("offset", exp.Offset(expression=exp.Literal.number(0)))
    if dialect not in DIALECTS:
        return tree
    for coalesce in list(tree.find_all(exp.Coalesce)):
        args = [coalesce.this, *coalesce.expressions]
        if all(_condition(a) for a in args):
            coalesce.replace(exp.paren(_truth(args), copy=False))
    for boolean in list(tree.find_all(exp.Boolean)):
        one = exp.Literal.number(1)
        boolean.replace(exp.paren(exp.EQ(this=one, expression=exp.Literal.number(
            1 if boolean.this else 0)), copy=False))
    return tree
