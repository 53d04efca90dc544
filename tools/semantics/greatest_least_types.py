"""GREATEST / LEAST over integers or decimals mixed with floats, towards ClickHouse.

Every other engine compares such arguments as floating point (MySQL, PostgreSQL and DuckDB
return a double; SQLite compares the values numerically). ClickHouse's greatest()/least()
find no common type for Int64 and Float64, nor for Decimal and Float64, and refuse the
query (Code 386, "There is no supertype"). When the source's types say the arguments mix a
float with an integer or a decimal, the non-float ones are cast to Float64 first: the value
the source compares and returns.
"""

from __future__ import annotations

from typing import ClassVar

from sqlglot import exp

from tools.semantics import kinds
from tools.semantics.base import Family, SemanticsContext

_AS_FLOAT = "a float argument makes the comparison floating point"
_NO_SUPERTYPE = "Int64 or Decimal with Float64 has no common type"


class GreatestLeastTypes(Family):
    name = "greatest_least_types"
    why = "GREATEST/LEAST over integers or decimals mixed with floats"
    BEHAVIOUR: ClassVar[dict[str, str]] = {
        "mysql": _AS_FLOAT, "postgres": _AS_FLOAT, "duckdb": _AS_FLOAT, "sqlite": _AS_FLOAT,
        "clickhouse": _NO_SUPERTYPE,
    }
    REWRITES: ClassVar[dict[tuple[str, str], str]] = {(_AS_FLOAT, _NO_SUPERTYPE): "as_float"}

    def nodes(self, tree: exp.Expr, ctx: SemanticsContext) -> list[exp.Expr]:
        # the arguments, not the call: they are rewritten before greatest_least copies them
        return [arg for call in ctx.find(tree, exp.Greatest, exp.Least)
                for arg in (call.this, *call.expressions)]

    def applies(self, node: exp.Expr, tree: exp.Expr, ctx: SemanticsContext) -> bool:
        call = node.parent
        if ctx.source_kind(tree, node) not in (kinds.INT, kinds.DECIMAL) or call is None:
            return False
        return any(ctx.source_kind(tree, other) == kinds.FLOAT
                   for other in (call.this, *call.expressions) if other is not node)

    def as_float(self, node: exp.Expr, ctx: SemanticsContext) -> exp.Expr:
        return exp.Cast(this=node.copy(), to=exp.DataType.build("DOUBLE"))
