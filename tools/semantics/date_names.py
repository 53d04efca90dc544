"""Month and weekday names: MONTHNAME() / DAYNAME() (MySQL, DuckDB sources), and MySQL's
DATE_FORMAT with name codes (%M, %W, %b, %a) towards SQLite.

    MySQL, DuckDB  MONTHNAME(d) 'January', DAYNAME(d) 'Monday' (English; NULL for NULL)
    PostgreSQL     to_char(d, 'FMMonth') / 'FMDay'; sqlglot writes MONTHNAME as 'TMMonth'
                   (the server's lc_time language) and DAYNAME as a call PostgreSQL lacks
    ClickHouse     monthName(d), dateName('weekday', d); DAYNAME is no function there
    SQLite         strftime (3.40) has no names: a CASE over strftime('%m') / ('%w') is
                   exact (tools/semantics/format_codes.py's name pieces, NULL kept NULL);
                   sqlglot writes STRFTIME('%B', d), which SQLite prints as NULL... or as
                   the letters, depending on the build, never the name
A DATE_FORMAT on SQLite whose format holds codes other than the ones strftime_pieces writes
keeps sqlglot's translation (MySQL's %D, %U, %X ... are other families' business).
"""

from __future__ import annotations

import re
from typing import ClassVar

from sqlglot import exp

from tools.semantics.base import Family, SemanticsContext, template
from tools.semantics.format_codes import strftime_pieces

_ENGLISH = "MONTHNAME()/DAYNAME() in English"
#: the strftime codes of the names, and every code strftime_pieces writes on SQLite
_NAME_CODES = {"%A", "%B", "%a", "%b"}
_SQLITE_WRITTEN = re.compile(r"%(?:-?[dmHMSI]|[ABabpyYj%])")
#: target -> (month name, weekday name) over the date D
_SPELLING = {
    "postgres": ("TO_CHAR(D, 'FMMonth')", "TO_CHAR(D, 'FMDay')"),
    "clickhouse": ("monthName(D)", "dateName('weekday', D)"),
}


def _code(node: exp.Expr) -> str | None:
    """The name code of a MONTHNAME/DAYNAME (%B/%A), or a DATE_FORMAT's whole format."""
    if isinstance(node, exp.Monthname):
        return "%B"
    if isinstance(node, exp.Dayname):
        return "%A"
    fmt = node.args.get("format")
    return fmt.name if isinstance(fmt, exp.Literal) and fmt.is_string else None


class DateNames(Family):
    name = "date_names"
    why = "month and weekday names (MONTHNAME, DAYNAME, DATE_FORMAT %M/%W)"
    BEHAVIOUR: ClassVar[dict[str, str]] = {
        "mysql": _ENGLISH, "duckdb": _ENGLISH, "postgres": "to_char FMMonth/FMDay",
        "clickhouse": "monthName()/dateName()", "sqlite": "no names in strftime"}
    SOURCES = ("mysql", "duckdb")
    REWRITES: ClassVar[dict[tuple[str, str], str]] = {
        (_ENGLISH, "to_char FMMonth/FMDay"): "respell",
        (_ENGLISH, "monthName()/dateName()"): "respell",
        (_ENGLISH, "no names in strftime"): "sqlite_case",
    }

    def nodes(self, tree: exp.Expr, ctx: SemanticsContext) -> list[exp.Expr]:
        found: list[exp.Expr] = list(ctx.find(tree, exp.Monthname, exp.Dayname))
        if ctx.source == "mysql" and ctx.target != "clickhouse":  # clickhouse_format's there
            found += [n for n in ctx.find(tree, exp.TimeToStr) if self._dated_names(n, ctx)]
        return found

    @staticmethod
    def _dated_names(node: exp.Expr, ctx: SemanticsContext) -> bool:
        """A MySQL MONTHNAME/DATE_FORMAT (TimeToStr) this family writes on the target: the
        bare name towards PostgreSQL, any format of names and codes SQLite can print."""
        fmt = _code(node)
        if fmt is None:
            return False
        if ctx.target == "postgres":
            return fmt in ("%A", "%B")
        return ctx.target == "sqlite" and any(c in fmt for c in _NAME_CODES) \
            and "%" not in _SQLITE_WRITTEN.sub("", fmt)

    def respell(self, node: exp.Expr, ctx: SemanticsContext) -> exp.Expr:
        month, day = _SPELLING[ctx.target]
        return template(month if _code(node) == "%B" else day, ctx.target, D=node.this)

    def sqlite_case(self, node: exp.Expr, ctx: SemanticsContext) -> exp.Expr:
        value = node.this
        parts = strftime_pieces(value, _code(node) or "", "sqlite")
        joined = parts[0] if len(parts) == 1 else exp.Concat(expressions=parts)
        # the name pieces' CASE ends in ELSE: a NULL date must not print 'December'
        return exp.Case(ifs=[exp.If(this=exp.Is(this=value.copy(), expression=exp.Null()),
                                    true=exp.Null())], default=joined)
