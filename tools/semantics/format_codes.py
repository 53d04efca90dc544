"""to_char format codes (PostgreSQL source).

sqlglot maps PostgreSQL's template patterns onto strftime codes while parsing, and loses what
has no strftime code: 'Day' becomes '%uay' (a weekday number and the letters 'ay'), 'Month'
stays the literal word, 'Day' and 'Month' are blank-padded to 9 characters in PostgreSQL
('Monday   ', 'March    ') and unpadded after FM, and 'WW' counts weeks from January 1st
(days 1-7 are week 1), which no strftime code does; Q (quarter), D and ID (weekday numbers),
J (Julian day), W (week of the month), CC (century), SSSS (seconds past midnight), MS and US
(fractions of the second) have no strftime code either, and sqlglot copies them as letters.
The parser keeps the template as written (tools.sql reads PostgreSQL's TO_CHAR into
node.meta), and this family writes it again as the target's format calls, padding and week
arithmetic. On SQLite (3.40's strftime has no
names, 12-hour clock, two-digit year or unpadded numbers, and no LPAD/RPAD) those pieces are
CASE expressions and SUBSTRs; on ClickHouse the strftime codes are respelled for
formatDateTime, where %M is the month's name. Templates with patterns it does not know keep
sqlglot's translation.
"""

from __future__ import annotations

import re
from typing import ClassVar

from sqlglot import exp
from sqlglot.dialects.postgres import Postgres
from sqlglot.helper import seq_get

from tools.semantics.base import DIALECTS, Family, SemanticsContext, template
from tools.semantics.week_numbers import SQLITE_ISO_WEEK, SQLITE_ISO_YEAR

META = "pg_to_char_template"
_PG = "PostgreSQL template patterns"
_STRFTIME = "strftime-style codes"

# pattern -> strftime code (sqlglot's canonical spelling, which it writes per target)
_CODES = {"YYYY": "%Y", "YY": "%y", "MM": "%m", "DD": "%d", "DDD": "%j", "HH24": "%H",
          "HH12": "%I",
          "HH": "%I", "MI": "%M", "SS": "%S", "AM": "%p", "PM": "%p", "Mon": "%b", "Dy": "%a",
          "FMDay": "%A", "FMMonth": "%B", "FMDD": "%-d", "FMMM": "%-m", "FMHH24": "%-H",
          "FMHH12": "%-I", "FMHH": "%-I", "FMMI": "%-M", "FMSS": "%-S"}
# pattern -> (strftime code of the name, case): blank-padded to 9 like PostgreSQL
_NAMES = {"Day": ("%A", None), "DAY": ("%A", "upper"), "day": ("%A", "lower"),
          "Month": ("%B", None), "MONTH": ("%B", "upper"), "month": ("%B", "lower")}
