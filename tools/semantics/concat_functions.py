"""concat() and concat_ws() where the target has neither.

PostgreSQL, DuckDB, MySQL/MariaDB and ClickHouse have both functions; SQLite gained them only
in 3.44, so older SQLite (3.40 ships with Python 3.11) fails with "no such function: CONCAT".
Towards SQLite they are spelled with ||, which SQLite has always had and which gives NULL for
a NULL operand:

    concat(a, b)          COALESCE(a, '') || COALESCE(b, '')   where the source skips NULLs
                          (PostgreSQL, DuckDB), a || b where one NULL gives NULL (MySQL)
    concat_ws(s, a, b)    SUBSTR(COALESCE(s || a, '') || COALESCE(s || b, ''), LENGTH(s) + 1):
                          a NULL argument adds neither itself nor a separator, the leading
                          separator is cut, and a NULL separator gives NULL everywhere

The arguments' own text renderings (a float, a boolean) are other families' business.
"""

from __future__ import annotations

from functools import reduce
from typing import ClassVar

from sqlglot import exp

from tools.semantics.base import Family, SemanticsContext

_BUILT_IN = "concat() and concat_ws() built in"
_MISSING = "no concat() or concat_ws() before SQLite 3.44"


def _pipes(parts: list[exp.Expr]) -> exp.Expr:
    return exp.paren(reduce(lambda left, right: exp.DPipe(this=left, expression=right),
                            parts), copy=False)


def _or_empty(node: exp.Expr) -> exp.Expr:
    if isinstance(node, exp.Literal) and node.is_string:
        return node  # never NULL: kept readable
    return exp.Coalesce(this=node, expressions=[exp.Literal.string("")])


class ConcatFunctions(Family):
    name = "concat_functions"
    why = "concat() and concat_ws()"
    BEHAVIOUR: ClassVar[dict[str, str]] = {
        "postgres": _BUILT_IN, "duckdb": _BUILT_IN, "mysql": _BUILT_IN,
        "clickhouse": _BUILT_IN, "sqlite": _MISSING,
    }
    SOURCES = ("duckdb", "postgres", "mysql")
    REWRITES: ClassVar[dict[tuple[str, str], str]] = {(_BUILT_IN, _MISSING): "with_pipes"}

    def nodes(self, tree: exp.Expr, ctx: SemanticsContext) -> list[exp.Expr]:
        return list(ctx.find(tree, exp.Concat, exp.ConcatWs))

    def with_pipes(self, node: exp.Expr, ctx: SemanticsContext) -> exp.Expr:
        args = [arg.copy() for arg in node.expressions]
        if isinstance(node, exp.ConcatWs):
            separator, values = args[0], args[1:]
            if not values:
                return exp.Literal.string("")
            joined = _pipes([_or_empty(exp.DPipe(this=separator.copy(), expression=value))
                             for value in values])
            return exp.Substring(this=joined, start=exp.Add(
                this=exp.Length(this=separator.copy()), expression=exp.Literal.number(1)))
        if node.args.get("coalesce"):
            args = [_or_empty(arg) for arg in args]
        return _pipes(args)
