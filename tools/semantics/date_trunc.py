"""DATE_TRUNC(unit, x) of PostgreSQL and DuckDB on engines without it.

PostgreSQL and DuckDB (and ClickHouse's dateTrunc) agree: weeks start on Monday, quarters on
January, April, July and October 1st, and the result is the truncated instant. MySQL has no
DATE_TRUNC: sqlglot counts whole units since '0000-01-01' with TIMESTAMPDIFF and adds them
back, which puts week starts on the weekday of that year-zero date rather than on Monday.
SQLite has no DATE_TRUNC either (sqlglot leaves TIMESTAMP_TRUNC, which fails). The rewrite
spells each unit with the target's own calendar functions.
"""

from __future__ import annotations

from typing import ClassVar

from sqlglot import exp

from tools.errors import Unsupported
from tools.semantics.base import Family, SemanticsContext, template

#: target -> unit -> SQL of the truncated instant, XT standing for the argument
_SPELL = {
    "mysql": {
        "YEAR": "CAST(DATE_FORMAT(XT, '%Y-01-01') AS DATETIME)",
        "QUARTER": "CAST(DATE_ADD(MAKEDATE(YEAR(XT), 1), INTERVAL (QUARTER(XT) - 1) QUARTER)"
                   " AS DATETIME)",
        "MONTH": "CAST(DATE_FORMAT(XT, '%Y-%m-01') AS DATETIME)",
        "WEEK": "CAST(DATE_SUB(DATE(XT), INTERVAL WEEKDAY(XT) DAY) AS DATETIME)",
        "DAY": "CAST(DATE(XT) AS DATETIME)",
        "HOUR": "CAST(DATE_FORMAT(XT, '%Y-%m-%d %H:00:00') AS DATETIME)",
        "MINUTE": "CAST(DATE_FORMAT(XT, '%Y-%m-%d %H:%i:00') AS DATETIME)",
        "SECOND": "CAST(DATE_FORMAT(XT, '%Y-%m-%d %H:%i:%s') AS DATETIME)"},
    "sqlite": {
        "YEAR": "DATETIME(XT, 'start of year')",
        "QUARTER": "DATETIME(XT, 'start of month', '-' || ((CAST(STRFTIME('%m', XT) AS INTEGER)"
                   " - 1) % 3) || ' months')",
        "MONTH": "DATETIME(XT, 'start of month')",
        "WEEK": "DATETIME(XT, 'start of day', '-6 days', 'weekday 1')",
        "DAY": "DATETIME(XT, 'start of day')",
        "HOUR": "STRFTIME('%Y-%m-%d %H:00:00', XT)",
        "MINUTE": "STRFTIME('%Y-%m-%d %H:%M:00', XT)",
        "SECOND": "STRFTIME('%Y-%m-%d %H:%M:%S', XT)"},
}


class DateTrunc(Family):
    name = "date_trunc"
    why = "DATE_TRUNC(unit, x): Monday weeks, calendar quarters"
    BEHAVIOUR: ClassVar[dict[str, str]] = {
        "postgres": "DATE_TRUNC", "duckdb": "DATE_TRUNC", "clickhouse": "DATE_TRUNC",
        "mysql": "no DATE_TRUNC", "sqlite": "no DATE_TRUNC"}
    REWRITES: ClassVar[dict[tuple[str, str], str]] = {("DATE_TRUNC", "no DATE_TRUNC"):
                                                      "calendar_functions"}
    SOURCES = ("postgres", "duckdb")

    def nodes(self, tree: exp.Expr, ctx: SemanticsContext) -> list[exp.Expr]:
        return list(ctx.find(tree, exp.TimestampTrunc, exp.DateTrunc))

    def calendar_functions(self, node: exp.Expr, ctx: SemanticsContext) -> exp.Expr:
        unit = node.args["unit"].name.upper() if node.args.get("unit") else ""
        sql = _SPELL[ctx.target].get(unit)
        if sql is None:
            raise Unsupported(f"DATE_TRUNC('{unit.lower()}', ...) cannot be carried from "
                              f"{ctx.source} to {ctx.target}: the unit is not written")
        return exp.paren(template(sql, ctx.target, XT=node.this), copy=False)
