"""Text read as a date by MySQL/MariaDB: CAST(s AS DATE), CAST(s AS DATETIME) and DATE(s).

MariaDB reads many shapes (sql-common/my_time.c, measured on 10.11): leading blanks and a '+'
are skipped, a '-' makes it NULL, and trailing garbage that is neither a digit nor punctuation
is dropped with a warning. What is left is either all digits, read at fixed widths (6 or 12
digits: YYMMDD[hhmmss], 8 or 14: YYYYMMDD[hhmmss], a '.fraction' after 12 or more), or fields
of digits each ended by ONE punctuation character ('2024/3/5', '24.3.5'; '2024--03--05' and
'2024 -03-05' are NULL), the time after a 'T', one punctuation character or blanks
('2024-03-05T10:20', '2024-03-05.5' is 05:00), where reading stops quietly at the first
character that does not fit ('2024-03-05x', '2024-03-05 T10' are the date). A two-digit year
is 19xx from 70, 20xx below; a 1- or 3-digit year is taken as written ('024-1-1' is year 24).
Month over 12, day over 31, hour over 23, minute or second over 59, a day past the month's
end ('2023-02-29', '2024-04-31'), an empty or blank text, one with no digit first, or fewer
than three date fields ('2024', '2024-03') are NULL. DuckDB and PostgreSQL raise a conversion
error quoting the value instead (the whole object fails), ClickHouse parses best-effort.

The rewrite states that reading on the target with its regular expressions: the fields are
extracted, checked as MariaDB checks them, and the date built from numbers (a DATETIME's
fraction is dropped, as MariaDB truncates it to whole seconds). Left out, each reaching the
target's own cast (a conversion error that quotes the value, never a silent wrong date):
digit runs of other lengths (5, 7, 9-11, 13 digits), a 'T' inside a digit run, a first field
of 12 or more digits followed by a '.'. MySQL's zero dates ('0000-00-00', '2024-00-05',
'2024-03-00') and year 0 exist on no target: the rewrite gives NULL, pymysql cannot read them
as dates so the source column comes back as text, and the data differ reports the object as
a mismatch, never parity. A field of 10 or more significant digits (MySQL wraps it modulo
2^32) is read as out of range. CAST(s AS DATETIME(n)) with a fraction kept is not rewritten.
SQLite has no regular expressions to state these shapes with: unsupported there.
"""

from __future__ import annotations

import datetime
import re
from typing import ClassVar

from sqlglot import exp

from tools.semantics.base import Family, SemanticsContext, template
from tools.semantics.numeric import is_text

_MYSQL = "MySQL's lenient date shapes, unreadable ones NULL"
_SQLITE = "SQLite's DATE(): its own few shapes"
_STRICT = "their own date shapes, a conversion error or a best-effort parse"
_NO_REGEX = ("unsupported: SQLite has no regular expressions to state MySQL's date shapes "
             "('24-3-5', '20240305', '2024-03-05x') with")

# POSIX classes only: ClickHouse's string literals would eat a backslash; the six fields
# are the only capturing groups (DuckDB counts at most nine)
_LEAD = "^[[:space:]]*[+]?[[:space:]]*"
_FIELD = "([0-9]+)"
_P = "[[:punct:]]"
#: year P month P day, then optionally (T | P | blanks) hour [P minute [P second [.fraction]]]
_DELIMITED = (f"{_LEAD}{_FIELD}{_P}{_FIELD}{_P}{_FIELD}"
              f"(?:(?:T|{_P}|[[:space:]]+){_FIELD}(?:{_P}{_FIELD}(?:{_P}{_FIELD})?)?)?")
#: 6/12 digits (two-digit year) or 8/14 (four), a fraction after 12/14, only garbage after
#: (MariaDB drops it)
_COMPACT = (f"{_LEAD}([0-9]{{2}}|[0-9]{{4}})([0-9]{{2}})([0-9]{{2}})"
            f"(?:([0-9]{{2}})([0-9]{{2}})([0-9]{{2}})(?:[.][0-9]*)?)?"
            f"(?:[^0-9[:punct:]T][^0-9[:punct:]]*)?$")
#: NULL whatever the digits: no digit first (or a '-'), at most 4 digits and garbage, fewer
#: than three delimited fields, a first field not ended by punctuation
_NULL = ("^[[:space:]]*(?:-.*|[+]?[[:space:]]*(?:[^0-9].*)?)$"
         f"|{_LEAD}[0-9]{{1,4}}[^0-9[:punct:]]*$"
         f"|{_LEAD}[0-9]{{1,11}}{_P}(?:[^0-9].*|[0-9]+(?:[^0-9[:punct:]].*|{_P}(?:[^0-9].*)?)?)?$"
         f"|{_LEAD}[0-9]{{1,11}}[^0-9[:punct:]T].*[0-9[:punct:]].*$")
_NAMES = ("y", "m", "d", "h", "i", "s")

#: a literal every engine reads alike: left as written
_PLAIN_LITERAL = re.compile(r"\d{4}-\d{2}-\d{2}( \d{2}:\d{2}:\d{2})?")


def _matches(target: str, pattern: str) -> str:
    return {"duckdb": f"REGEXP_MATCHES(X, '{pattern}')", "postgres": f"(X ~ '{pattern}')",
            "clickhouse": f"match(X, '{pattern}')"}[target]