# number patterns with no strftime code every target has: target -> pattern -> an integer
# expression over the value XV, and the zero-padded width PostgreSQL prints (0: unpadded)
_NUMBERS = {
    "duckdb": {"Q": "QUARTER(XV)", "D": "(DAYOFWEEK(XV) + 1)", "ID": "ISODOW(XV)",
               "J": "(DATE_DIFF('day', DATE '1970-01-01', CAST(XV AS DATE)) + 2440588)",
               "W": "((DAY(XV) - 1) // 7 + 1)", "CC": "((YEAR(XV) + 99) // 100)",
               "SSSS": "(HOUR(XV) * 3600 + MINUTE(XV) * 60 + SECOND(XV))",
               "MS": "(MICROSECOND(XV) % 1000000 // 1000)", "US": "(MICROSECOND(XV) % 1000000)",
               "IW": "WEEK(XV)", "IYYY": "ISOYEAR(XV)", "WW": "((DAYOFYEAR(XV) - 1) // 7 + 1)"},
    "mysql": {"Q": "QUARTER(XV)", "D": "DAYOFWEEK(XV)", "ID": "(WEEKDAY(XV) + 1)",
              "J": "(TO_DAYS(XV) + 1721060)", "W": "((DAYOFMONTH(XV) - 1) DIV 7 + 1)",
              "CC": "((YEAR(XV) + 99) DIV 100)",
              "SSSS": "(HOUR(XV) * 3600 + MINUTE(XV) * 60 + SECOND(XV))",
              "MS": "(MICROSECOND(XV) DIV 1000)", "US": "MICROSECOND(XV)",
              "IW": "WEEK(XV, 3)", "IYYY": "(YEARWEEK(XV, 3) DIV 100)",
              "WW": "((DAYOFYEAR(XV) - 1) DIV 7 + 1)"},
    "sqlite": {"Q": "((CAST(STRFTIME('%m', XV) AS INTEGER) + 2) / 3)",
               "D": "(CAST(STRFTIME('%w', XV) AS INTEGER) + 1)",
               "ID": "((CAST(STRFTIME('%w', XV) AS INTEGER) + 6) % 7 + 1)",
               "J": "CAST(JULIANDAY(DATE(XV)) + 0.5 AS INTEGER)",
               "W": "((CAST(STRFTIME('%d', XV) AS INTEGER) - 1) / 7 + 1)",
               "CC": "((CAST(STRFTIME('%Y', XV) AS INTEGER) + 99) / 100)",
               "SSSS": "CAST(STRFTIME('%s', XV) AS INTEGER) % 86400",
               "MS": "CAST(SUBSTR(STRFTIME('%f', XV), 4) AS INTEGER)",
               "US": "(CAST(SUBSTR(STRFTIME('%f', XV), 4) AS INTEGER) * 1000)",
               "IW": SQLITE_ISO_WEEK.replace("@", "XV"),
               "IYYY": SQLITE_ISO_YEAR.replace("@", "XV"),
               "WW": "((CAST(STRFTIME('%j', XV) AS INTEGER) - 1) / 7 + 1)",
               # no day or month names, no 12-hour clock in SQLite's strftime
               "Day": "CASE CAST(STRFTIME('%w', XV) AS INTEGER) WHEN 0 THEN 'Sunday' "
                      "WHEN 1 THEN 'Monday' WHEN 2 THEN 'Tuesday' WHEN 3 THEN 'Wednesday' "
                      "WHEN 4 THEN 'Thursday' WHEN 5 THEN 'Friday' ELSE 'Saturday' END",
               "Month": "CASE CAST(STRFTIME('%m', XV) AS INTEGER) WHEN 1 THEN 'January' "
                        "WHEN 2 THEN 'February' WHEN 3 THEN 'March' WHEN 4 THEN 'April' "
                        "WHEN 5 THEN 'May' WHEN 6 THEN 'June' WHEN 7 THEN 'July' "
                        "WHEN 8 THEN 'August' WHEN 9 THEN 'September' WHEN 10 THEN 'October' "
                        "WHEN 11 THEN 'November' ELSE 'December' END",
               "HH12": "((CAST(STRFTIME('%H', XV) AS INTEGER) + 11) % 12 + 1)",
               "AM": "CASE WHEN CAST(STRFTIME('%H', XV) AS INTEGER) < 12 THEN 'AM' ELSE 'PM' END"},
    "clickhouse": {"Q": "toQuarter(XV)", "D": "(toDayOfWeek(XV) % 7 + 1)", "ID": "toDayOfWeek(XV)",
                   "J": "(toInt64(toDate(XV)) + 2440588)",
                   "W": "(intDiv(toDayOfMonth(XV) - 1, 7) + 1)",
                   "CC": "intDiv(toYear(XV) + 99, 100)",
                   "SSSS": "(toHour(XV) * 3600 + toMinute(XV) * 60 + toSecond(XV))",
                   "MS": "toInt64(toUnixTimestamp64Milli(toDateTime64(XV, 3)) % 1000)",
                   "US": "toInt64(toUnixTimestamp64Micro(toDateTime64(XV, 6)) % 1000000)",
                   "IW": "toISOWeek(XV)", "IYYY": "toISOYear(XV)",
                   "WW": "(intDiv(toDayOfYear(XV) - 1, 7) + 1)"},
}
_WIDTH = {"CC": 2, "MS": 3, "US": 6, "IW": 2, "IYYY": 4, "WW": 2}
_TOKEN = re.compile(r'"[^"]*"|FMDay|FMMonth|FMDD|FMMM|FMHH24|FMHH12|FMHH|FMMI|FMSS|HH24|HH12|'
                    r'YYYY|IYYY|SSSS|MONTH|Month|month|DAY|Day|day|Mon|Dy|WW|YY|MM|DDD|DD|HH|MI|SS|MS|US|AM|PM|IW|ID|CC|[QDJW]|'
                    r'[A-Za-z]|.', re.S)


