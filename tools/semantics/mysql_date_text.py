"""Text read as a date by MySQL/MariaDB: CAST(s AS DATE), CAST(s AS DATETIME), DATE(s) and
STR_TO_DATE(s, format), and by its date functions called on text (WEEKDAY(s), DATEDIFF(s, t),
DATE_FORMAT(s, fmt), ...: tools/semantics/mysql_date_implicit.py says which).

MariaDB reads many shapes (sql-common/my_time.c, measured on 10.11): leading blanks and a '+'
are skipped, a '-' makes it NULL, and trailing garbage that is neither a digit nor punctuation
is dropped with a warning. What is left is either all digits, read at fixed widths (6 or 12
digits: YYMMDD[hhmmss], 8 or 14: YYYYMMDD[hhmmss], a '.fraction' after 12 or more; 5, 7,
9-11 and 13 digits are cut the same way: '24035' is 2024-03-05), or fields
of digits each ended by ONE punctuation character ('2024/3/5', '24.3.5'; '2024--03--05' and
'2024 -03-05' are NULL), the time after a 'T', one punctuation character or blanks
('2024-03-05T10:20', '2024-03-05.5' is 05:00), where reading stops quietly at the first
character that does not fit ('2024-03-05x', '2024-03-05 T10' are the date). A two-digit year
is 19xx from 70, 20xx below; a 1- or 3-digit year is taken as written ('024-1-1' is year 24).
Month over 12, day over 31, hour over 23, minute or second over 59, a day past the month's
end ('2023-02-29', '2024-04-31'), an empty or blank text, one with no digit first, or fewer
than three date fields ('2024', '2024-03') are NULL. STR_TO_DATE reads by its format instead
(tools/semantics/mysql_date_formats.py). DuckDB and PostgreSQL raise a conversion error
quoting the value instead (the whole object fails), ClickHouse parses best-effort.

The rewrite states that reading on the target with its regular expressions: the fields are
extracted once per row, checked as MariaDB checks them, and the date built from numbers
(tools/semantics/mysql_date_fields.py; a DATETIME's fraction is dropped, as MariaDB truncates
it to whole seconds). Left out of the CAST/DATE shapes, each reaching the target's own cast (a
conversion error that quotes the value, never a silent wrong date): a 'T' inside a digit
run ('20240305T101112'), a first field of 12 or more digits followed by a '.' and more. A
STR_TO_DATE format holding other elements than the stated ones stays as sqlglot writes it.
What MariaDB reads as a date no target can hold becomes NULL: its zero dates ('0000-00-00',
'2024-00-05', '2024-03-00', STR_TO_DATE('05/03', '%d/%m/%Y')), year 0, STR_TO_DATE's invalid
days ('2024-02-30' is kept there), and on ClickHouse a DATETIME outside
DateTime64's years 1900-2299. pymysql cannot read such values as dates, so the source column
comes back as text and the data differ reports those rows: the object is a mismatch, never
parity. A field of 10 or more significant digits (MySQL wraps it modulo 2^32) is read as out
of range; a sign inside a STR_TO_DATE field ('2024-+3-05') is not read. CAST(s AS
DATETIME(n)), which keeps a fraction, is not rewritten. SQLite, which has no regular
expressions, reads the same shapes by a scan of the text (tools/semantics/mysql_date_sqlite.py)
into ISO text; the shapes left out fail there with a JSON path error (SQLite's date() never
fails), and the same dates become NULL.
"""

from __future__ import annotations

import datetime
import re
from typing import ClassVar

from sqlglot import exp

from tools.semantics import mysql_date_sqlite
from tools.semantics.base import Family, SemanticsContext, template
from tools.semantics.date_builders import is_to_days
from tools.semantics.mysql_date_fields import NAMES, matches, read
from tools.semantics.mysql_date_formats import format_pattern, stated_tokens
from tools.semantics.mysql_date_implicit import (
    IMPLICIT_DATE,
    implicit_arguments,
    keeps_no_fraction,
)
from tools.semantics.numeric import is_text

_MYSQL = "MySQL's lenient date shapes, unreadable ones NULL"
_SQLITE = "SQLite's DATE(): its own few shapes"
_STRICT = "their own date shapes, a conversion error or a best-effort parse"

