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


def to_text(interval: pa.MonthDayNano) -> str:
    """The 'postgres'-style text of one interval: what PostgreSQL prints for it, and what every
    engine's interval input reads back ('1 year 2 mons -3 days -04:05:06.789')."""
    months, days, nanos = interval.months, interval.days, interval.nanoseconds
    years = int(months / 12)  # truncating, as PostgreSQL splits a negative count of months
    parts: list[str] = []
    negative_before = False
    for value, unit in ((years, "year"), (months - years * 12, "mon"), (days, "day")):
        if value:
            # PostgreSQL's rules: the singular for exactly 1 only ('-1 days'), and a '+' on a
            # positive field after a negative one ('-1 days +02:00:00').
            sign = "+" if negative_before and value > 0 else ""
            parts.append(f"{sign}{value} {unit}" + ("" if value == 1 else "s"))
            negative_before = value < 0
    micros = abs(nanos) // 1000
    if micros or not parts:
        seconds, fraction = divmod(micros, 1_000_000)
        clock = f"{seconds // 3600:02d}:{seconds // 60 % 60:02d}:{seconds % 60:02d}"
        clock += f".{fraction:06d}".rstrip("0") if fraction else ""
        parts.append(("-" if nanos < 0 else "+" if negative_before and micros else "") + clock)
    return " ".join(parts)


def intervals_as_text(batch: pa.RecordBatch) -> pa.RecordBatch:
    """The batch with its month_day_nano columns as their 'postgres'-style text: how intervals
    load into an engine whose columns cannot hold one as an interval."""
    if not any(pa.types.is_interval(f.type) for f in batch.schema):
        return batch
    arrays = [pa.array([None if v is None else to_text(v) for v in column.to_pylist()],
                       pa.string()) if pa.types.is_interval(column.type) else column
              for column in batch.columns]
    return pa.RecordBatch.from_arrays(arrays, names=batch.schema.names)
