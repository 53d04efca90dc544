"""MySQL's WEEK(d, mode) and YEARWEEK(d, mode): week numbers by MySQL's eight modes.

MySQL numbers weeks by a mode (default_week_format, 0 unless changed): which day starts the
week (Sunday or Monday), whether week 1 is the first week holding that day or the first with
four or more days of the year, and whether the days before week 1 are week 0 or the last week
of the year before. sqlglot carries WEEK(d) to DuckDB as WEEK(d), the ISO week (so January
7th 2024, a Sunday, is week 1 in MySQL and week 1 ISO, but 2024-12-31 is 52 against 1), and
leaves WEEK(d, 1) and YEARWEEK to fail on PostgreSQL and DuckDB. The rewrite computes the
mode's number from the day of the year and the day of the week, in the target's own spelling.
Mode 6 (Sunday weeks, four-day rule, 1-53) is left alone: the year-end wrap it needs is not
written yet, so it is reported as unsupported instead of approximated.
"""

from __future__ import annotations

from typing import ClassVar

from sqlglot import exp

from tools.errors import Unsupported
from tools.semantics.base import DIALECTS, Family, SemanticsContext, int_literal, template

#: SQLite (3.40) has no ISO week codes: the ISO week and year are those of the week's Thursday
SQLITE_ISO_WEEK = ("((CAST(STRFTIME('%j', DATE(@, '-3 days', 'weekday 4')) AS INTEGER) - 1)"
                   " / 7 + 1)")
SQLITE_ISO_YEAR = "CAST(STRFTIME('%Y', DATE(@, '-3 days', 'weekday 4')) AS INTEGER)"
#: per target: day of year, day of week (Sunday = 0), ISO week, ISO year, year, the last day
#: of the year before (@ - day of year) and integer division by 7 (#); @ stands for the date
_PARTS = {
    "duckdb": {"doy": "CAST(DAYOFYEAR(@) AS BIGINT)",
               "dow": "CAST(DAYOFWEEK(@) AS BIGINT)",
               "isoweek": "CAST(WEEK(@) AS BIGINT)",
               "isoyear": "CAST(ISOYEAR(@) AS BIGINT)",
               "year": "CAST(YEAR(@) AS BIGINT)",
               "prev": "CAST(@ AS DATE) - CAST(DAYOFYEAR(@) AS INTEGER)",
               "div7": "(#) // 7"},
    "postgres": {"doy": "CAST(EXTRACT(DOY FROM @) AS INT)",
                 "dow": "CAST(EXTRACT(DOW FROM @) AS INT)",
                 "isoweek": "CAST(EXTRACT(WEEK FROM @) AS INT)",
                 "isoyear": "CAST(EXTRACT(ISOYEAR FROM @) AS INT)",
                 "year": "CAST(EXTRACT(YEAR FROM @) AS INT)",
                 "prev": "CAST(@ AS DATE) - CAST(EXTRACT(DOY FROM @) AS INT)",
                 "div7": "(#) / 7"},
    "sqlite": {"doy": "CAST(STRFTIME('%j', @) AS INTEGER)",
               "dow": "CAST(STRFTIME('%w', @) AS INTEGER)",
               "isoweek": SQLITE_ISO_WEEK, "isoyear": SQLITE_ISO_YEAR,
               "year": "CAST(STRFTIME('%Y', @) AS INTEGER)",
               "prev": "DATE(@, '-' || STRFTIME('%j', @) || ' days')",
               "div7": "(#) / 7"},
    # MySQL is a source of WEEK; these serve SQLite's strftime('%W') read on MySQL
    "mysql": {"doy": "DAYOFYEAR(@)", "dow": "(DAYOFWEEK(@) - 1)", "div7": "(#) DIV 7"},
    "clickhouse": {"doy": "toInt64(toDayOfYear(@))",
                   "dow": "toInt64(toDayOfWeek(@) % 7)",
                   "isoweek": "toInt64(toISOWeek(@))",
                   "isoyear": "toInt64(toISOYear(@))",
                   "year": "toInt64(toYear(@))",
                   "prev": "@ - toDayOfYear(@)",
                   "div7": "intDiv(#, 7)"},
}
#: mode -> (week starts on Monday, week 1 is the first with 4+ days, weeks run 1-53)
_MODES = {0: (False, False, False), 1: (True, True, False), 2: (False, False, True),
          3: (True, True, True), 4: (False, True, False), 5: (True, False, False),
          7: (True, False, True)}


