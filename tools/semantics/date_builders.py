"""Functions that build a date from numbers or a date's month: MAKE_DATE, MAKEDATE, LAST_DAY,
EXTRACT(YEAR_MONTH) and TO_DAYS.

Each exists on some engines only, and sqlglot copies the name where the target lacks it:
PostgreSQL's and DuckDB's MAKE_DATE(y, m, d) reaches MySQL, SQLite and ClickHouse unchanged
(and DuckDB's reaches PostgreSQL as DATE_FROM_PARTS); MySQL's MAKEDATE(y, day of year) rolls
past December 31st into the next year, where ClickHouse's makeDate(y, doy) gives 1970-01-01;
LAST_DAY is missing on SQLite; EXTRACT(YEAR_MONTH) (202402) is MySQL's alone; TO_DAYS counts
days from MySQL's year 0, which sqlglot writes as a difference from '0000-01-01': one day off
on a proleptic calendar (DuckDB, SQLite), out of range on PostgreSQL, clamped on ClickHouse.
The rewrite builds each with the target's own date functions; TO_DAYS becomes the days since
1970-01-01 plus MySQL's 719528.
"""

from __future__ import annotations

from typing import ClassVar

from sqlglot import exp

from tools.semantics.base import DIALECTS, Family, SemanticsContext, template

#: construct -> target -> SQL (XY year, XM month, XN day or day of year, XD a date)
_SPELL = {
    "make_date": {
        "mysql": "DATE_ADD(DATE_ADD(MAKEDATE(XY, 1), INTERVAL (XM - 1) MONTH), "
                 "INTERVAL (XN - 1) DAY)",
        "sqlite": "DATE(PRINTF('%04d-%02d-%02d', XY, XM, XN))",
        "clickhouse": "makeDate(XY, XM, XN)", "postgres": "MAKE_DATE(XY, XM, XN)",
        "duckdb": "MAKE_DATE(XY, XM, XN)"},
    "makedate": {
        "duckdb": "(MAKE_DATE(XY, 1, 1) + (XN - 1))",
        "postgres": "(MAKE_DATE(XY, 1, 1) + (XN - 1))",
        "sqlite": "DATE(PRINTF('%04d-01-01', XY), '+' || (XN - 1) || ' days')",
        "clickhouse": "addDays(makeDate(XY, 1, 1), XN - 1)"},
    "last_day": {"sqlite": "DATE(XD, 'start of month', '+1 month', '-1 day')"},
    "year_month": {
        "duckdb": "(YEAR(XD) * 100 + MONTH(XD))",
        "postgres": "CAST(EXTRACT(YEAR FROM XD) * 100 + EXTRACT(MONTH FROM XD) AS INT)",
        "sqlite": "CAST(STRFTIME('%Y%m', XD) AS INTEGER)", "clickhouse": "toYYYYMM(XD)"},
    # TO_DAYS(d) - 1, from the days since 1970-01-01 (TO_DAYS('1970-01-01') = 719528)
    "to_days": {
        "duckdb": "(DATE_DIFF('day', DATE '1970-01-01', CAST(XD AS DATE)) + 719527)",
        "postgres": "(CAST(XD AS DATE) - DATE '1970-01-01' + 719527)",
        "sqlite": "(CAST(JULIANDAY(DATE(XD)) - 2440587.5 AS INTEGER) + 719527)",
        "clickhouse": "(toInt64(toDate(XD)) + 719527)"},
}
_SOURCES = {"make_date": ("postgres", "duckdb"), "makedate": ("mysql",),
            "last_day": ("mysql", "duckdb"), "year_month": ("mysql",), "to_days": ("mysql",)}


def is_to_days(node: exp.Expr) -> bool:
    """Whether a DateDiff is sqlglot's spelling of MySQL's TO_DAYS (days from '0000-01-01')."""
    start = node.expression.find(exp.Literal) if node.expression else None
    return start is not None and start.name == "0000-01-01"


def _construct(node: exp.Expr) -> str | None:
    if isinstance(node, exp.DateFromParts):
        return "make_date"
    if isinstance(node, exp.Anonymous):
        name = str(node.this).upper()
        return {"MAKE_DATE": "make_date", "MAKEDATE": "makedate"}.get(name)
    if isinstance(node, exp.LastDay):
        return "last_day"
    if isinstance(node, exp.Extract) and node.name.upper() == "YEAR_MONTH":
        return "year_month"
    if isinstance(node, exp.DateDiff):
        return "to_days" if is_to_days(node) else None
    return None


class DateBuilders(Family):
    name = "date_builders"
    why = "MAKE_DATE, MAKEDATE, LAST_DAY, EXTRACT(YEAR_MONTH), TO_DAYS"
    BEHAVIOUR: ClassVar[dict[str, str]] = {d: f"{d} builders" for d in DIALECTS}
    REWRITES: ClassVar[dict[tuple[str, str], str]] = {
        (f"{s} builders", f"{t} builders"): "target_functions"
        for s in DIALECTS for t in DIALECTS if s != t}
    SOURCES = ("postgres", "duckdb", "mysql")

    def nodes(self, tree: exp.Expr, ctx: SemanticsContext) -> list[exp.Expr]:
        out = []
        for node in ctx.find(tree, exp.DateFromParts, exp.Anonymous, exp.LastDay, exp.Extract,
                             exp.DateDiff):
            construct = _construct(node)
            if (construct and ctx.source in _SOURCES[construct]
                    and ctx.target in _SPELL[construct]):
                out.append(node)
        return out

    def target_functions(self, node: exp.Expr, ctx: SemanticsContext) -> exp.Expr:
        construct = _construct(node)
        assert construct is not None
        sql = _SPELL[construct][ctx.target]
        if construct == "make_date":
            year, month, day = (node.expressions if isinstance(node, exp.Anonymous) else
                                [node.args["year"], node.args["month"], node.args["day"]])
            args = {"XY": year, "XM": month, "XN": day}
        elif construct == "makedate":
            args = {"XY": node.expressions[0], "XN": node.expressions[1]}
        elif construct == "year_month":
            args = {"XD": node.expression}
        else:  # last_day, to_days: the date is the node's first argument
            args = {"XD": node.this}
        return exp.paren(template(sql, ctx.target, **args), copy=False)
