"""justify_days() / justify_hours() / justify_interval() (PostgreSQL source).

PostgreSQL's interval keeps months, days and time apart; justify_days moves each whole 30
days into the months, justify_hours each whole 24 hours into the days, justify_interval
both (C's truncating division), and each then makes the fields agree in sign ('1 mon -40
days' is '-10 days'). DuckDB has none of the three (sqlglot writes the calls as they are),
though its intervals keep the same three fields. The rewrite reads the fields with
date_part, does PostgreSQL's arithmetic (PostgreSQL 15's justify_* in C, step by step) and
builds the interval again with to_months / to_days / to_microseconds.

SQLite, MariaDB and ClickHouse have no interval value with months and days apart. There
EXTRACT(year, month, day, hour or minute FROM justify_*(i)) is computed as a number: the
interval's three fields are worked out from i when it is built from interval literals
(whole years ... seconds), integer multiples of them, sums, differences and justify_* calls,
the same arithmetic runs over them, and the field is read as PostgreSQL's EXTRACT reads it
(months % 12, microseconds / 3600000000, ..., truncating). Unsupported: a justify_* value
used otherwise, an interval from a column or of fractional quantities, other fields.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import ClassVar

from sqlglot import exp

from tools.errors import Unsupported
from tools.semantics import kinds
from tools.semantics.base import DIALECTS, Family, SemanticsContext, template
from tools.semantics.pg_calls import BUILT_IN, MISSING

_NO_INTERVAL = "no interval value with months and days apart"

_DAY = "86400000000"  # microseconds in a day
#: the interval's fields in DuckDB, over the interval I
INTERVAL_MONTHS = "(DATE_PART('year', I) * 12 + DATE_PART('month', I))"
INTERVAL_DAYS = "DATE_PART('day', I)"
INTERVAL_TIME = ("(DATE_PART('hour', I) * 3600000000 + DATE_PART('minute', I) * 60000000"
         " + DATE_PART('microseconds', I))")


def _whole(value: str, unit: str) -> tuple[str, str]:
    """C's truncating value / unit and value % unit (DuckDB's % truncates too)."""
    return f"(({value} - {value} % {unit}) // {unit})", f"({value} % {unit})"


def _agree(high: str, low: str, unit: str, extra_low: str = "") -> tuple[str, str]:
    """(high, low) after PostgreSQL's sign fix: a positive high with a negative low borrows
    one unit, and the other way round. `extra_low` widens the low test (justify_interval
    also borrows on days = 0 with a time of the other sign)."""
    negative = f"{low} < 0" + (f" OR ({extra_low} < 0)" if extra_low else "")
    positive = f"{low} > 0" + (f" OR ({extra_low} > 0)" if extra_low else "")
    fix_high = f"(CASE WHEN {high} > 0 AND ({negative}) THEN -1 " \
               f"WHEN {high} < 0 AND ({positive}) THEN 1 ELSE 0 END)"
    return f"({high} + {fix_high})", f"({low} - {fix_high} * {unit})"


def justify_days(months: str, days: str, time: str) -> tuple[str, str, str]:
    moved, rest = _whole(days, "30")
    months, days = _agree(f"({months} + {moved})", rest, "30")
    return months, days, time


def justify_hours(months: str, days: str, time: str) -> tuple[str, str, str]:
    moved, rest = _whole(time, _DAY)
    days, time = _agree(f"({days} + {moved})", rest, _DAY)
    return months, days, time


def justify_interval(months: str, days: str, time: str) -> tuple[str, str, str]:
    moved_days, time = _whole(time, _DAY)
    moved_months, days = _whole(f"({days} + {moved_days})", "30")
    day_zero_time = f"CASE WHEN {days} = 0 THEN {time} ELSE 0 END"
    months, days = _agree(f"({months} + {moved_months})", days, "30", day_zero_time)
    days_after, time_after = _agree(days, time, _DAY)
    return months, days_after, time_after


def duckdb_interval(months: str, days: str, time: str) -> str:
    """A DuckDB interval of these three fields."""
    return f"TO_MONTHS(CAST({months} AS INTEGER)) + TO_DAYS(CAST({days} AS INTEGER)) " \
           f"+ TO_MICROSECONDS(CAST({time} AS BIGINT))"


Fields = tuple[str, str, str]
"""SQL for an interval's months, days and microseconds"""

_BUILDERS: dict[type[exp.Expr], Callable[[str, str, str], Fields]] = {
    exp.JustifyDays: justify_days, exp.JustifyHours: justify_hours,
    exp.JustifyInterval: justify_interval}

#: an interval literal's unit -> (field, how many of it): months, days or microseconds
_UNITS = {
    **dict.fromkeys(("year", "years", "y", "yr", "yrs"), ("months", 12)),
    **dict.fromkeys(("mon", "mons", "month", "months"), ("months", 1)),
    **dict.fromkeys(("week", "weeks", "w"), ("days", 7)),
    **dict.fromkeys(("day", "days", "d"), ("days", 1)),
    **dict.fromkeys(("hour", "hours", "h", "hr", "hrs"), ("time", 3600000000)),
    **dict.fromkeys(("minute", "minutes", "min", "mins", "m"), ("time", 60000000)),
    **dict.fromkeys(("second", "seconds", "sec", "secs", "s"), ("time", 1000000)),
}
_QUANTITY = re.compile(r"\s*([+-]?\d+)\s*([a-z]+)")


