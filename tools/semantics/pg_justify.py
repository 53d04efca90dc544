"""justify_days() / justify_hours() / justify_interval() (PostgreSQL source).

PostgreSQL's interval keeps months, days and time apart; justify_days moves each whole 30
days into the months, justify_hours each whole 24 hours into the days, justify_interval
both (C's truncating division), and each then makes the fields agree in sign ('1 mon -40
days' is '-10 days'). DuckDB has none of the three (sqlglot writes the calls as they are),
though its intervals keep the same three fields. The rewrite reads the fields with
date_part, does PostgreSQL's arithmetic (PostgreSQL 15's justify_* in C, step by step) and
builds the interval again with to_months / to_days / to_microseconds. The other targets have
no interval value with months and days apart (open).
"""

from __future__ import annotations

from typing import ClassVar

from sqlglot import exp

from tools.semantics.base import DIALECTS, Family, SemanticsContext, template
from tools.semantics.pg_calls import BUILT_IN, MISSING, open_on

_DAY = "86400000000"  # microseconds in a day
#: the interval's fields in DuckDB, over the interval I
_MONTHS = "(DATE_PART('year', I) * 12 + DATE_PART('month', I))"
_DAYS = "DATE_PART('day', I)"
_TIME = ("(DATE_PART('hour', I) * 3600000000 + DATE_PART('minute', I) * 60000000"
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


def justify_days() -> str:
    moved, rest = _whole(_DAYS, "30")
    months, days = _agree(f"({_MONTHS} + {moved})", rest, "30")
    return f"TO_MONTHS(CAST({months} AS INTEGER)) + TO_DAYS(CAST({days} AS INTEGER)) " \
           f"+ TO_MICROSECONDS(CAST({_TIME} AS BIGINT))"


def justify_hours() -> str:
    moved, rest = _whole(_TIME, _DAY)
    days, time = _agree(f"({_DAYS} + {moved})", rest, _DAY)
    return f"TO_MONTHS(CAST({_MONTHS} AS INTEGER)) + TO_DAYS(CAST({days} AS INTEGER)) " \
           f"+ TO_MICROSECONDS(CAST({time} AS BIGINT))"


def justify_interval() -> str:
    moved_days, time = _whole(_TIME, _DAY)
    moved_months, days = _whole(f"({_DAYS} + {moved_days})", "30")
    day_zero_time = f"CASE WHEN {days} = 0 THEN {time} ELSE 0 END"
    months, days = _agree(f"({_MONTHS} + {moved_months})", days, "30", day_zero_time)
    days_after, time_after = _agree(days, time, _DAY)
    return f"TO_MONTHS(CAST({months} AS INTEGER)) + TO_DAYS(CAST({days_after} AS INTEGER)) " \
           f"+ TO_MICROSECONDS(CAST({time_after} AS BIGINT))"


_BUILDERS = {exp.JustifyDays: justify_days, exp.JustifyHours: justify_hours,
             exp.JustifyInterval: justify_interval}


class Justify(Family):
    name = "pg_justify"
    why = "justify_days(), justify_hours(), justify_interval() (PostgreSQL function counterparts)"
    BEHAVIOUR: ClassVar[dict[str, str]] = {d: MISSING for d in DIALECTS} | {"postgres": BUILT_IN}
    OVERRIDES: ClassVar[dict[tuple[str, str], str]] = open_on(
        "mysql", "sqlite", "clickhouse", why="no interval value with months and days apart")
    SOURCES = ("postgres",)
    REWRITES: ClassVar[dict[tuple[str, str], str]] = {(BUILT_IN, MISSING): "fields_rebuilt"}

    def nodes(self, tree: exp.Expr, ctx: SemanticsContext) -> list[exp.Expr]:
        return list(ctx.find(tree, *_BUILDERS))

    def fields_rebuilt(self, node: exp.Expr, ctx: SemanticsContext) -> exp.Expr:
        sql = _BUILDERS[type(node)]()  # type: ignore[index]  # nodes() found only these
        return exp.paren(template(sql, "duckdb", I=node.this), copy=False)