def _part(target: str, name: str, date: str) -> str:
    return "(" + _PARTS[target][name].replace("@", date) + ")"


def week_in_year(target: str, mode: int, date: str) -> str:
    """The mode's week number counted within `date`'s own year (0 before week 1)."""
    monday, four_days, _ = _MODES[mode]
    dow = _part(target, "dow", date)
    offset = f"(({dow} + 6) % 7)" if monday else dow  # days since the week's first day
    doy = _part(target, "doy", date)
    count = f"{doy} - {offset} + 9" if four_days else f"{doy} + 6 - {offset}"
    return "(" + _PARTS[target]["div7"].replace("#", count) + ")"


def week_sql(target: str, mode: int, yearweek: bool) -> str:
    """The target's SQL for WEEK(D, mode) or YEARWEEK(D, mode), D standing for the date."""
    monday, four_days, one_based = _MODES[mode]
    if four_days and (one_based or yearweek):
        if not monday:
            raise Unsupported("MySQL week mode 4/6 in YEARWEEK (Sunday weeks, four-day rule) "
                              "cannot be carried: its year-end wrap is not written")
        week, year = _part(target, "isoweek", "D"), _part(target, "isoyear", "D")
        return f"({year} * 100 + {week})" if yearweek else week
    here = week_in_year(target, mode, "D")
    if not (one_based or yearweek):
        return here
    prev = _PARTS[target]["prev"].replace("@", "D")
    before = week_in_year(target, mode, f"({prev})")
    year = _part(target, "year", "D")
    if yearweek:
        return (f"(CASE WHEN {here} = 0 THEN ({year} - 1) * 100 + {before} "
                f"ELSE {year} * 100 + {here} END)")
    return f"(CASE WHEN {here} = 0 THEN {before} ELSE {here} END)"


class WeekNumbers(Family):
    name = "week_numbers"
    why = "MySQL WEEK(d, mode) and YEARWEEK(d, mode) week numbers"
    BEHAVIOUR: ClassVar[dict[str, str]] = {d: "no WEEK modes" for d in DIALECTS} | {
        "mysql": "WEEK modes 0-7"}
    REWRITES: ClassVar[dict[tuple[str, str], str]] = {("WEEK modes 0-7", "no WEEK modes"):
                                                      "mode_arithmetic"}
    SOURCES = ("mysql",)

    def nodes(self, tree: exp.Expr, ctx: SemanticsContext) -> list[exp.Expr]:
        return [n for n in ctx.find(tree, exp.Week, exp.Anonymous)
                if isinstance(n, exp.Week) or str(n.this).upper() == "YEARWEEK"]

    def mode_arithmetic(self, node: exp.Expr, ctx: SemanticsContext) -> exp.Expr:
        if isinstance(node, exp.Week):
            date, mode_arg, yearweek = node.this, node.args.get("mode"), False
        else:
            date = exp.TsOrDsToDate(this=node.expressions[0].copy())
            mode_arg = node.expressions[1] if len(node.expressions) > 1 else None
            yearweek = True
        mode = 0 if mode_arg is None else int_literal(mode_arg)
        if mode is None or mode not in _MODES:
            raise Unsupported(f"MySQL week mode {mode_arg.sql() if mode_arg else '?'} "
                              f"cannot be carried from mysql to {ctx.target}: only the "
                              "literal modes 0-5 and 7 are written")
        return exp.paren(template(week_sql(ctx.target, mode, yearweek), ctx.target, D=date),
                         copy=False)
