"""Text that is not a date, read by SQLite's date functions: NULL there, an error elsewhere.

SQLite's date(), datetime(), julianday(), time(), unixepoch() and strftime() read a time
value from text in a few shapes only: 'YYYY-MM-DD', optionally followed (after blanks or a
'T') by 'HH:MM', 'HH:MM:SS' or 'HH:MM:SS.fff'; 'HH:MM[:SS]' alone (on 2000-01-01); trailing
blanks allowed, a leading blank not. Anything else ('ada@example.com', '', '2024-03-05x',
'2024-13-01', '2024-3-5', '25:00') is NULL, silently. DuckDB and PostgreSQL raise a
conversion error that quotes the text; MySQL/MariaDB read more shapes ('2024-03-05x' is
2024-03-05 with a warning); ClickHouse's best-effort parser reads yet others. The rewrite
gives the function the text only when SQLite reads it, NULL otherwise: the clean shapes in a
form every target casts ('HH:MM' on 2000-01-01, trailing blanks dropped), and the shapes
SQLite reads that the rewrite does not spell (a Julian day number, a time-zone suffix,
'now', a negative year) unchanged, to the target's own reading. Not covered: SQLite's day
29-31 of any month ('2024-02-30' is kept as written by date(), an error or NULL elsewhere).

MySQL's own lenient date reading (CAST('2020-13-45' AS DATE) is NULL, '24-3-5' a date) is
mysql_date_text's.
"""

from __future__ import annotations

import re
from typing import ClassVar

from sqlglot import exp

from tools.semantics.base import Family, SemanticsContext, template
from tools.semantics.numeric import is_text

_SQLITE = "SQLite's date shapes, anything else NULL"
_MYSQL = "MySQL's many date shapes, unreadable ones NULL (a warning)"
_STRICT = "their own date shapes, a conversion error or a best-effort parse"

# POSIX classes and [.] only: no backslash, which MySQL's string literals would eat
_BLANK = "[[:space:]]"
_DAY = "[0-9]{4}-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])"
_TIME = "([01][0-9]|2[0-4]):[0-5][0-9](:[0-5][0-9]([.][0-9]+)?)?"
_ZONE = "([-+][0-9]{2}:[0-9]{2}|[zZ])"
#: shapes the rewrite hands over in a form every target reads
_DATE_TIME = f"^{_DAY}((T|{_BLANK})+{_TIME})?{_BLANK}*$"
_TIME_ONLY = f"^{_TIME}{_BLANK}*$"
#: other shapes SQLite reads: left to the target's own reading
_OTHER = (f"^(-?{_DAY}(T|{_BLANK})*{_TIME}{_BLANK}*{_ZONE}|{_TIME}{_BLANK}*{_ZONE}"
          f"|-?{_DAY}(T|{_BLANK})*({_TIME})?){_BLANK}*$"
          f"|^{_BLANK}*[+]?([0-9]+[.]?[0-9]*|[.][0-9]+)([eE][-+]?[0-9]+)?{_BLANK}*$"
          "|^[nN][oO][wW]$")
_CLICKHOUSE_FULL = ("formatDateTime(parseDateTime64BestEffortOrNull(X, 3), "
                    "'%Y-%m-%d %H:%i:%S.%f')")
#: SQLite functions whose time value is this argument (strftime's format comes first)
_ARGUMENT = {"DATE": 0, "DATETIME": 0, "JULIANDAY": 0, "TIME": 0, "UNIXEPOCH": 0,
             "STRFTIME": 1}


def _matches(target: str, value: exp.Expr, pattern: str) -> exp.Expr:
    if target == "mysql":  # MariaDB has no REGEXP_LIKE
        return exp.GT(this=exp.Anonymous(this="REGEXP_INSTR", expressions=[
            value.copy(), exp.Literal.string(pattern)]), expression=exp.Literal.number(0))
    return exp.RegexpLike(this=value.copy(), expression=exp.Literal.string(pattern))


_PLAIN_DATE = re.compile(r"[0-9]{4}-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])")


class SqliteDateText(Family):
    name = "sqlite_date_text"
    why = ("Text that is not a date read by SQLite's date(), datetime(), julianday(), "
           "time(), unixepoch(), strftime()")
    BEHAVIOUR: ClassVar[dict[str, str]] = {
        "sqlite": _SQLITE, "mysql": _MYSQL,
        "duckdb": _STRICT, "postgres": _STRICT, "clickhouse": _STRICT,
    }
    REWRITES: ClassVar[dict[tuple[str, str], str]] = {
        (_SQLITE, _STRICT): "sqlite_shapes_or_null", (_SQLITE, _MYSQL): "sqlite_shapes_or_null",
    }
    SOURCES = ("sqlite",)

    def nodes(self, tree: exp.Expr, ctx: SemanticsContext) -> list[exp.Expr]:
        found: list[exp.Expr] = []
        for node in ctx.find(tree, exp.Date, exp.TsOrDsToTimestamp, exp.Anonymous):
            if isinstance(node, exp.Anonymous):
                position = _ARGUMENT.get(str(node.this).upper())
                arguments = node.expressions
                argument = arguments[position] if position is not None and \
                    len(arguments) > position else None
            else:
                argument = node.this
            if argument is not None and is_text(tree, argument, ctx):
                found.append(argument)
        return found

    def sqlite_shapes_or_null(self, node: exp.Expr, ctx: SemanticsContext) -> exp.Expr:
        if isinstance(node, exp.Literal) and _PLAIN_DATE.fullmatch(node.name):
            # the CASE's first branch, decided now: a plain 'YYYY-MM-DD' literal (TPC-H's
            # date '1994-01-01' from SQLite) reads the same everywhere, and stays legible
            return node
        target = ctx.target
        trimmed = template("RTRIM(X)", target, X=node)
        on_2000 = template("CONCAT('2000-01-01 ', RTRIM(X))", target, X=node)
        if target == "clickhouse":
            # its DATE() reads no 'HH:MM' without seconds: hand over the full spelling
            trimmed, on_2000 = (template(_CLICKHOUSE_FULL, target, X=text)
                                for text in (trimmed, on_2000))
        return exp.Case(ifs=[
            exp.If(this=_matches(target, node, _DATE_TIME), true=trimmed),
            exp.If(this=_matches(target, node, _TIME_ONLY), true=on_2000),
            exp.If(this=_matches(target, node, _OTHER), true=node.copy()),
        ], default=exp.Null())