def _checked(year: str, month: str, day: str, hour: str, minute: str, second: str,
             built: str) -> str:
    """`built` where the fields make a date MariaDB reads, NULL where it reads none (or a
    zero date no target can hold)."""
    leap = f"({year} % 4 = 0 AND ({year} % 100 <> 0 OR {year} % 400 = 0))"
    month_days = (f"CASE WHEN {month} = 2 THEN CASE WHEN {leap} THEN 29 ELSE 28 END "
                  f"WHEN {month} IN (4, 6, 9, 11) THEN 30 ELSE 31 END")
    return (f"CASE WHEN {year} BETWEEN 1 AND 9999 AND {month} BETWEEN 1 AND 12 "
            f"AND {day} BETWEEN 1 AND {month_days} AND {hour} <= 23 AND {minute} <= 59 "
            f"AND {second} <= 59 THEN {built} END")


def _year(short: str, year: str) -> str:
    # a two-digit year is 19xx from 70, 20xx below (MariaDB's YY_PART_YEAR)
    return (f"(CASE WHEN {short} AND {year} < 70 THEN {year} + 2000 "
            f"WHEN {short} THEN {year} + 1900 ELSE {year} END)")


def _read(target: str, pattern: str, with_time: bool) -> str:
    """The fields of `pattern` in X, extracted once per row, as the date MariaDB reads."""
    if target == "clickhouse":
        # one extraction, handed to a lambda: ClickHouse has no correlated subquery
        number = [f"if(length(trimLeft(g[{k}], '0')) > 9, 1000000000, toInt64OrZero(g[{k}]))"
                  for k in range(1, 7)]
        year = _year("length(g[1]) = 2", f"({number[0]})")
        fields = (year, *number[1:])
        built = (f"makeDateTime64({', '.join(fields)}, 0, 0)" if with_time
                 else f"makeDate32({', '.join(fields[:3])})")
        body = _checked(*fields, built)
        if with_time:  # DateTime64 holds 1900-2299 and clamps the rest: NULL, never clamped
            body = f"if({year} BETWEEN 1900 AND 2299, {body}, NULL)"
        return f"arrayMap(g -> {body}, [extractGroups(ifNull(X, ''), '{pattern}')])[1]"
    texts = (", ".join(f"REGEXP_EXTRACT(X, '{pattern}', {k}) AS {n}t"
                       for k, n in enumerate(_NAMES, 1)) if target == "duckdb" else
             ", ".join(f"f[{k}] AS {n}t" for k, n in enumerate(_NAMES, 1))
             + f" FROM (SELECT REGEXP_MATCH(X, '{pattern}') AS f) AS matched")
    numbers = ", ".join(
        f"CASE WHEN LENGTH(LTRIM({n}t, '0')) > 9 THEN 1000000000 "
        f"ELSE CAST(COALESCE(NULLIF({n}t, ''), '0') AS INT) END AS {n}" for n in _NAMES)
    built = ("MAKE_TIMESTAMP(y, m, d, h, i, s)" if with_time else "MAKE_DATE(y, m, d)")
    return (f"(SELECT {_checked(*_NAMES, built)} FROM ("
            f"SELECT {_year('short', 'y')} AS y, m, d, h, i, s FROM ("
            f"SELECT LENGTH(yt) = 2 AS short, {numbers} FROM (SELECT {texts}) AS texts"
            f") AS numbers) AS fields)")


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
    why = "Text read as a date by MySQL's CAST(s AS DATE), CAST(s AS DATETIME) and DATE(s)"
    BEHAVIOUR: ClassVar[dict[str, str]] = {
        "mysql": _MYSQL, "sqlite": _SQLITE,
        "duckdb": _STRICT, "postgres": _STRICT, "clickhouse": _STRICT,
    }
    REWRITES: ClassVar[dict[tuple[str, str], str]] = {
        (_MYSQL, _STRICT): "mysql_reading", (_MYSQL, _SQLITE): _NO_REGEX,
    }
    SOURCES = ("mysql",)

    def nodes(self, tree: exp.Expr, ctx: SemanticsContext) -> list[exp.Expr]:
        found: list[exp.Expr] = []
        for node in ctx.find(tree, exp.Cast, exp.TsOrDsToDate):
            if isinstance(node, exp.Cast):
                # DATETIME(n) keeps a fraction the rewrite does not build
                if not (node.to.is_type(exp.DType.DATE)
                        or (node.to.is_type(exp.DType.DATETIME) and not node.to.expressions)):
                    continue
            elif node.args.get("format") is not None:
                continue
            if is_text(tree, node.this, ctx):
                found.append(node)
        return found

    def applies(self, node: exp.Expr, tree: exp.Expr, ctx: SemanticsContext) -> bool:
        # CAST('2024-03-05' AS DATE) means the same everywhere: keep it short and sargable
        return not _plain_literal(node.this)

    def mysql_reading(self, node: exp.Expr, ctx: SemanticsContext) -> exp.Expr:
        target = ctx.target
        with_time = isinstance(node, exp.Cast) and node.to.is_type(exp.DType.DATETIME)
        sql = (f"CASE WHEN X IS NULL THEN NULL "
               f"WHEN {_matches(target, _DELIMITED)} THEN {_read(target, _DELIMITED, with_time)} "
               f"WHEN {_matches(target, _COMPACT)} THEN {_read(target, _COMPACT, with_time)} "
               f"WHEN {_matches(target, _NULL)} THEN NULL "
               # the target's own reading for the shapes not stated here
               f"ELSE OWN END")
        return template(sql, target, X=node.this, OWN=node.copy())
