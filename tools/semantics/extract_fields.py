"""EXTRACT(field FROM x) / date_part('field', x) of PostgreSQL and DuckDB elsewhere.

PostgreSQL and DuckDB agree on the fields: WEEK and ISOYEAR are ISO's, SECOND keeps the
fraction, MILLISECONDS and MICROSECONDS count the whole seconds too (12.5 s is 12500 ms), EPOCH
reads a timestamp without time zone as UTC, DECADE is the year / 10 and CENTURY starts in
years ending in 01. sqlglot writes EXTRACT unchanged, which SQLite does not have at all,
MySQL reads WEEK as its mode-0 week and has no DOY, ISOYEAR, DECADE, CENTURY or
MILLISECONDS, and ClickHouse's MILLISECOND is the fraction alone. The rewrite spells each
field in the target's calendar functions. Day-of-week fields are the day_of_week family's.

From MySQL: YEAR, QUARTER, MONTH, DAY, HOUR, MINUTE and a whole-number SECOND, which DuckDB and
ClickHouse read alike (the grid), are spelled with strftime on SQLite and SECOND floored on
PostgreSQL. MySQL's EXTRACT(WEEK) (its mode-0 week) and MICROSECOND (the fraction alone) are
not carried yet: the grid's timestamp types do not keep fractions on every engine.
"""

from __future__ import annotations

from typing import ClassVar

from sqlglot import exp

from tools.semantics.base import SAME, Family, SemanticsContext, template
from tools.semantics.week_numbers import SQLITE_ISO_WEEK, SQLITE_ISO_YEAR

#: sqlglot's names of a field -> the canonical field
_FIELDS = {"MILLISECOND": "MS", "MILLISECONDS": "MS", "MICROSECOND": "US", "MICROSECONDS": "US",
           "DAYOFYEAR": "DOY", "DOY": "DOY", "WEEK": "WEEK", "WEEKOFYEAR": "WEEK",
           "ISOYEAR": "ISOYEAR", "QUARTER": "QUARTER", "DECADE": "DECADE",
           "CENTURY": "CENTURY", "EPOCH": "EPOCH", "YEAR": "YEAR", "MONTH": "MONTH",
           "DAY": "DAY", "HOUR": "HOUR", "MINUTE": "MINUTE", "SECOND": "SECOND"}
_SQLITE_INT = "CAST(STRFTIME('{code}', XV) AS INTEGER)"
_SQLITE_YEAR = _SQLITE_INT.format(code="%Y")
_SQLITE_SECONDS = "CAST(STRFTIME('%f', XV) AS REAL)"  # SS.SSS
#: target -> canonical field -> SQL over XV (fields a target already agrees on are absent)
_SPELL = {
    "sqlite": {
        "YEAR": _SQLITE_YEAR, "MONTH": _SQLITE_INT.format(code="%m"),
        "DAY": _SQLITE_INT.format(code="%d"), "HOUR": _SQLITE_INT.format(code="%H"),
        "MINUTE": _SQLITE_INT.format(code="%M"), "SECOND": _SQLITE_SECONDS,
        "MS": f"({_SQLITE_SECONDS} * 1000)", "US": f"({_SQLITE_SECONDS} * 1000000)",
        "DOY": _SQLITE_INT.format(code="%j"),
        "QUARTER": f"(({_SQLITE_INT.format(code='%m')} + 2) / 3)",
        "WEEK": SQLITE_ISO_WEEK.replace("@", "XV"),
        "ISOYEAR": SQLITE_ISO_YEAR.replace("@", "XV"),
        "DECADE": f"({_SQLITE_YEAR} / 10)", "CENTURY": f"(({_SQLITE_YEAR} + 99) / 100)",
        "EPOCH": f"(CAST(STRFTIME('%s', XV) AS INTEGER) + {_SQLITE_SECONDS} "
                 f"- {_SQLITE_INT.format(code='%S')})"},
    "mysql": {
        "SECOND": "(SECOND(XV) + MICROSECOND(XV) / 1000000)",
        "MS": "(SECOND(XV) * 1000 + MICROSECOND(XV) / 1000)",
        "US": "(SECOND(XV) * 1000000 + MICROSECOND(XV))",
        "DOY": "DAYOFYEAR(XV)", "WEEK": "WEEK(XV, 3)", "ISOYEAR": "(YEARWEEK(XV, 3) DIV 100)",
        "DECADE": "(YEAR(XV) DIV 10)", "CENTURY": "((YEAR(XV) + 99) DIV 100)",
        # UNIX_TIMESTAMP reads the session's time zone; PostgreSQL reads UTC
        "EPOCH": "(TIMESTAMPDIFF(MICROSECOND, CAST('1970-01-01' AS DATETIME), XV) / 1000000)"},
    "clickhouse": {
        "MS": "(toSecond(XV) * 1000 + toUnixTimestamp64Milli(toDateTime64(XV, 3)) % 1000)",
        "US": "(toSecond(XV) * 1000000 + toUnixTimestamp64Micro(toDateTime64(XV, 6)) % 1000000)",
        "DECADE": "intDiv(toYear(XV), 10)", "CENTURY": "intDiv(toYear(XV) + 99, 100)"},
}
_PG = "PostgreSQL fields"
_MYSQL = "MySQL units"