def _pieces(pattern: str) -> list[tuple[str, str]] | None:
    """('fmt', strftime text) / ('name', pattern) / ('number', pattern) pieces; None if a
    pattern is not known."""
    out: list[tuple[str, str]] = []
    for token in _TOKEN.findall(pattern):
        if token.startswith('"'):
            text = token[1:-1].replace("%", "%%")
        elif token in _CODES:
            text = _CODES[token]
        elif token in _NAMES:
            out.append(("name", token))
            continue
        elif token in _NUMBERS["duckdb"]:
            out.append(("number", token))
            continue
        elif token.isalpha():
            return None  # a pattern this family does not know
        else:
            text = token.replace("%", "%%")
        if out and out[-1][0] == "fmt":
            out[-1] = ("fmt", out[-1][1] + text)
        else:
            out.append(("fmt", text))
    return out


class FormatCodes(Family):
    name = "format_codes"
    why = "to_char template patterns (Day/Month padding, WW, Q, D, J, IW, MS, 12-hour clock)"
    BEHAVIOUR: ClassVar[dict[str, str]] = {d: _STRFTIME for d in DIALECTS} | {"postgres": _PG}
    REWRITES: ClassVar[dict[tuple[str, str], str]] = {(_PG, _STRFTIME): "rewrite_template",
                                                      (_STRFTIME, _PG): "same"}
    OVERRIDES: ClassVar[dict[tuple[str, str], str]] = {
    } | {(s, t): "same" for s in DIALECTS for t in DIALECTS if s != "postgres" and s != t}
    SOURCES = ("postgres",)

    def nodes(self, tree: exp.Expr, ctx: SemanticsContext) -> list[exp.Expr]:
        return [n for n in ctx.find(tree, exp.TimeToStr) if META in n.meta]

    def applies(self, node: exp.Expr, tree: exp.Expr, ctx: SemanticsContext) -> bool:
        from tools.semantics.pg_number_text import NumberText  # it imports META from here

        if NumberText().applies(node, tree, ctx):
            return False  # a number's template (tools/semantics/pg_number_text.py)
        pieces = _pieces(node.meta[META])
        return pieces is not None

    def rewrite_template(self, node: exp.Expr, ctx: SemanticsContext) -> exp.Expr:
        value, target = node.this, ctx.target
        parts: list[exp.Expr] = []
        for kind, text in _pieces(node.meta[META]) or []:
            if kind == "fmt":
                parts.extend(strftime_pieces(value, text, target))
            elif kind == "number":
                digits: exp.Expr = exp.Cast(this=template(_NUMBERS[target][text], target, XV=value),
                                            to=exp.DataType.build("text"))
                parts.append(pad_text(digits, _WIDTH[text], "0", target) if text in _WIDTH
                             else digits)
            else:
                code, case = _NAMES[text]
                (name,) = strftime_pieces(value, code, target)
                padded = pad_text(name, 9, " ", target, left=False)  # PostgreSQL's name width
                parts.append(exp.Upper(this=padded) if case == "upper" else
                             exp.Lower(this=padded) if case == "lower" else padded)
        joined = parts[0] if len(parts) == 1 else exp.Concat(expressions=parts)
        return exp.Case(ifs=[exp.If(this=exp.Is(this=value.copy(), expression=exp.Null()),
                                    true=exp.Null())], default=joined)


#: strftime codes -> ClickHouse formatDateTime's (%M is the month's name there, %i minutes)
_CLICKHOUSE_CODES = {"M": "i", "A": "W", "B": "M"}
#: unpadded numbers (PostgreSQL's FM prefix), which formatDateTime does not write
_CLICKHOUSE_UNPADDED = {"%-d": "toDayOfMonth(XV)", "%-m": "toMonth(XV)", "%-H": "toHour(XV)",
                        "%-I": "((toHour(XV) + 11) % 12 + 1)", "%-M": "toMinute(XV)",
                        "%-S": "toSecond(XV)"}
