"""GREATEST / LEAST with a NULL argument.

PostgreSQL, DuckDB and ClickHouse skip NULLs (greatest(1, NULL) = 1, NULL only when every
argument is); MySQL/MariaDB and SQLite's scalar max()/min() return NULL as soon as one
argument is NULL. sqlglot marks PostgreSQL's calls ignore_nulls and emulates them for SQLite
only, so PostgreSQL -> MySQL and MySQL -> DuckDB keep the call and change the answer.
"""

from __future__ import annotations

from typing import ClassVar

from sqlglot import exp

from tools.semantics.base import Family, SemanticsContext

_SKIPS = "NULL arguments are skipped"
_PROPAGATES = "one NULL argument gives NULL"


class GreatestLeast(Family):
    name = "greatest_least"
    why = "GREATEST/LEAST when an argument is NULL"
    BEHAVIOUR: ClassVar[dict[str, str]] = {
        "postgres": _SKIPS, "duckdb": _SKIPS, "clickhouse": _SKIPS,
        "mysql": _PROPAGATES, "sqlite": _PROPAGATES,
    }
    REWRITES: ClassVar[dict[tuple[str, str], str]] = {
        (_SKIPS, _PROPAGATES): "skip_nulls",
        (_PROPAGATES, _SKIPS): "propagate_nulls",
    }

    def nodes(self, tree: exp.Expr, ctx: SemanticsContext) -> list[exp.Expr]:
        return [n for n in ctx.find(tree, exp.Greatest, exp.Least)]

    def skip_nulls(self, node: exp.Expr, ctx: SemanticsContext) -> exp.Expr:
        # greatest(COALESCE(a, b, c), COALESCE(b, a, c), ...): each argument stands in for
        # itself unless NULL, then for the first non-NULL other; NULL only if all are
        args = [node.this, *node.expressions]
        coalesced = [exp.Coalesce(this=arg.copy(),
                                  expressions=[o.copy() for o in args if o is not arg])
                     for arg in args]
        return type(node)(this=coalesced[0], expressions=coalesced[1:], ignore_nulls=False)

    def propagate_nulls(self, node: exp.Expr, ctx: SemanticsContext) -> exp.Expr:
        args = [node.this, *node.expressions]
        any_null = exp.or_(*[exp.Is(this=a.copy(), expression=exp.Null()) for a in args])
        call = type(node)(this=node.this.copy(), expressions=[a.copy() for a in args[1:]],
                          ignore_nulls=True)
        return exp.Case(ifs=[exp.If(this=any_null, true=exp.Null())], default=call)
