"""The date MySQL/MariaDB builds from fields found by a regular expression, written in the
target's SQL: shared by mysql_date_text's CAST/DATE shapes and its STR_TO_DATE formats.

Each row's text is matched once (a correlated scalar subquery on DuckDB and PostgreSQL, a
lambda over extractGroups on ClickHouse, which has no correlated subquery), the fields read
as integers (an absent one is 0, as MariaDB leaves it), a short year moved into 1970-2069,
and the date built only where MariaDB's checks pass; NULL elsewhere, including MySQL's zero
dates and invalid days (STR_TO_DATE keeps '2024-02-30'), which no target can hold.
"""

from __future__ import annotations

NAMES = ("y", "m", "d", "h", "i", "s")
#: how a year's text says it is a two-digit one (then 19xx from 70, 20xx below):
#: CAST reads exactly two digits so; STR_TO_DATE's %Y up to two, its %y always
SHORT_YEAR = {"two_digits": ("LENGTH({y}) = 2", "length({y}) = 2"),
              "up_to_two": ("LENGTH(TRIM({y})) <= 2", "length(trimBoth({y})) <= 2"),
              "always": ("TRUE", "1")}


def matches(target: str, pattern: str) -> str:
    """Whether X matches `pattern`, in the target's spelling."""
    return {"duckdb": f"REGEXP_MATCHES(X, '{pattern}')", "postgres": f"(X ~ '{pattern}')",
            "clickhouse": f"match(X, '{pattern}')"}[target]


def _checked(year: str, month: str, day: str, hour: str, minute: str, second: str,
             built: str) -> str:
    """`built` where the fields make a date MariaDB reads and a target holds, else NULL."""
    leap = f"({year} % 4 = 0 AND ({year} % 100 <> 0 OR {year} % 400 = 0))"
    month_days = (f"CASE WHEN {month} = 2 THEN CASE WHEN {leap} THEN 29 ELSE 28 END "
                  f"WHEN {month} IN (4, 6, 9, 11) THEN 30 ELSE 31 END")
    return (f"CASE WHEN {year} BETWEEN 1 AND 9999 AND {month} BETWEEN 1 AND 12 "
            f"AND {day} BETWEEN 1 AND {month_days} AND {hour} <= 23 AND {minute} <= 59 "
            f"AND {second} <= 59 THEN {built} END")


def _year(short: str, year: str) -> str:
    # MariaDB's YY_PART_YEAR: 70-99 are 19xx, 00-69 20xx
    return (f"(CASE WHEN {short} AND {year} < 70 THEN {year} + 2000 "
            f"WHEN {short} THEN {year} + 1900 ELSE {year} END)")


def read(target: str, pattern: str, groups: dict[str, int], short_year: str,
         with_time: bool) -> str:
    """The date (a DATETIME when `with_time`) MariaDB reads from X's fields: `groups` maps
    y, m, d (and any of h, i, s) to their capturing groups in `pattern`."""
    if target == "clickhouse":
        def text(name: str) -> str:
            return f"trimBoth(g[{groups[name]}])" if name in groups else "''"
        # 10 or more significant digits: out of every range (MariaDB wraps them modulo 2^32)
        number = [f"if(length(trimLeft({text(n)}, '0')) > 9, 1000000000, "
                  f"toInt64OrZero({text(n)}))" for n in NAMES]
        year = _year(SHORT_YEAR[short_year][1].format(y=text("y")), f"({number[0]})")
        month, day, hour, minute, second = number[1:]
        fields = (year, month, day, hour, minute, second)
        built = (f"makeDateTime64({', '.join(fields)}, 0, 0)" if with_time
                 else f"makeDate32({year}, {month}, {day})")
        body = _checked(year, month, day, hour, minute, second, built)
        if with_time:  # DateTime64 holds 1900-2299 and clamps the rest: NULL, never clamped
            body = f"if({year} BETWEEN 1900 AND 2299, {body}, NULL)"
        return f"arrayMap(g -> {body}, [extractGroups(ifNull(X, ''), '{pattern}')])[1]"
    if target == "duckdb":
        texts = ", ".join(f"TRIM(REGEXP_EXTRACT(X, '{pattern}', {groups[n]})) AS {n}t"
                          if n in groups else f"'' AS {n}t" for n in NAMES)
    else:
        texts = (", ".join(f"TRIM(f[{groups[n]}]) AS {n}t" if n in groups else f"'' AS {n}t"
                           for n in NAMES)
                 + f" FROM (SELECT REGEXP_MATCH(X, '{pattern}') AS f) AS matched")
    built = "MAKE_TIMESTAMP(y, m, d, h, i, s)" if with_time else "MAKE_DATE(y, m, d)"
    return from_texts(f"(SELECT {texts})", short_year, built)


def number_columns(short_year: str) -> list[str]:
    """The select list reading columns yt, mt, dt, ht, it, st (each field's text, '' or NULL
    when absent) as integers y, m, d, h, i, s, with `short`: whether the year is a short one."""
    short = SHORT_YEAR[short_year][0].format(y="yt")
    return [f"{short} AS short"] + [
        f"CASE WHEN LENGTH(LTRIM({n}t, '0')) > 9 THEN 1000000000 "
        f"ELSE CAST(COALESCE(NULLIF({n}t, ''), '0') AS INT) END AS {n}" for n in NAMES]


#: the select list over number_columns' that moves a short year into 1970-2069
FULL_YEAR = f"{_year('short', 'y')} AS y"


def checked(built: str) -> str:
    """`built` (SQL over the integers y, m, d, h, i, s) where MariaDB's checks pass."""
    return _checked("y", "m", "d", "h", "i", "s", built)


def from_texts(texts: str, short_year: str, built: str) -> str:
    """The date `built` from `texts`, a FROM item whose columns yt, mt, dt, ht, it, st hold
    the fields' text, NULL where MariaDB's checks fail: a scalar subquery in the SQL DuckDB
    and PostgreSQL share."""
    return (f"(SELECT {checked(built)} FROM ("
            f"SELECT {FULL_YEAR}, m, d, h, i, s FROM ("
            f"SELECT {', '.join(number_columns(short_year))} FROM {texts} AS texts"
            f") AS numbers) AS fields)")
