"""MySQL's date functions called on text: which of their arguments MariaDB reads as a date
with the lenient reading mysql_date_text states (NULL and a warning when unreadable).

sqlglot already gives YEAR, MONTH, DAY(OFMONTH), DAYOFWEEK, DAYOFYEAR, WEEK and TO_DAYS a
DATE(s) (TsOrDsToDate) and DATE_FORMAT a TIMESTAMP(s) (TsOrDsToTimestamp), which
mysql_date_text reads; the functions here keep the bare text, on which DuckDB and
PostgreSQL fail (no WEEKDAY(VARCHAR), a conversion error quoting the value). Their text
argument is read as CAST(s AS DATE) reads it, so the families rewriting the function
(day_of_week's WEEKDAY, ...) see a date. Left out, each reaching the target as sqlglot writes
it: DATE_ADD/ADDDATE/SUBDATE (MariaDB returns a string there, a DATETIME's text when the
value or the unit has a time), TIMESTAMP(s), TIMESTAMPDIFF and UNIX_TIMESTAMP (they keep the
text's fraction of a second, which the reading drops; UNIX_TIMESTAMP also the session's time
zone), and DATE_FORMAT with %f (the fraction again).
"""

from __future__ import annotations

from sqlglot import exp

#: functions whose every argument MariaDB reads as a DATE: QUARTER(s), LAST_DAY(s),
#: DATEDIFF(s, t) and WEEKDAY(s) (an anonymous function to sqlglot)
IMPLICIT_DATE: tuple[type[exp.Expr], ...] = (exp.Quarter, exp.LastDay, exp.DateDiff,
                                             exp.Anonymous)


def implicit_arguments(node: exp.Expr) -> list[exp.Expr]:
    """The arguments of `node` MariaDB reads as a date (none for other anonymous calls)."""
    if isinstance(node, exp.Anonymous):
        if str(node.this).upper() != "WEEKDAY" or len(node.expressions) != 1:
            return []
        return [node.expressions[0]]
    if isinstance(node, exp.DateDiff):
        return [node.this, node.expression]
    return [node.this]


def keeps_no_fraction(node: exp.Expr) -> bool:
    """Whether a DATE_FORMAT over this TIMESTAMP(s) prints no fraction of a second (%f):
    the reading builds whole seconds, as CAST(s AS DATETIME) keeps them."""
    parent = node.parent
    fmt = parent.args.get("format") if isinstance(parent, exp.TimeToStr) else None
    return isinstance(fmt, exp.Literal) and fmt.is_string and "%f" not in fmt.name
