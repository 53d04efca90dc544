"""An aggregate's FILTER (WHERE ...) clause.

PostgreSQL, DuckDB, SQLite (3.30+) and ClickHouse read `SUM(x) FILTER (WHERE c)`; MySQL and
MariaDB do not parse it, and sqlglot passes it through. The rewrite moves the condition into
the argument, `SUM(CASE WHEN c THEN x END)` (`COUNT(*)` counts `CASE WHEN c THEN 1 END`): an
aggregate skips NULLs, so the rows the filter drops are the rows it no longer sees. An
aggregate that does not skip NULLs (array_agg, string_agg's order) is not rewritten.
"""

from __future__ import annotations

from typing import ClassVar

from sqlglot import exp

from tools.semantics.base import Family, SemanticsContext

_READS = "reads FILTER (WHERE ...)"
_NO_FILTER = "has no FILTER clause"
#: aggregates for which dropping a row and feeding it a NULL are the same thing
_NULL_SKIPPING = (exp.Sum, exp.Avg, exp.Count, exp.Min, exp.Max, exp.Stddev, exp.StddevSamp,
                  exp.StddevPop, exp.Variance, exp.VariancePop)


class AggregateFilter(Family):
    name = "aggregate_filter"
    why = "An aggregate's FILTER (WHERE ...) clause"
    BEHAVIOUR: ClassVar[dict[str, str]] = {
        "postgres": _READS, "duckdb": _READS, "sqlite": _READS, "clickhouse": _READS,
        "mysql": _NO_FILTER,
    }
    REWRITES: ClassVar[dict[tuple[str, str], str]] = {
        (_READS, _NO_FILTER): "into_case",
        (_NO_FILTER, _READS): "same",  # a MySQL source cannot write FILTER: nothing to carry
    }

    def nodes(self, tree: exp.Expr, ctx: SemanticsContext) -> list[exp.Expr]:
        return [n for n in ctx.find(tree, exp.Filter) if isinstance(n.this, _NULL_SKIPPING)]

    def into_case(self, node: exp.Expr, ctx: SemanticsContext) -> exp.Expr:
        aggregate = node.this.copy()
        condition = node.expression.this.copy()
        arg = aggregate.this
        distinct = isinstance(arg, exp.Distinct)
        value = arg.expressions[0] if distinct else arg
        if value is None or isinstance(value, exp.Star):
            value = exp.Literal.number(1)
        case = exp.Case(ifs=[exp.If(this=condition, true=value.copy())])
        if distinct:
            arg.set("expressions", [case])
        else:
            aggregate.set("this", case)
        return aggregate
