"""SQLite's strftime(format, x, modifier...) on the other engines.

sqlglot maps SQLite's strftime codes onto each target's formatter, but loses those the target
spells otherwise or lacks: %w (weekday, Sunday 0) and %W (week of the year, weeks from the
first Monday) reach PostgreSQL's to_char as text '%1'; %W reaches MySQL as %u, a week that
counts from the first week with four days (2020-12-31 is 52 in SQLite, 53 there); %s (seconds
since 1970) is an error on DuckDB and the seconds field elsewhere; ClickHouse's %M is the
month's name and %W the weekday's; and modifiers after the value ('+1 day') stay SQLite's.
The rewrite writes the format in pieces: the codes every target shares through sqlglot (or
ClickHouse's own spelling), the others as numbers in the target's calendar functions, on the
value moved by its modifiers as the sqlite_date_modifiers family moves it.
"""

from __future__ import annotations

import re
from typing import ClassVar

from sqlglot import exp

from tools.errors import Unsupported
from tools.semantics.base import DIALECTS, Family, SemanticsContext, template
from tools.semantics.format_codes import pad_text, strftime_pieces
from tools.semantics.sqlite_dates import date_sql
from tools.semantics.week_numbers import week_in_year

#: codes written as numbers: target -> code -> SQL over XV (W: MySQL's week mode 5)
_NUMBERS = {
    "duckdb": {"w": "DAYOFWEEK(XV)",
               "s": "CAST(FLOOR(EPOCH(CAST(XV AS TIMESTAMP))) AS BIGINT)"},
    "postgres": {"w": "CAST(EXTRACT(DOW FROM XV) AS INT)",
                 "s": "CAST(FLOOR(EXTRACT(EPOCH FROM CAST(XV AS TIMESTAMP))) AS BIGINT)"},
    "mysql": {"w": "(DAYOFWEEK(XV) - 1)",
              "s": "TIMESTAMPDIFF(SECOND, CAST('1970-01-01' AS DATETIME), XV)"},
    "clickhouse": {"w": "(toDayOfWeek(XV) % 7)", "s": "toInt64(toUnixTimestamp(toDateTime(XV)))"},
}
_WIDTH = {"W": 2}
#: codes sqlglot carries faithfully (ClickHouse's are respelled by format_codes)
_SHARED = set("YmdHMSj%")


class SqliteStrftime(Family):
    name = "sqlite_strftime"
    why = "SQLite strftime codes (%w, %W, %s) and modifiers on other engines"
    BEHAVIOUR: ClassVar[dict[str, str]] = {d: "other formatters" for d in DIALECTS} | {
        "sqlite": "SQLite strftime"}
    REWRITES: ClassVar[dict[tuple[str, str], str]] = {
        ("SQLite strftime", "other formatters"): "pieces"}
    SOURCES = ("sqlite",)

    def nodes(self, tree: exp.Expr, ctx: SemanticsContext) -> list[exp.Expr]:
        out: list[exp.Expr] = []
        for node in ctx.find(tree, exp.TimeToStr, exp.Anonymous):
            if isinstance(node, exp.Anonymous):
                if str(node.this).upper() == "STRFTIME" and len(node.expressions) > 2:
                    out.append(node)
            elif isinstance(node.args.get("format"), exp.Literal):
                codes = set(re.findall(r"%(.)", node.args["format"].name))
                if ctx.target == "clickhouse" or not codes <= _SHARED:
                    out.append(node)
        return out

    def pieces(self, node: exp.Expr, ctx: SemanticsContext) -> exp.Expr:
        target = ctx.target
        if isinstance(node, exp.Anonymous):
            fmt, argument, *modifiers = node.expressions
            if not all(isinstance(m, exp.Literal) and m.is_string for m in (fmt, *modifiers)):
                raise Unsupported(f"SQLite strftime with a format or modifier that is not a "
                                  f"literal cannot be carried to {target}")
            value = template(date_sql(target, "instant", [m.name for m in modifiers]), target,
                             XD=argument)
            text = fmt.name
        else:
            value, text = node.this, node.args["format"].name
        parts: list[exp.Expr] = []
        for run in re.split(r"(%[wWs])", text):
            code = run[1:] if run.startswith("%") and len(run) == 2 else ""
            if code in ("w", "s", "W"):
                sql = (week_in_year(target, 5, "XV") if code == "W"
                       else _NUMBERS[target][code])
                number: exp.Expr = exp.Cast(this=template(sql, target, XV=value),
                                            to=exp.DataType.build("text"))
                parts.append(pad_text(number, _WIDTH[code], "0", target) if code in _WIDTH
                             else number)
            elif run:
                parts.extend(strftime_pieces(value, run, target))
        joined = parts[0] if len(parts) == 1 else exp.Concat(expressions=parts)
        return exp.Case(ifs=[exp.If(this=exp.Is(this=value.copy(), expression=exp.Null()),
                                    true=exp.Null())], default=joined)
