"""SQLite's date(x, modifier...), datetime(x, modifier...), julianday(x, modifier...), and
time() and unixepoch() (no other engine has those two names).

SQLite keeps dates as text and moves them with modifier strings: '+1 day', '-3 months',
'start of month', 'weekday 0'. No other engine reads them: sqlglot writes DATE(x, '+1 day')
unchanged, which DuckDB, PostgreSQL, MySQL and ClickHouse reject, and JULIANDAY, which only
SQLite has. Month and year steps keep the day number and let it overflow: '2024-01-31'
'+1 month' is 2024-03-02 and '2024-02-29' '-1 year' is 2023-03-01, where every other engine
clamps to the month's last day; the rewrite keeps SQLite's meaning by adding the months to the
first of the month and then the day and time back. 'weekday N' moves forward to the next day
that is weekday N (0 = Sunday), or stays. julianday is days since noon, November 24th 4714 BC,
computed as SQLite does (whole milliseconds since then, divided by 86400000.0 in double), so
that even its rounding is the same. A modifier that is not a literal of these forms
('localtime', 'utc', a column) is reported unsupported, never guessed.
"""

from __future__ import annotations

import re
from typing import ClassVar

from sqlglot import exp

from tools.errors import Unsupported
from tools.semantics.base import DIALECTS, Family, SemanticsContext, template

_STEP = re.compile(r"^\s*([+-]?)\s*(\d+(?:\.0*)?)\s+(day|hour|minute|second|month|year)s?\s*$",
                   re.I)
_START = re.compile(r"^\s*start\s+of\s+(day|month|year)\s*$", re.I)
_WEEKDAY = re.compile(r"^\s*weekday\s+([0-6])\s*$", re.I)

#: per target, over the instant {v}: the start from the argument {x}, a step of {n} units,
#: the month step keeping the day, the start of a day/month/year, the weekday (Sunday = 0),
#: and the results of date(), datetime() and julianday()
_SPELL = {
    "duckdb": {
        "instant": "{v}",
        "start": "CAST({x} AS TIMESTAMP)", "step": "({v} + ({n}) * INTERVAL '1 {unit}')",
        "months": "(DATE_TRUNC('month', {v}) + ({n}) * INTERVAL '1 month' "
                  "+ ({v} - DATE_TRUNC('month', {v})))",
        "trunc": "DATE_TRUNC('{unit}', {v})", "dow": "DAYOFWEEK({v})",
        "date": "CAST({v} AS DATE)", "datetime": "DATE_TRUNC('second', {v})",
        "julianday": "((EPOCH_MS({v}) + 210866760000000) / 86400000.0)",
        "time": "STRFTIME({v}, '%H:%M:%S')",
        "unixepoch": "CAST(FLOOR(EPOCH_MS({v}) / 1000) AS BIGINT)"},
    "postgres": {
        "instant": "{v}",
        "start": "CAST({x} AS TIMESTAMP)", "step": "({v} + ({n}) * INTERVAL '1 {unit}')",
        "months": "(DATE_TRUNC('month', {v}) + ({n}) * INTERVAL '1 month' "
                  "+ ({v} - DATE_TRUNC('month', {v})))",
        "trunc": "DATE_TRUNC('{unit}', {v})", "dow": "CAST(EXTRACT(DOW FROM {v}) AS INT)",
        "date": "CAST({v} AS DATE)", "datetime": "DATE_TRUNC('second', {v})",
        "julianday": "(CAST(ROUND(EXTRACT(EPOCH FROM {v}) * 1000) + 210866760000000 "
                     "AS DOUBLE PRECISION) / 86400000)",
        "time": "TO_CHAR({v}, 'HH24:MI:SS')",
        "unixepoch": "CAST(FLOOR(EXTRACT(EPOCH FROM {v})) AS BIGINT)"},
    "mysql": {
        "instant": "{v}",
        "start": "CAST({x} AS DATETIME(6))", "step": "DATE_ADD({v}, INTERVAL ({n}) {unit})",
        "months": "DATE_ADD(DATE_ADD(CAST(DATE_FORMAT({v}, '%Y-%m-01') AS DATETIME(6)), "
                  "INTERVAL ({n}) MONTH), INTERVAL TIMESTAMPDIFF(MICROSECOND, "
                  "CAST(DATE_FORMAT({v}, '%Y-%m-01') AS DATETIME(6)), {v}) MICROSECOND)",
        "trunc:day": "CAST(DATE({v}) AS DATETIME(6))",
        "trunc:month": "CAST(DATE_FORMAT({v}, '%Y-%m-01') AS DATETIME(6))",
        "trunc:year": "CAST(DATE_FORMAT({v}, '%Y-01-01') AS DATETIME(6))",
        "dow": "(DAYOFWEEK({v}) - 1)", "date": "CAST({v} AS DATE)",
        "datetime": "CAST({v} AS DATETIME)",
        "julianday": "(CAST(ROUND(TIMESTAMPDIFF(MICROSECOND, CAST('1970-01-01' AS DATETIME(6)), "
                     "{v}) / 1000) + 210866760000000 AS DOUBLE) / 86400000)",
        "time": "DATE_FORMAT({v}, '%H:%i:%S')",
        "unixepoch": "FLOOR(TIMESTAMPDIFF(MICROSECOND, CAST('1970-01-01' AS DATETIME(6)), "
                     "{v}) / 1000000)"},
    "clickhouse": {
        "instant": "{v}",
        # SQLite's text dates: a NULL or unreadable text is NULL, as date() makes it
        "start": "parseDateTime64BestEffortOrNull(toString({x}), 3)",
        "step:day": "addDays({v}, {n})", "step:hour": "addHours({v}, {n})",
        "step:minute": "addMinutes({v}, {n})", "step:second": "addSeconds({v}, {n})",
        "months": "addMilliseconds(addMonths(toDateTime64(toStartOfMonth({v}), 3), {n}), "
                  "dateDiff('millisecond', toDateTime64(toStartOfMonth({v}), 3), {v}))",
        "trunc:day": "toDateTime64(toStartOfDay({v}), 3)",
        "trunc:month": "toDateTime64(toStartOfMonth({v}), 3)",
        "trunc:year": "toDateTime64(toStartOfYear({v}), 3)",
        # Date32 and text: ClickHouse's Date and DateTime start in 1970
        "dow": "(toDayOfWeek({v}) % 7)", "date": "toDate32({v})",
        "datetime": "formatDateTime({v}, '%Y-%m-%d %H:%i:%S')",
        "julianday": "((toUnixTimestamp64Milli({v}) + 210866760000000) / 86400000)",
        "time": "formatDateTime({v}, '%H:%i:%S')",
        "unixepoch": "intDiv(toUnixTimestamp64Milli({v}), 1000)"},
}
_FUNCTIONS = {"DATE": "date", "DATETIME": "datetime", "JULIANDAY": "julianday",
              "TIME": "time", "UNIXEPOCH": "unixepoch"}


