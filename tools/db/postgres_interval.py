"""PostgreSQL intervals read as (months, days, microseconds), the way PostgreSQL keeps them.

psycopg's own loader gives a timedelta, which folds a month into 30 days and a year into 365:
'1 mon' and '30 days' would read alike, and a diff could not tell them apart. This loader parses
the text of IntervalStyle 'postgres' (the adapter pins it for its sessions) into an Arrow
MonthDayNano, so a result column of intervals becomes month_day_nano_interval, the type DuckDB
and ClickHouse intervals also arrive as.
"""

from __future__ import annotations

import re
from typing import Any

import pyarrow as pa

# '1 year 2 mons -3 days -04:05:06.789': signed counts of units, then an optional signed time.
_UNIT = re.compile(r"([+-]?\d+) (year|mon|day)s?")
_TIME = re.compile(r"([+-])?(\d+):(\d{2}):(\d{2})(?:\.(\d{1,6}))?$")
_MONTHS_PER = {"year": 12, "mon": 1}


def parse(text: str) -> pa.MonthDayNano | str:
    """The interval of one 'postgres'-style text, or the text itself when it is in another
    style (it then reaches the differ as text, which parses it again)."""
    months = days = 0
    rest = text.strip()
    for count, unit in _UNIT.findall(rest):
        if unit == "day":
            days += int(count)
        else:
            months += int(count) * _MONTHS_PER[unit]
    rest = _UNIT.sub("", rest).strip()
    micros = 0
    if rest:
        clock = _TIME.match(rest)
        if clock is None:
            return text
        sign, hours, minutes, seconds, fraction = clock.groups()
        micros = ((int(hours) * 60 + int(minutes)) * 60 + int(seconds)) * 1_000_000 \
            + int((fraction or "").ljust(6, "0"))
        micros = -micros if sign == "-" else micros
    return pa.MonthDayNano([months, days, micros * 1000])


def loader(base: type) -> type:
    """A psycopg text Loader for interval (psycopg is imported lazily by the adapter)."""

    class IntervalLoader(base):
        def load(self, data: Any) -> pa.MonthDayNano | str:
            return parse(bytes(data).decode())

    return IntervalLoader
