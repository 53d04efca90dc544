"""Preconditions a model asserts in its own SQL. Where a rewrite is exact only on some data
(a sum rounded at each step, a loop that must end within a bound), the model checks that the
data qualifies and raises an error on the target when it does not, so it fails loudly instead
of agreeing with the original by luck. The messages are read back from the expression to say,
in the verdict, which precondition a model at parity was checked under."""

from __future__ import annotations

import sqlglot
from sqlglot import exp
from sqlglot.errors import SqlglotError

_PREFIX = "cutover: a precondition of this model does not hold: "


def fails(message: str) -> exp.Expr:
    """An expression that raises `message` when evaluated (DuckDB's `error()`; evaluated only
    in the branch that reaches it)."""
    return exp.Anonymous(this="error", expressions=[exp.Literal.string(_PREFIX + message)])


def checked(tree: exp.Expr) -> list[str]:
    """The precondition messages asserted anywhere in `tree`, each once, in order."""
    out: list[str] = []
    for call in tree.find_all(exp.Anonymous):
        if str(call.this).lower() == "error" and call.expressions and \
                call.expressions[0].is_string and call.expressions[0].this.startswith(_PREFIX):
            text = call.expressions[0].this[len(_PREFIX):]
            if text not in out:
                out.append(text)
    return out


def checked_sql(sql: str, dialect: str) -> str | None:
    """`checked` of a query's text, joined into one sentence (None when it asserts none)."""
    if "error(" not in sql.lower():
        return None
    try:
        found = checked(sqlglot.parse_one(sql, read=dialect))
    except SqlglotError:
        return None
    return "; ".join(found) or None