# POSIX classes only: ClickHouse's string literals would eat a backslash; the six fields
# are the only capturing groups (DuckDB counts at most nine)
_LEAD = "^[[:space:]]*[+]?[[:space:]]*"
_FIELD = "([0-9]+)"
_P = "[[:punct:]]"
#: year P month P day, then optionally (T | P | blanks) hour [P minute [P second [.fraction]]]
_DELIMITED = (f"{_LEAD}{_FIELD}{_P}{_FIELD}{_P}{_FIELD}"
              f"(?:(?:T|{_P}|[[:space:]]+){_FIELD}(?:{_P}{_FIELD}(?:{_P}{_FIELD})?)?)?")
#: all digits: MariaDB slices them at fixed widths, the year 4 digits wide when there are 8
#: or 14 and more, else 2; a '.fraction' only after 12 or more; then a 'T' and garbage
#: without digits or punctuation, which it drops
_DROPPED = "T?(?:[^0-9[:punct:]T][^0-9[:punct:]]*)?$"
_COMPACT = (
    # 8, or 14 and more digits: YYYYMMDD[hhmmss...]
    f"{_LEAD}([0-9]{{4}})([0-9]{{2}})([0-9]{{2}})"
    f"(?:([0-9]{{2}})([0-9]{{2}})([0-9]{{2}})[0-9]*(?:[.][0-9]*)?)?{_DROPPED}",
    # 12 or 13 digits: YYMMDDhhmmss, a fraction allowed
    f"{_LEAD}([0-9]{{2}})([0-9]{{2}})([0-9]{{2}})([0-9]{{2}})([0-9]{{2}})([0-9]{{2}})[0-9]?"
    f"(?:[.][0-9]*)?{_DROPPED}",
    # 5 to 11 digits: YYMMD, YYMMDD[h[h[m[m[s]]]]]
    f"{_LEAD}([0-9]{{2}})([0-9]{{2}})([0-9]{{1,2}})([0-9]{{0,2}})([0-9]{{0,2}})([0-9]?)"
    f"{_DROPPED}",
)
#: NULL whatever the digits: no digit first (or a '-'), at most 4 digits and garbage, fewer
#: than three delimited fields, a first field not ended by punctuation
_NULL = ("^[[:space:]]*(?:-.*|[+]?[[:space:]]*(?:[^0-9].*)?)$"
         f"|{_LEAD}[0-9]{{1,4}}[^0-9[:punct:]]*$"
         f"|{_LEAD}[0-9]{{1,11}}{_P}(?:[^0-9].*|[0-9]+(?:[^0-9[:punct:]].*|{_P}(?:[^0-9].*)?)?)?$"
         f"|{_LEAD}[0-9]{{1,11}}[^0-9[:punct:]T].*[0-9[:punct:]].*$")
#: both shapes capture year, month, day, hour, minute, second in that order
_GROUPS = {name: k for k, name in enumerate(NAMES, 1)}

#: a literal every engine reads alike: left as written
_PLAIN_LITERAL = re.compile(r"\d{4}-\d{2}-\d{2}( \d{2}:\d{2}:\d{2})?")


def _stated_format(node: exp.Expr) -> tuple[str, dict[str, int], str] | None:
    """STR_TO_DATE's format as a pattern, when it is a literal mysql_date_formats states."""
    if not isinstance(node, (exp.StrToDate, exp.StrToTime)):
        return None
    fmt = node.args.get("format")
    if not (isinstance(fmt, exp.Literal) and fmt.is_string):
        return None
    return format_pattern(fmt.name)


def _plain_literal(node: exp.Expr) -> bool:
    if not (isinstance(node, exp.Literal) and node.is_string):
        return False
    text = node.name
    if not _PLAIN_LITERAL.fullmatch(text):
        return False
    try:
        datetime.datetime.fromisoformat(text)
    except ValueError:
        return False
    return True


