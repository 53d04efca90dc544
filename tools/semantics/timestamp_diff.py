"""MySQL's TIMESTAMPDIFF(unit, a, b) and DATEDIFF(a, b).

TIMESTAMPDIFF counts *complete* units from a to b: one month from January 31st is not reached
on February 29th (0), and 23:30 to 01:10 the next day is 1 hour. sqlglot writes it as
DuckDB's DATE_DIFF, which counts unit *boundaries* crossed (1 month, 2 hours), and leaves a
TIMESTAMPDIFF that PostgreSQL, SQLite and ClickHouse do not have. The rewrite spells the
complete-unit count in the target's own functions: microseconds between the two instants
divided (toward zero) by the unit, or for months, quarters and years the month count less one
when b's day-and-time in its month has not reached a's. DATEDIFF (days between the two dates,
time ignored) is already right on DuckDB and PostgreSQL; sqlglot's SQLite and ClickHouse
spellings are not (a truncated julian difference, a DATE_DIFF without a unit).
"""

from __future__ import annotations

from typing import ClassVar

from sqlglot import exp

from tools.errors import Unsupported
from tools.semantics.base import DIALECTS, Family, SemanticsContext, template
from tools.semantics.date_builders import is_to_days

#: per target: the instant {t}, microseconds from XA to XB, a month count of {t}, the
#: day-and-time of {t} within its month as sortable text, integer division toward zero of {n}
#: by {k}
_SPELL = {
    "duckdb": {"ts": "CAST({t} AS TIMESTAMP)",
               "micros": "(EPOCH_US(CAST(XB AS TIMESTAMP)) - EPOCH_US(CAST(XA AS TIMESTAMP)))",
               "months": "(YEAR({t}) * 12 + MONTH({t}))", "key": "STRFTIME({t}, '%d %H:%M:%S.%f')",
               "div": "(SIGN({n}) * (ABS({n}) // {k}))"},
    "postgres": {"ts": "CAST({t} AS TIMESTAMP)",
                 "micros": "CAST(EXTRACT(EPOCH FROM CAST(XB AS TIMESTAMP) - CAST(XA AS TIMESTAMP))"
                           " * 1000000 AS BIGINT)",
                 "months": "(CAST(EXTRACT(YEAR FROM {t}) AS BIGINT) * 12 + "
                           "CAST(EXTRACT(MONTH FROM {t}) AS BIGINT))",
                 "key": "TO_CHAR({t}, 'DD HH24:MI:SS.US')", "div": "({n} / {k})"},
    # julianday is a double: microseconds are good to about 10, so whole milliseconds are kept
    "sqlite": {"ts": "{t}",
               "micros": "(CAST(ROUND((JULIANDAY(XB) - JULIANDAY(XA)) * 86400000) AS INTEGER)"
                         " * 1000)",
               "months": "(CAST(STRFTIME('%Y', {t}) AS INTEGER) * 12 + "
                         "CAST(STRFTIME('%m', {t}) AS INTEGER))",
               "key": "STRFTIME('%d %H:%M:%f', {t})", "div": "({n} / {k})"},
    "clickhouse": {"ts": "toDateTime64({t}, 6)",
                   "micros": "dateDiff('microsecond', toDateTime64(XA, 6), toDateTime64(XB, 6))",
                   "months": "(toInt64(toYear({t})) * 12 + toInt64(toMonth({t})))",
                   "key": "formatDateTime({t}, '%d %H:%i:%S.%f')", "div": "intDiv({n}, {k})"},
}
_MICROS = {"MICROSECOND": 1, "SECOND": 10**6, "MINUTE": 60 * 10**6, "HOUR": 3600 * 10**6,
           "DAY": 86400 * 10**6, "WEEK": 7 * 86400 * 10**6}
_MONTHS = {"MONTH": 1, "QUARTER": 3, "YEAR": 12}
#: DATEDIFF(b, a) with a as XA and b as XB: days from a to b, time of day ignored
_DATEDIFF = {"sqlite": "CAST(JULIANDAY(DATE(XB)) - JULIANDAY(DATE(XA)) AS INTEGER)",
             "clickhouse": "dateDiff('day', toDate(XA), toDate(XB))"}


def diff_sql(target: str, unit: str) -> str:
    """The target's SQL for TIMESTAMPDIFF(unit, XA, XB), XA and XB standing for a and b."""
    spell = _SPELL[target]
    if unit in _MICROS:
        return spell["div"].format(n=spell["micros"], k=_MICROS[unit])
    months = {side: spell["months"].format(t=side) for side in ("XA", "XB")}
    keys = {side: spell["key"].format(t=side) for side in ("XA", "XB")}
    count = f"({months['XB']} - {months['XA']})"
    complete = (f"(CASE WHEN {count} > 0 AND {keys['XB']} < {keys['XA']} THEN {count} - 1 "
                f"WHEN {count} < 0 AND {keys['XB']} > {keys['XA']} THEN {count} + 1 "
                f"ELSE {count} END)")
    per = _MONTHS[unit]
    return complete if per == 1 else spell["div"].format(n=complete, k=per)


class TimestampDiff(Family):
    name = "timestamp_diff"
    why = "MySQL TIMESTAMPDIFF (complete units) and DATEDIFF (days, time ignored)"
    BEHAVIOUR: ClassVar[dict[str, str]] = {d: "other unit counts" for d in DIALECTS} | {
        "mysql": "complete units"}
    REWRITES: ClassVar[dict[tuple[str, str], str]] = {("complete units", "other unit counts"):
                                                      "complete_units"}
    SOURCES = ("mysql",)

    def nodes(self, tree: exp.Expr, ctx: SemanticsContext) -> list[exp.Expr]:
        return [n for n in ctx.find(tree, exp.TimestampDiff, exp.DateDiff)
                if isinstance(n, exp.TimestampDiff)
                or (ctx.target in _DATEDIFF and not is_to_days(n))]  # TO_DAYS: date_builders

    def complete_units(self, node: exp.Expr, ctx: SemanticsContext) -> exp.Expr:
        later, earlier = node.this, node.expression
        if isinstance(node, exp.DateDiff):
            sql = _DATEDIFF[ctx.target]
        else:
            unit = node.args["unit"].name.upper() if node.args.get("unit") else ""
            if unit not in _MICROS and unit not in _MONTHS:
                raise Unsupported(f"TIMESTAMPDIFF({unit}, ...) cannot be carried from mysql to "
                                  f"{ctx.target}: the unit is not written")
            sql = diff_sql(ctx.target, unit)
            # a text literal is an instant in MySQL; the target needs it typed
            earlier, later = (_instant(x, ctx.target) for x in (earlier, later))
        return exp.paren(template(sql, ctx.target, XA=earlier, XB=later), copy=False)


def _instant(node: exp.Expr, target: str) -> exp.Expr:
    if isinstance(node, exp.Literal) and node.is_string and target != "sqlite":
        return template(_SPELL[target]["ts"].format(t="XT"), target, XT=node)
    return node
