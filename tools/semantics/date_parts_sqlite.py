"""MySQL's and DuckDB's date-part functions (MONTH(), QUARTER(), ...) towards SQLite.

MySQL and DuckDB have YEAR, QUARTER, MONTH, DAY(OFMONTH), DAYOFYEAR, WEEKOFYEAR (ISO's
week), HOUR, MINUTE and SECOND (whole seconds) as functions, and sqlglot writes them to
SQLite as they are, where none exists ("no such function: QUARTER", even of a date).
ClickHouse gets them from sqlglot in its own spelling, PostgreSQL all but QUARTER (an
EXTRACT each; QUARTER() is written as it is, which PostgreSQL lacks too). Towards SQLite each
is STRFTIME's field as an integer (QUARTER from the month, WEEKOFYEAR as week_numbers'
ISO week); NULL, or a text SQLite cannot read as a date, stays NULL. Towards PostgreSQL
QUARTER is EXTRACT(QUARTER FROM x).
"""

from __future__ import annotations

from typing import ClassVar

from sqlglot import exp

from tools.semantics.base import Family, SemanticsContext, template
from tools.semantics.week_numbers import SQLITE_ISO_WEEK

_FUNCTIONS = "date-part functions (MONTH(), QUARTER(), ...)"
_STRFTIME = "no date-part functions; STRFTIME fields"
_EXTRACT = "EXTRACT fields; no QUARTER()"
_FIELD = "CAST(STRFTIME('{code}', X) AS INTEGER)"
#: sqlglot's node -> the SQLite spelling over X
_SQLITE = {
    exp.Year: _FIELD.format(code="%Y"), exp.Month: _FIELD.format(code="%m"),
    exp.Day: _FIELD.format(code="%d"), exp.DayOfMonth: _FIELD.format(code="%d"),
    exp.DayOfYear: _FIELD.format(code="%j"),
    exp.Quarter: f"(({_FIELD.format(code='%m')} + 2) / 3)",
    exp.WeekOfYear: SQLITE_ISO_WEEK.replace("@", "X"),
    exp.Hour: _FIELD.format(code="%H"), exp.Minute: _FIELD.format(code="%M"),
    exp.Second: _FIELD.format(code="%S"),
}


class DatePartsSqlite(Family):
    name = "date_parts_sqlite"
    why = "Date-part functions (MONTH(), QUARTER(), ...), which SQLite lacks"
    BEHAVIOUR: ClassVar[dict[str, str]] = {
        "mysql": _FUNCTIONS, "duckdb": _FUNCTIONS, "postgres": _EXTRACT,
        "clickhouse": _FUNCTIONS, "sqlite": _STRFTIME,
    }
    #: PostgreSQL has no such functions to read (its EXTRACT is extract_fields')
    SOURCES: ClassVar[tuple[str, ...]] = ("sqlite", "duckdb", "mysql")
    OVERRIDES: ClassVar[dict[tuple[str, str], str]] = {}
    REWRITES: ClassVar[dict[tuple[str, str], str]] = {
        (_FUNCTIONS, _STRFTIME): "as_strftime",
        (_FUNCTIONS, _EXTRACT): "quarter_as_extract",
        # a SQLite source has none of them to carry
        (_STRFTIME, _FUNCTIONS): "same", (_STRFTIME, _EXTRACT): "same",
        (_EXTRACT, _FUNCTIONS): "same", (_EXTRACT, _STRFTIME): "same",
    }

    def nodes(self, tree: exp.Expr, ctx: SemanticsContext) -> list[exp.Expr]:
        return list(ctx.find(tree, *_SQLITE))

    def as_strftime(self, node: exp.Expr, ctx: SemanticsContext) -> exp.Expr:
        return template(_SQLITE[type(node)], "sqlite", X=node.this)  # type: ignore[index]

    def quarter_as_extract(self, node: exp.Expr, ctx: SemanticsContext) -> exp.Expr:
        if not isinstance(node, exp.Quarter):
            return node  # sqlglot writes the others as EXTRACT already
        return template("CAST(EXTRACT(QUARTER FROM X) AS INTEGER)", "postgres", X=node.this)