#: MySQL's EXTRACT units (SECOND a whole number) -> target -> SQL over XV, where the target
#: reads the unit otherwise (PostgreSQL's SECOND keeps the fraction) or has no EXTRACT (SQLite)
_MYSQL_SPELL = {
    "sqlite": {field: _SPELL["sqlite"][field]
               for field in ("YEAR", "MONTH", "DAY", "HOUR", "MINUTE", "QUARTER")}
    | {"SECOND": _SQLITE_INT.format(code="%S")},
    "postgres": {"SECOND": "CAST(FLOOR(EXTRACT(SECOND FROM XV)) AS INT)"},
}


_JUSTIFIED = (exp.JustifyDays, exp.JustifyHours, exp.JustifyInterval)


class ExtractFields(Family):
    name = "extract_fields"
    why = "EXTRACT fields: ISO WEEK/ISOYEAR, SECOND with fraction, MILLISECONDS, EPOCH, DOY"
    BEHAVIOUR: ClassVar[dict[str, str]] = {
        "postgres": _PG, "duckdb": _PG, "mysql": _MYSQL, "sqlite": "no EXTRACT",
        "clickhouse": "ClickHouse parts"}
    REWRITES: ClassVar[dict[tuple[str, str], str]] = {
        (_PG, _MYSQL): "calendar_functions", (_PG, "no EXTRACT"): "calendar_functions",
        (_PG, "ClickHouse parts"): "calendar_functions",
        (_MYSQL, "no EXTRACT"): "mysql_units", (_MYSQL, _PG): "mysql_units"}
    OVERRIDES: ClassVar[dict[tuple[str, str], str]] = {("mysql", "clickhouse"): SAME,
                                                       ("mysql", "duckdb"): SAME}
    SOURCES = ("postgres", "duckdb", "mysql")

    def nodes(self, tree: exp.Expr, ctx: SemanticsContext) -> list[exp.Expr]:
        spell = (_MYSQL_SPELL if ctx.source == "mysql" else _SPELL).get(ctx.target, {})
        # a field of a justify_*() interval is pg_justify's to compute, not a date's
        return [n for n in ctx.find(tree, exp.Extract)
                if _FIELDS.get(n.name.upper()) in spell
                and not isinstance(n.expression.unnest(), _JUSTIFIED)]

    def calendar_functions(self, node: exp.Expr, ctx: SemanticsContext) -> exp.Expr:
        sql = _SPELL[ctx.target][_FIELDS[node.name.upper()]]
        return exp.paren(template(sql, ctx.target, XV=node.expression), copy=False)

    def mysql_units(self, node: exp.Expr, ctx: SemanticsContext) -> exp.Expr:
        sql = _MYSQL_SPELL[ctx.target][_FIELDS[node.name.upper()]]
        return exp.paren(template(sql, ctx.target, XV=node.expression), copy=False)
