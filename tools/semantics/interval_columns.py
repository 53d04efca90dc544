"""Interval columns (PostgreSQL and DuckDB sources) on a target that cannot store one.

PostgreSQL and DuckDB keep an interval as months, days and time apart, and the loader gives
such a column the same type on either of them. SQLite, MariaDB and ClickHouse have no column
type for it (ClickHouse's Interval types cannot be stored in a table), so the loader writes the
value's PostgreSQL-style text ('1 mon 2 days 03:00:00'). Selected as it is, the text shows what
the source shows and the differ reads it back as an interval. Anything else done with it —
date + ival, SUM, EXTRACT, comparing, grouping or ordering (PostgreSQL counts '1 mon' equal to
'30 days'; the texts differ) — would work on text, and no rewrite can recover the three fields
from it faithfully in every such expression: the object ends unsupported with that reason rather
than returning other data.
"""

from __future__ import annotations

from typing import ClassVar

from sqlglot import exp

from tools.db import types as T
from tools.semantics import kinds
from tools.semantics.base import Family, SemanticsContext

_APART = "stores intervals with months and days apart"
_NONE = "no interval column type"


class IntervalColumns(Family):
    name = "interval_columns"
    why = "a stored interval column used in an expression"
    BEHAVIOUR: ClassVar[dict[str, str]] = {
        "postgres": _APART, "duckdb": _APART, "sqlite": _NONE, "mysql": _NONE,
        "clickhouse": _NONE}
    SOURCES = ("postgres", "duckdb")
    REWRITES: ClassVar[dict[tuple[str, str], str]] = {
        (_APART, _NONE): "unsupported: the target has no interval column type, so the loaded "
                         "column holds the interval's text; only selecting it as it is keeps "
                         "its meaning"}

    def nodes(self, tree: exp.Expr, ctx: SemanticsContext) -> list[exp.Expr]:
        # most statements read no interval column: a look at their tables' types only
        if not any(T.INTERVAL in (ctx.lower_columns(table.name.lower()) or {}).values()
                   for table in ctx.find(tree, exp.Table)):
            return []
        return [column for column in ctx.find(tree, exp.Column)
                if not _selected_as_is(column)
                and ctx.source_kind(tree, column) == kinds.INTERVAL]


def _selected_as_is(column: exp.Column) -> bool:
    """A column that is one of a SELECT's outputs, aliased or not, or only tested for NULL."""
    parent = column.parent
    if isinstance(parent, exp.Alias):
        parent = parent.parent
    if isinstance(parent, exp.Is):
        return True
    return isinstance(parent, exp.Select) and column.arg_key in ("expressions", None) \
        and any(e is column or e is column.parent for e in parent.expressions)
