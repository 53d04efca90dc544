"""Day-of-week numbers: which day is first and whether counting starts at 0 or 1.

    PostgreSQL  EXTRACT(DOW) 0 = Sunday .. 6      EXTRACT(ISODOW) 1 = Monday .. 7
    DuckDB      DAYOFWEEK()  0 = Sunday .. 6      ISODOW()        1 = Monday .. 7
    MySQL       DAYOFWEEK()  1 = Sunday .. 7      WEEKDAY()       0 = Monday .. 6
sqlglot reads MySQL's DAYOFWEEK and DuckDB's as the same function, so MySQL -> DuckDB moves
every day by one; PostgreSQL's EXTRACT(DOW) reaches MySQL and ClickHouse unchanged, where it
is not a known part. Each occurrence is read as one of two canonical numbers (Sunday-0 or
ISO) plus an offset, and written in the target's own spelling.
"""

from __future__ import annotations

from typing import ClassVar

from sqlglot import exp

from tools.semantics.base import DIALECTS, Family, SemanticsContext, template

#: the target's spelling of (Sunday = 0 .. 6, ISO Monday = 1 .. 7), D standing for the date
SPELLING = {
    "postgres": ("EXTRACT(DOW FROM D)", "EXTRACT(ISODOW FROM D)"),
    "duckdb": ("DAYOFWEEK(D)", "ISODOW(D)"),
    "mysql": ("(DAYOFWEEK(D) - 1)", "(WEEKDAY(D) + 1)"),
    "clickhouse": ("(toDayOfWeek(D) % 7)", "toDayOfWeek(D)"),
    "sqlite": ("CAST(STRFTIME('%w', D) AS INTEGER)",
               "((CAST(STRFTIME('%w', D) AS INTEGER) + 6) % 7 + 1)"),
}
_SUNDAY0, _ISO = 0, 1


class DayOfWeek(Family):
    name = "day_of_week"
    why = "day-of-week numbers (first day, 0- or 1-based)"
    # every engine spells and numbers the day its own way; SQLite's strftime('%w') is text
    # and ClickHouse is a target only here
    BEHAVIOUR: ClassVar[dict[str, str]] = {d: f"{d} numbering" for d in DIALECTS}
    SOURCES = ("postgres", "duckdb", "mysql")
    REWRITES: ClassVar[dict[tuple[str, str], str]] = {
        (f"{s} numbering", f"{t} numbering"): "respell"
        for s in DIALECTS for t in DIALECTS if s != t}

    def _read(self, node: exp.Expr, source: str) -> tuple[int, int, exp.Expr] | None:
        """(canonical numbering, offset, date) of a day-of-week call in `source`."""
        if isinstance(node, exp.Extract):
            part = node.name.upper()
            if part in ("DOW", "DAYOFWEEK"):
                return _SUNDAY0, 0, node.expression
            if part in ("ISODOW", "DAYOFWEEKISO"):
                return _ISO, 0, node.expression
            return None
        date = node.this
        if isinstance(date, exp.TsOrDsToDate):
            date = date.this
        if isinstance(node, exp.DayOfWeek):
            return _SUNDAY0, (1 if source == "mysql" else 0), date
        if isinstance(node, exp.DayOfWeekIso):
            return _ISO, 0, date
        if isinstance(node, exp.Anonymous) and str(node.this).upper() == "WEEKDAY":
            return (_ISO, -1, node.expressions[0]) if source == "mysql" else None
        return None

    def nodes(self, tree: exp.Expr, ctx: SemanticsContext) -> list[exp.Expr]:
        return [n for n in ctx.find(tree, exp.Extract, exp.DayOfWeek, exp.DayOfWeekIso,
                                         exp.Anonymous) if self._read(n, ctx.source)]

    def respell(self, node: exp.Expr, ctx: SemanticsContext) -> exp.Expr:
        read = self._read(node, ctx.source)
        assert read is not None
        numbering, offset, date = read
        out = template(SPELLING[ctx.target][numbering], ctx.target, D=date)
        if offset:
            op = exp.Add if offset > 0 else exp.Sub
            out = exp.paren(op(this=out, expression=exp.Literal.number(abs(offset))),
                            copy=False)
        return out
