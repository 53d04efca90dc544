"""A truth value used as a number: SUM(a > b), AVG(flag = 1), (a > b) + (c > d).

SQLite and MySQL/MariaDB have no boolean type: a comparison is the integer 1 or 0 (NULL when
an operand is NULL), so it sums, averages and adds. PostgreSQL has no sum(boolean) or
boolean + integer, DuckDB has no avg(boolean), and ClickHouse's UInt8 truth value would
change the result's type. The rewrite casts the truth value to an integer where a number is
expected (an aggregate's argument or an arithmetic operand), which every engine reads alike.
"""

from __future__ import annotations

from typing import ClassVar

from sqlglot import exp

from tools.semantics.base import Family, SemanticsContext
from tools.semantics.numeric import is_predicate

_INTEGER = "a truth value is the integer 0 or 1"
_BOOLEAN = "a truth value is a boolean"
#: where a truth value is read as a number
_NUMERIC_PARENTS = (exp.Sum, exp.Avg, exp.Add, exp.Sub, exp.Mul, exp.Div, exp.Mod,
                    exp.StddevSamp, exp.StddevPop, exp.Stddev, exp.VariancePop, exp.Variance)


class BooleanNumbers(Family):
    name = "boolean_numbers"
    why = "A comparison summed, averaged or added as a number"
    BEHAVIOUR: ClassVar[dict[str, str]] = {
        "sqlite": _INTEGER, "mysql": _INTEGER,
        "postgres": _BOOLEAN, "duckdb": _BOOLEAN, "clickhouse": _BOOLEAN,
    }
    REWRITES: ClassVar[dict[tuple[str, str], str]] = {
        (_INTEGER, _BOOLEAN): "as_integer",
        # a boolean source's truth value is never summed (its own engine refuses it), and a
        # selected one compares to 1/0 by value in the differ
        (_BOOLEAN, _INTEGER): "same",
    }

    def nodes(self, tree: exp.Expr, ctx: SemanticsContext) -> list[exp.Expr]:
        found = []
        for parent in ctx.find(tree, *_NUMERIC_PARENTS):
            for arg in (parent.this, parent.args.get("expression")):
                if isinstance(arg, exp.Distinct):
                    arg = arg.expressions[0] if arg.expressions else None
                if arg is not None and is_predicate(arg):
                    found.append(arg)
        return found

    def as_integer(self, node: exp.Expr, ctx: SemanticsContext) -> exp.Expr:
        inner = node.this if isinstance(node, exp.Paren) else node
        return exp.cast(inner.copy(), exp.DType.INT)
