"""to_char format codes (PostgreSQL source).

sqlglot maps PostgreSQL's template patterns onto strftime codes while parsing, and loses what
has no strftime code: 'Day' becomes '%uay' (a weekday number and the letters 'ay'), 'Month'
stays the literal word, 'Day' and 'Month' are blank-padded to 9 characters in PostgreSQL
('Monday   ', 'March    ') and unpadded after FM, and 'WW' counts weeks from January 1st
(days 1-7 are week 1), which no strftime code does. The parser keeps the template as written
(tools.sql reads PostgreSQL's TO_CHAR into node.meta), and this family writes it again as
the target's format calls, padding and week arithmetic. Templates with patterns it does not
know keep sqlglot's translation.
"""

from __future__ import annotations

import re
from typing import ClassVar

from sqlglot import exp
from sqlglot.dialects.postgres import Postgres

from tools.semantics.base import DIALECTS, OPEN, Family, SemanticsContext

META = "pg_to_char_template"
_PG = "PostgreSQL template patterns"
_STRFTIME = "strftime-style codes"

# pattern -> strftime code (sqlglot's canonical spelling, which it writes per target)
_CODES = {"YYYY": "%Y", "YY": "%y", "MM": "%m", "DD": "%d", "HH24": "%H", "HH12": "%I",
          "HH": "%I", "MI": "%M", "SS": "%S", "AM": "%p", "PM": "%p", "Mon": "%b", "Dy": "%a",
          "FMDay": "%A", "FMMonth": "%B"}
# pattern -> (strftime code of the name, case): blank-padded to 9 like PostgreSQL
_NAMES = {"Day": ("%A", None), "DAY": ("%A", "upper"), "day": ("%A", "lower"),
          "Month": ("%B", None), "MONTH": ("%B", "upper"), "month": ("%B", "lower")}
_TOKEN = re.compile(r'"[^"]*"|FMDay|FMMonth|HH24|HH12|YYYY|MONTH|Month|month|DAY|Day|day|'
                    r'Mon|Dy|WW|YY|MM|DD|HH|MI|SS|AM|PM|[A-Za-z]|.', re.S)


def _pieces(template: str) -> list[tuple[str, str]] | None:
    """('fmt', strftime text) / ('name', pattern) / ('ww', '') pieces; None if unknown."""
    out: list[tuple[str, str]] = []
    for token in _TOKEN.findall(template):
        if token.startswith('"'):
            text = token[1:-1].replace("%", "%%")
        elif token in _CODES:
            text = _CODES[token]
        elif token in _NAMES or token == "WW":
            out.append(("name" if token != "WW" else "ww", token))
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
    why = "to_char template patterns (Day/Month padding, WW, 12-hour clock)"
    BEHAVIOUR: ClassVar[dict[str, str]] = {d: _STRFTIME for d in DIALECTS} | {"postgres": _PG}
    REWRITES: ClassVar[dict[tuple[str, str], str]] = {(_PG, _STRFTIME): "rewrite_template",
                                                      (_STRFTIME, _PG): "same"}
    OVERRIDES: ClassVar[dict[tuple[str, str], str]] = {
        ("postgres", "sqlite"): OPEN + "SQLite's strftime has no names, 12-hour clock or rpad",
        ("postgres", "clickhouse"): OPEN + "ClickHouse's formatDateTime codes are not mapped",
    } | {(s, t): "same" for s in DIALECTS for t in DIALECTS if s != "postgres" and s != t}
    SOURCES = ("postgres",)

    def nodes(self, tree: exp.Expr, ctx: SemanticsContext) -> list[exp.Expr]:
        return [n for n in ctx.find(tree, exp.TimeToStr) if META in n.meta]

    def applies(self, node: exp.Expr, tree: exp.Expr, ctx: SemanticsContext) -> bool:
        return _pieces(node.meta[META]) is not None

    def rewrite_template(self, node: exp.Expr, ctx: SemanticsContext) -> exp.Expr:
        value = node.this
        parts: list[exp.Expr] = []
        for kind, text in _pieces(node.meta[META]) or []:
            if kind == "fmt":
                parts.append(exp.TimeToStr(this=value.copy(), format=exp.Literal.string(text)))
            elif kind == "name":
                code, case = _NAMES[text]
                name: exp.Expr = exp.Pad(
                    this=exp.TimeToStr(this=value.copy(), format=exp.Literal.string(code)),
                    expression=exp.Literal.number(9), fill_pattern=exp.Literal.string(" "),
                    is_left=False)
                parts.append(exp.Upper(this=name) if case == "upper" else
                             exp.Lower(this=name) if case == "lower" else name)
            else:
                # WW: week 1 is January 1st-7th
                day = exp.paren(exp.Sub(this=exp.DayOfYear(this=value.copy()),
                                        expression=exp.Literal.number(1)), copy=False)
                week = exp.Add(this=exp.IntDiv(this=day, expression=exp.Literal.number(7)),
                               expression=exp.Literal.number(1))
                parts.append(exp.Pad(this=exp.Cast(this=week, to=exp.DataType.build("text")),
                                     expression=exp.Literal.number(2),
                                     fill_pattern=exp.Literal.string("0"), is_left=True))
        joined = parts[0] if len(parts) == 1 else exp.Concat(expressions=parts)
        return exp.Case(ifs=[exp.If(this=exp.Is(this=value.copy(), expression=exp.Null()),
                                    true=exp.Null())], default=joined)


def _keeping_template(builder):  # type: ignore[no-untyped-def]
    def build(args: list, dialect=None):  # type: ignore[no-untyped-def]
        node = builder(args, dialect or Postgres())
        template = args[1] if len(args) > 1 else None
        if isinstance(node, exp.TimeToStr) and isinstance(template, exp.Literal):
            node.meta[META] = template.name
        return node
    return build


class PostgresKeepingTemplates(Postgres):
    """PostgreSQL, except that TO_CHAR remembers its template as written (node.meta)."""

    class Parser(Postgres.Parser):
        FUNCTIONS = {**Postgres.Parser.FUNCTIONS,
                     "TO_CHAR": _keeping_template(Postgres.Parser.FUNCTIONS["TO_CHAR"])}
