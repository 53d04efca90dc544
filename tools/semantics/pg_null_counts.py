"""num_nulls() / num_nonnulls() (PostgreSQL source).

PostgreSQL counts its NULL (or non-NULL) arguments; no other engine has the functions, and
sqlglot writes the call as it is (DuckDB: "Scalar Function num_nonnulls does not exist").
The count is spelled as a sum of CASEs, which every engine evaluates the same way.
"""

from __future__ import annotations

from functools import reduce
from typing import ClassVar

from sqlglot import exp

from tools.semantics.base import DIALECTS, Family, SemanticsContext
from tools.semantics.pg_calls import BUILT_IN, MISSING, calls


class NullCounts(Family):
    name = "pg_null_counts"
    why = "num_nulls() and num_nonnulls() (PostgreSQL function counterparts)"
    BEHAVIOUR: ClassVar[dict[str, str]] = {d: MISSING for d in DIALECTS} | {"postgres": BUILT_IN}
    SOURCES = ("postgres",)
    REWRITES: ClassVar[dict[tuple[str, str], str]] = {(BUILT_IN, MISSING): "case_sum"}

    def nodes(self, tree: exp.Expr, ctx: SemanticsContext) -> list[exp.Expr]:
        return list(calls(tree, ctx, "num_nulls", "num_nonnulls"))

    def case_sum(self, node: exp.Expr, ctx: SemanticsContext) -> exp.Expr:
        counts_nulls = node.this.lower() == "num_nulls"
        one, zero = exp.Literal.number(1), exp.Literal.number(0)
        terms: list[exp.Expr] = [
            exp.Case(ifs=[exp.If(this=exp.Is(this=arg.copy(), expression=exp.Null()),
                                 true=one.copy() if counts_nulls else zero.copy())],
                     default=zero.copy() if counts_nulls else one.copy())
            for arg in node.expressions]
        if not terms:
            return zero
        total: exp.Expr = reduce(lambda a, b: exp.Add(this=a, expression=b), terms)
        return exp.paren(total, copy=False)
