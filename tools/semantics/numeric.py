"""Typing questions the numeric families share: is this a predicate the source reads as a
number, and what decimal scale does an expression carry in the source (MySQL's division and
AVG add 4 digits to it)."""

from __future__ import annotations

from sqlglot import exp

from tools.db.types import parse_decimal
from tools.semantics import tree_walk
from tools.semantics.base import SemanticsContext

#: nodes whose value is a truth value (a comparison, a connective, a test)
PREDICATES = (exp.Predicate, exp.And, exp.Or, exp.Not, exp.Xor)
#: sources where a truth value is the integer 0 or 1 (a comparison adds, sums, averages)
BOOL_IS_INT = ("sqlite", "mysql")


def is_predicate(node: exp.Expr) -> bool:
    while isinstance(node, exp.Paren):
        node = node.this
    return isinstance(node, PREDICATES)


def number_kind(tree: exp.Expr, node: exp.Expr, ctx: SemanticsContext) -> str | None:
    """kinds.kind(), with a predicate read as an integer where the source does so."""
    if ctx.source in BOOL_IS_INT and is_predicate(node):
        return "int"
    return ctx.source_kind(tree, node)


def _column_scale(node: exp.Column, ctx: SemanticsContext, tree: exp.Expr) -> int | None:
    tables = {t.alias_or_name.lower(): t.name.lower()
              for t in tree_walk.find_all(tree, exp.Table)}
    qualifier = node.table.lower()
    found = set()
    for alias, table in tables.items():
        if qualifier and alias != qualifier:
            continue
        canonical = (ctx.lower_columns(table) or {}).get(node.name.lower())
        if canonical is not None:
            found.add(canonical)
    if not found:
        return _derived_scale(node, tree, ctx)
    if len(found) != 1:
        return None
    canonical = found.pop()
    if canonical == "int":
        return 0
    parsed = parse_decimal(canonical)
    return parsed[1] if parsed else None


def _derived_scale(node: exp.Column, tree: exp.Expr, ctx: SemanticsContext) -> int | None:
    """The scale of a derived table's output (`FROM (SELECT a * b AS v ...) AS t`), read from
    its expression, when exactly one derived table of the statement has that output."""
    qualifier, name = node.table.lower(), node.name.lower()
    outputs = [item.unalias() for sub in tree_walk.find_all(tree, exp.Subquery)
               if isinstance(sub.this, exp.Select) and isinstance(sub.parent, (exp.From, exp.Join))
               and (not qualifier or sub.alias_or_name.lower() == qualifier)
               for item in sub.this.expressions if item.alias_or_name.lower() == name]
    return scale(tree, outputs[0], ctx) if len(outputs) == 1 else None


def scale(tree: exp.Expr, node: exp.Expr, ctx: SemanticsContext) -> int | None:
    """Digits after the point of an exact (int or decimal) value in the source, None when it
    cannot be told (a float, a CTE's column, an unknown function)."""
    if isinstance(node, (exp.Paren, exp.Neg, exp.Abs)):
        return scale(tree, node.this, ctx)
    if ctx.source in BOOL_IS_INT and is_predicate(node):
        return 0
    if isinstance(node, exp.Literal):
        if node.is_string:
            return None
        text = node.name.lower()
        if "e" in text:
            return None  # a float literal
        return len(text.split(".", 1)[1]) if "." in text else 0
    if isinstance(node, exp.Column):
        return _column_scale(node, ctx, tree)
    if isinstance(node, exp.Cast):
        if node.to.is_type(*exp.DataType.INTEGER_TYPES):
            return 0
        if node.to.is_type(exp.DType.DECIMAL):
            params = node.to.expressions
            return int(params[1].name) if len(params) > 1 else 0
        return None
    if isinstance(node, exp.Count):
        return 0
    if isinstance(node, (exp.Sum, exp.Min, exp.Max)):
        return scale(tree, node.this, ctx)
    if isinstance(node, exp.Case):
        branches = [i.args.get("true") for i in node.args.get("ifs") or []]
        branches.append(node.args.get("default"))
        scales = [scale(tree, b, ctx) for b in branches
                  if b is not None and not isinstance(b, exp.Null)]
        return None if not scales or None in scales else max(s for s in scales if s is not None)
    if isinstance(node, (exp.Add, exp.Sub, exp.Mod)):
        left, right = scale(tree, node.this, ctx), scale(tree, node.expression, ctx)
        return None if left is None or right is None else max(left, right)
    if isinstance(node, exp.Mul):
        left, right = scale(tree, node.this, ctx), scale(tree, node.expression, ctx)
        return None if left is None or right is None else min(left + right, 30)
    if isinstance(node, exp.Round):
        digits = node.args.get("decimals")
        inner = scale(tree, node.this, ctx)
        if inner is None:
            return None
        if digits is None:
            return 0
        return min(inner, int(digits.name)) if isinstance(digits, exp.Literal) else None
    return None


def is_text(tree: exp.Expr, node: exp.Expr, ctx: SemanticsContext) -> bool:
    """A string literal, or a column the source catalog types as text."""
    while isinstance(node, exp.Paren):
        node = node.this
    if isinstance(node, exp.Literal):
        return node.is_string
    if not isinstance(node, exp.Column):
        return False
    tables = {t.alias_or_name.lower(): t.name.lower()
              for t in tree_walk.find_all(tree, exp.Table)}
    qualifier = node.table.lower()
    found = {(ctx.lower_columns(table) or {}).get(node.name.lower())
             for alias, table in tables.items() if not qualifier or alias == qualifier} - {None}
    return found == {"text"}