def _spell(target: str, what: str, unit: str = "") -> str:
    spell = _SPELL[target]
    return spell.get(f"{what}:{unit}") or spell[what]


def _modifier(target: str, value: str, modifier: str) -> str:
    """`value` (target SQL of an instant) moved by one SQLite modifier."""
    if step := _STEP.match(modifier):
        sign, number, unit = step.group(1), step.group(2).split(".")[0], step.group(3).lower()
        n = f"-{number}" if sign == "-" else number
        if unit in ("month", "year"):
            months = str(int(n) * (12 if unit == "year" else 1))
            return _spell(target, "months").format(v=value, n=months)
        return _spell(target, "step", unit).format(v=value, n=n, unit=unit)
    if start := _START.match(modifier):
        unit = start.group(1).lower()
        return _spell(target, "trunc", unit).format(v=value, unit=unit)
    if weekday := _WEEKDAY.match(modifier):
        dow = _spell(target, "dow").format(v=value)
        days = f"(({weekday.group(1)} - {dow} + 7) % 7)"
        return _spell(target, "step", "day").format(v=value, n=days, unit="day")
    raise Unsupported(f"the SQLite date modifier '{modifier}' cannot be carried to {target}: "
                      "only '±N unit', 'start of day/month/year' and 'weekday N' are written")


def date_sql(target: str, function: str, modifiers: list[str]) -> str:
    """Target SQL for SQLite's `function`(XD, *modifiers), XD standing for the argument
    ('instant': the moved instant itself, for strftime)."""
    value = _spell(target, "start").format(x="XD")
    for modifier in modifiers:
        value = _modifier(target, value, modifier)
    return _spell(target, function).format(v=value)


class SqliteDates(Family):
    name = "sqlite_date_modifiers"
    why = ("SQLite date()/datetime()/julianday() with modifiers ('+1 month', 'start of "
           "month'), time(), unixepoch()")
    BEHAVIOUR: ClassVar[dict[str, str]] = {d: "no modifiers" for d in DIALECTS} | {
        "sqlite": "text dates moved by modifiers"}
    REWRITES: ClassVar[dict[tuple[str, str], str]] = {
        ("text dates moved by modifiers", "no modifiers"): "instant_arithmetic"}
    SOURCES = ("sqlite",)

    def nodes(self, tree: exp.Expr, ctx: SemanticsContext) -> list[exp.Expr]:
        out: list[exp.Expr] = []
        for node in ctx.find(tree, exp.Anonymous):
            function = _FUNCTIONS.get(str(node.this).upper())
            if function and (function != "date" or len(node.expressions) > 1):
                out.append(node)
        return out

    def instant_arithmetic(self, node: exp.Expr, ctx: SemanticsContext) -> exp.Expr:
        function = _FUNCTIONS[str(node.this).upper()]
        argument, *modifiers = node.expressions
        texts = []
        for modifier in modifiers:
            if not (isinstance(modifier, exp.Literal) and modifier.is_string):
                raise Unsupported(f"a SQLite date modifier that is not a literal "
                                  f"({modifier.sql('sqlite')}) cannot be carried to {ctx.target}")
            texts.append(modifier.name)
        if isinstance(argument, exp.Literal) and argument.name.lower() == "now":
            raise Unsupported(f"SQLite's {function}('now', ...) cannot be carried to "
                              f"{ctx.target}: the run's clock differs from the source's")
        sql = date_sql(ctx.target, function, texts)
        return exp.paren(template(sql, ctx.target, XD=argument), copy=False)