def _extracted(field: str, months: str, days: str, time: str) -> str | None:
    """PostgreSQL's EXTRACT(field FROM interval) over its three fields (C's truncation),
    or None for a field not carried."""
    if field in ("YEAR", "YEARS"):
        return _whole(months, "12")[0]
    if field in ("MONTH", "MONTHS", "MON"):
        return _whole(months, "12")[1]
    if field in ("DAY", "DAYS"):
        return days
    if field in ("HOUR", "HOURS"):
        return _whole(time, "3600000000")[0]
    if field in ("MINUTE", "MINUTES"):
        return _whole(_whole(time, "60000000")[0], "60")[1]
    return None


class Justify(Family):
    name = "pg_justify"
    why = "justify_days(), justify_hours(), justify_interval() (PostgreSQL function counterparts)"
    BEHAVIOUR: ClassVar[dict[str, str]] = {d: _NO_INTERVAL for d in DIALECTS} | {
        "postgres": BUILT_IN, "duckdb": MISSING}
    SOURCES = ("postgres",)
    REWRITES: ClassVar[dict[tuple[str, str], str]] = {
        (BUILT_IN, MISSING): "fields_rebuilt", (BUILT_IN, _NO_INTERVAL): "field_computed"}

    def nodes(self, tree: exp.Expr, ctx: SemanticsContext) -> list[exp.Expr]:
        found = list(ctx.find(tree, *_BUILDERS))
        if ctx.target == "duckdb":
            return found
        # elsewhere the EXTRACT over the (nested) justify_* calls is computed whole; a call
        # outside an EXTRACT is kept, and field_computed refuses it
        wanted: list[exp.Expr] = []
        for node in found:
            outer = node.parent
            while outer is not None and isinstance(outer, (exp.Paren, *_BUILDERS)):
                outer = outer.parent
            chosen = outer if isinstance(outer, exp.Extract) else node
            if not any(chosen is w for w in wanted):
                wanted.append(chosen)
        return wanted

    def fields_rebuilt(self, node: exp.Expr, ctx: SemanticsContext) -> exp.Expr:
        fields = _BUILDERS[type(node)](INTERVAL_MONTHS, INTERVAL_DAYS, INTERVAL_TIME)
        return exp.paren(template(duckdb_interval(*fields), "duckdb", I=node.this), copy=False)

    def field_computed(self, node: exp.Expr, ctx: SemanticsContext) -> exp.Expr:
        if not isinstance(node, exp.Extract):
            raise self._refuse(ctx, "the target has no interval value with months and days "
                                    "apart; only EXTRACT(field FROM justify_*(...)) is carried")
        arguments: dict[str, exp.Expr] = {}
        fields = self._fields(node.expression, ctx, arguments)
        sql = _extracted(node.name.upper(), *fields)
        if sql is None:
            raise self._refuse(ctx, f"EXTRACT({node.name} FROM an interval) is carried for "
                                    f"year, month, day, hour and minute only")
        # written in DuckDB's spelling (its // divides exactly here); sqlglot writes it out
        return exp.paren(template(sql, "duckdb", **arguments), copy=False)

    def _fields(self, node: exp.Expr, ctx: SemanticsContext,
                arguments: dict[str, exp.Expr]) -> Fields:
        """SQL for (months, days, microseconds) of an interval expression built from
        literals, integer multiples, sums, differences and justify_* calls; the integer
        operands are placeholders XARGn in `arguments`."""
        if isinstance(node, exp.Paren):
            return self._fields(node.this, ctx, arguments)
        if isinstance(node, tuple(_BUILDERS)):
            return _BUILDERS[type(node)](*self._fields(node.this, ctx, arguments))
        if isinstance(node, exp.Interval):
            return self._literal(node, ctx)
        if isinstance(node, exp.Neg):
            months, days, time = self._fields(node.this, ctx, arguments)
            return f"(-{months})", f"(-{days})", f"(-{time})"
        if isinstance(node, (exp.Add, exp.Sub)):
            sign = "+" if isinstance(node, exp.Add) else "-"
            left = self._fields(node.this, ctx, arguments)
            right = self._fields(node.expression, ctx, arguments)
            return (f"({left[0]} {sign} {right[0]})", f"({left[1]} {sign} {right[1]})",
                    f"({left[2]} {sign} {right[2]})")
        if isinstance(node, exp.Mul):
            for interval, factor in ((node.this, node.expression), (node.expression, node.this)):
                if ctx.source_kind(node.root(), factor) == kinds.INT:
                    name = f"XARG{len(arguments)}"
                    arguments[name] = factor
                    months, days, time = self._fields(interval, ctx, arguments)
                    return f"({months} * {name})", f"({days} * {name})", f"({time} * {name})"
        raise self._refuse(ctx, "the interval is not built from literals, integer multiples, "
                                "sums and justify_* calls")

    def _literal(self, node: exp.Interval, ctx: SemanticsContext) -> Fields:
        text = f"{node.this.name} {node.unit.name if node.unit else ''}".lower().strip()
        totals = {"months": 0, "days": 0, "time": 0}
        end = 0
        for match in _QUANTITY.finditer(text):
            unit = _UNITS.get(match.group(2))
            if match.start() != end or unit is None:
                break
            totals[unit[0]] += int(match.group(1)) * unit[1]
            end = match.end()
        if end == 0 or text[end:].strip():
            raise self._refuse(ctx, f"the interval literal {text!r} is not whole numbers of "
                                    f"years, months, weeks, days, hours, minutes or seconds")
        return str(totals["months"]), str(totals["days"]), str(totals["time"])

    def _refuse(self, ctx: SemanticsContext, reason: str) -> Unsupported:
        return Unsupported(f"{self.why} cannot be carried from {ctx.source} to {ctx.target}: "
                           f"{reason}")