class MysqlDateText(Family):
    name = "mysql_date_text"
    why = ("Text read as a date by MySQL's CAST(s AS DATE), CAST(s AS DATETIME), DATE(s), "
           "STR_TO_DATE(s, format) and its date functions called on text")
    BEHAVIOUR: ClassVar[dict[str, str]] = {
        "mysql": _MYSQL, "sqlite": _SQLITE,
        "duckdb": _STRICT, "postgres": _STRICT, "clickhouse": _STRICT,
    }
    REWRITES: ClassVar[dict[tuple[str, str], str]] = {
        (_MYSQL, _STRICT): "mysql_reading", (_MYSQL, _SQLITE): "mysql_reading",
    }
    SOURCES = ("mysql",)

    def nodes(self, tree: exp.Expr, ctx: SemanticsContext) -> list[exp.Expr]:
        found: list[exp.Expr] = []
        for node in ctx.find(tree, exp.Cast, exp.TsOrDsToDate, exp.StrToDate, exp.StrToTime,
                             exp.TsOrDsToTimestamp, *IMPLICIT_DATE):
            if isinstance(node, IMPLICIT_DATE):
                # the text argument itself is the node: read as a date, the date function
                # (and the families that rewrite it) then see a date
                found.extend(a for a in implicit_arguments(node) if is_text(tree, a, ctx))
                continue
            if isinstance(node, exp.TsOrDsToTimestamp):
                # DATE_FORMAT(s, fmt)'s reading; a fraction (%f) is not built: left as is
                if not keeps_no_fraction(node):
                    continue
            elif isinstance(node, exp.Cast):
                # DATETIME(n) keeps a fraction the rewrite does not build
                if not (node.to.is_type(exp.DType.DATE)
                        or (node.to.is_type(exp.DType.DATETIME) and not node.to.expressions)):
                    continue
            elif isinstance(node, exp.TsOrDsToDate) and node.args.get("format") is not None:
                continue
            if isinstance(node.parent, exp.DateDiff) and node is node.parent.expression \
                    and is_to_days(node.parent):
                continue  # TO_DAYS's own epoch, '0000-01-01': date_builders carries it
            if is_text(tree, node.this, ctx):
                found.append(node)
        return found

    def applies(self, node: exp.Expr, tree: exp.Expr, ctx: SemanticsContext) -> bool:
        if not isinstance(node, (exp.Cast, exp.TsOrDsToDate, exp.TsOrDsToTimestamp,
                                 exp.StrToDate, exp.StrToTime)):
            return not _plain_literal(node)  # an implicit date function's text argument
        if isinstance(node, (exp.StrToDate, exp.StrToTime)):
            # a format this library cannot state stays as sqlglot writes it (the docstring
            # of mysql_date_formats lists the elements it states)
            return _stated_format(node) is not None
        # CAST('2024-03-05' AS DATE) means the same everywhere: keep it short and sargable
        return not _plain_literal(node.this)

    def mysql_reading(self, node: exp.Expr, ctx: SemanticsContext) -> exp.Expr:
        target = ctx.target
        if target == "sqlite":
            return self._sqlite_reading(node)
        stated = _stated_format(node)
        if stated is not None:
            pattern, groups, short_year = stated
            sql = (f"CASE WHEN {matches(target, pattern)} THEN "
                   f"{read(target, pattern, groups, short_year, isinstance(node, exp.StrToTime))}"
                   f" END")
            return template(sql, target, X=node.this)
        if not isinstance(node, (exp.Cast, exp.TsOrDsToDate, exp.TsOrDsToTimestamp)):
            # an implicit date function's text argument: read as CAST(s AS DATE) reads it
            node = exp.Cast(this=node.copy(), to=exp.DataType.build("DATE"))
        with_time = ((isinstance(node, exp.Cast) and node.to.is_type(exp.DType.DATETIME))
                     or isinstance(node, exp.TsOrDsToTimestamp))
        sql = (f"CASE WHEN X IS NULL THEN NULL "
               f"WHEN {matches(target, _DELIMITED)} THEN "
               f"{read(target, _DELIMITED, _GROUPS, 'two_digits', with_time)} "
               + "".join(f"WHEN {matches(target, compact)} THEN "
                         f"{read(target, compact, _GROUPS, 'two_digits', with_time)} "
                         for compact in _COMPACT) +
               f"WHEN {matches(target, _NULL)} THEN NULL "
               # the target's own reading for the shapes not stated here
               f"ELSE OWN END")
        return template(sql, target, X=node.this, OWN=node.copy())

    def _sqlite_reading(self, node: exp.Expr) -> exp.Expr:
        """The same reading scanned without regular expressions (mysql_date_sqlite)."""
        if isinstance(node, (exp.StrToDate, exp.StrToTime)):
            fmt = node.args["format"]
            stated = stated_tokens(fmt.name)
            assert stated is not None  # applies() took only stated formats
            sql = mysql_date_sqlite.formatted(*stated, isinstance(node, exp.StrToTime))
            return template(sql, "sqlite", X=node.this)
        with_time = ((isinstance(node, exp.Cast) and node.to.is_type(exp.DType.DATETIME))
                     or isinstance(node, exp.TsOrDsToTimestamp))
        text = node.this if isinstance(node, (exp.Cast, exp.TsOrDsToDate,
                                              exp.TsOrDsToTimestamp)) else node
        return template(mysql_date_sqlite.shapes(with_time), "sqlite", X=text)