#: strftime codes SQLite's strftime (3.40) lacks -> (SQL over XV, zero-padded width)
_SQLITE_CODES = {"A": ("Day", 0), "B": ("Month", 0), "a": ("SUBSTR(Day, 1, 3)", 0),
                 "b": ("SUBSTR(Month, 1, 3)", 0), "I": ("HH12", 2), "-I": ("HH12", 0),
                 "p": ("AM", 0), "y": ("CAST(STRFTIME('%Y', XV) AS INTEGER) % 100", 2)} | {
    f"-{code}": (f"CAST(STRFTIME('%{code}', XV) AS INTEGER)", 0) for code in "dmHMS"}


def _clickhouse_code(code: re.Match[str]) -> str:
    """One strftime %-code in ClickHouse's formatDateTime spelling (the same where unlisted)."""
    return "%" + _CLICKHOUSE_CODES.get(code.group(1), code.group(1))


def strftime_pieces(value: exp.Expr, text: str, target: str) -> list[exp.Expr]:
    """`value` formatted by the strftime text `text`, in pieces the target can write."""
    out: list[exp.Expr] = []
    if target == "clickhouse":
        for run in re.split(r"(%-[dmHIMS])", text):
            if run in _CLICKHOUSE_UNPADDED:
                out.append(exp.Cast(this=template(_CLICKHOUSE_UNPADDED[run], target, XV=value),
                                    to=exp.DataType.build("text")))
            elif run:
                spelled = re.sub(r"%(.)", _clickhouse_code, run)
                out.append(exp.Anonymous(this="formatDateTime",
                                         expressions=[value.copy(), exp.Literal.string(spelled)]))
        return out
    if target != "sqlite":
        return [exp.TimeToStr(this=value.copy(), format=exp.Literal.string(text))]
    for run in re.split(r"(%-?[ABabIpydmHMS])", text):
        if run[1:] in _SQLITE_CODES and run.startswith("%"):
            sql, width = _SQLITE_CODES[run[1:]]
            for name in ("Day", "Month", "HH12", "AM"):
                sql = re.sub(rf"\b{name}\b", f"({_NUMBERS['sqlite'][name]})", sql)
            piece: exp.Expr = template(sql, "sqlite", XV=value)
            out.append(pad_text(exp.Cast(this=piece, to=exp.DataType.build("text")), width, "0",
                            target) if width else piece)
        elif run:
            out.append(exp.TimeToStr(this=value.copy(), format=exp.Literal.string(run)))
    return out


def pad_text(text: exp.Expr, width: int, fill: str, target: str, left: bool = True) -> exp.Expr:
    """`text` padded to `width` with `fill` (SQLite has no LPAD/RPAD: a SUBSTR of it)."""
    if target == "sqlite":
        filler = fill * width
        sql = (f"SUBSTR('{filler}' || XP, -{width})" if left
               else f"SUBSTR(XP || '{filler}', 1, {width})")
        return template(sql, "sqlite", XP=text)
    return exp.Pad(this=text, expression=exp.Literal.number(width),
                   fill_pattern=exp.Literal.string(fill), is_left=left)


def _keeping_template(builder):
    def build(args: list, dialect=None):
        node = builder(args, dialect or Postgres())
        template = args[1] if len(args) > 1 else None
        if isinstance(node, exp.TimeToStr) and isinstance(template, exp.Literal):
            node.meta[META] = template.name
        return node
    return build


class PostgresKeepingTemplates(Postgres):
    """PostgreSQL, except that TO_CHAR remembers its template as written (node.meta)."""

    class Parser(Postgres.Parser):  # type: ignore[valid-type,misc]  # sqlglot makes it at runtime
        FUNCTIONS = {**Postgres.Parser.FUNCTIONS,
                     "TO_CHAR": _keeping_template(Postgres.Parser.FUNCTIONS["TO_CHAR"]),
                     # every() is bool_and() (read as such, the other families see an
                     # aggregate: tools/semantics/pg_every.py)
                     "EVERY": lambda args: exp.LogicalAnd(this=seq_get(args, 0))}
