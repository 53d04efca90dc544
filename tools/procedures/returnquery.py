"""What PL/pgSQL's RETURN QUERY checks at run time, checked before a query stands in for it:
the query's columns must have the function's declared result types. A bare string literal is
`text` there (`RETURN QUERY SELECT x, 'high'` into a `varchar(40)` column fails with
"structure of query does not match function result type" whenever the branch returns a row).
A query standing in for such a function would return rows where the original fails, so the
routine is refused; on data where the branch returns nothing the original does not fail, and
a diff could not tell them apart."""

from __future__ import annotations

import re

from sqlglot import exp

from tools.procedures.parse import Routine

_TEXT = re.compile(r"(?i)^\s*text\s*$")


def returned_types(routine: Routine) -> list[str]:
    """The declared types of `RETURNS TABLE(a int, b varchar(40))`, in order; [] otherwise."""
    returns = (routine.returns or "").strip()
    if not returns.upper().startswith("TABLE") or "(" not in returns:
        return []
    inner = returns[returns.index("(") + 1:returns.rindex(")")]
    return [re.sub(r"\s*\(\s*(.*?)\s*\)", r"(\1)", part.strip().partition(" ")[2].strip())
            for part in re.split(r",(?![^(]*\))", inner)]


def type_mismatch(query: exp.Expr, declared: list[str]) -> str | None:
    """Why RETURN QUERY `query` fails on PostgreSQL whenever it returns a row, or None when
    nothing here says it does (only bare string literals are judged: their type is certain)."""
    branches = [query] if not isinstance(query, exp.SetOperation) else [
        query.left, query.right]
    for branch in branches:
        if isinstance(branch, exp.SetOperation):
            found = type_mismatch(branch, declared)
            if found:
                return found
            continue
        if not isinstance(branch, exp.Select):
            continue
        for at, item in enumerate(branch.expressions[:len(declared)]):
            value = item.unalias()
            if isinstance(value, exp.Literal) and value.is_string and declared[at] and \
                    not _TEXT.match(declared[at]):
                return (f"RETURN QUERY gives text ({value.sql()}) for result column {at + 1}, "
                        f"declared {declared[at]}: PostgreSQL fails with \"structure of query "
                        f"does not match function result type\" whenever it returns a row")
    return None
