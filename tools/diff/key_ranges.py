"""Checksums by key range: the reladiff algorithm with our canonical row encoding.

For a single integer key, segments are ranges of the key: segment = (key - lo) DIV width. Each
engine computes every segment's (rows, checksum) in ONE pass (GROUP BY segment), only the
differing segments are split further (the next pass reads only their key ranges, which an
index on the key serves), and once the differing segments hold few rows those rows are
fetched. The first pass, which reads the whole table, is cut into `parallel` key ranges
queried at once, each side on its own connections (a server runs them on several cores).

Rows whose key is NULL belong to no range: when either side has any, they are always fetched.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass

from tools.db.base import Adapter

INTEGER_DIVISION = {
    "postgres": "(({x}) / {w})",
    "mysql": "(({x}) DIV {w})",
    "duckdb": "(({x}) // {w})",
    "sqlite": "(({x}) / {w})",
    "clickhouse": "intDiv({x}, {w})",
}
"""Integer division of a BIGINT by a positive literal, per dialect (all truncate; x >= 0)."""

MAX_SPAN = 2**62
"""Key spans beyond this could overflow `key - lo` in BIGINT arithmetic: hash buckets instead."""
MAX_RANGES = 200
"""Up to this many ranges are listed as BETWEEN conditions (an index serves them); more are
matched by their segment number instead (one scan, no hashing outside them)."""


def supported(adapter: Adapter) -> bool:
    return adapter.DIALECT in INTEGER_DIVISION


@dataclass(frozen=True)
class Segments:
    """Segments of width `width` numbered from `lo`; `ids` are the ones a pass looks at
    (None: every segment between lo and hi)."""

    lo: int
    hi: int
    width: int
    ids: tuple[int, ...] | range | None = None
    """A range for a contiguous run (the parallel first pass): its bounds are computed, not
    listed, so a run of 15,000 segments costs nothing to describe."""

    def bounds(self, seg: int) -> tuple[int, int]:
        start = self.lo + seg * self.width
        return start, min(self.hi, start + self.width - 1)

    def ranges(self) -> list[tuple[int, int]]:
        """Key ranges [a, b] covering the listed segments, neighbours merged."""
        ids = self.ids if self.ids is not None else range(self.count())
        if isinstance(ids, range) and ids.step == 1:
            return [(self.bounds(ids[0])[0], self.bounds(ids[-1])[1])] if ids else []
        out: list[tuple[int, int]] = []
        for seg in ids:
            a, b = self.bounds(seg)
            if out and out[-1][1] + 1 == a:
                out[-1] = (out[-1][0], b)
            else:
                out.append((a, b))
        return out

    def count(self) -> int:
        return (self.hi - self.lo) // self.width + 1

    def split(self, ids: list[int], factor: int) -> Segments:
        """The given segments cut `factor` ways: the next level's segments."""
        width = max(1, math.ceil(self.width / factor))
        children: list[int] = []
        for seg in ids:
            a, b = self.bounds(seg)
            children.extend(range((a - self.lo) // width, (b - self.lo) // width + 1))
        return Segments(self.lo, self.hi, width, tuple(sorted(set(children))))

    def listed(self) -> range | tuple[int, ...]:
        return self.ids if self.ids is not None else range(self.count())

    def part(self, ids: range | tuple[int, ...]) -> Segments:
        return Segments(self.lo, self.hi, self.width, ids)

    def chunks(self, parts: int) -> list[Segments]:
        """The segments (all of them) cut into `parts` contiguous runs, one query each."""
        total = self.count()
        parts = max(1, min(parts, total))
        step = math.ceil(total / parts)
        return [Segments(self.lo, self.hi, self.width, range(s, min(total, s + step)))
                for s in range(0, total, step)]


def _div(adapter: Adapter, x: str, w: int) -> str:
    return INTEGER_DIVISION[adapter.DIALECT].format(x=x, w=int(w))


def segment_of(adapter: Adapter, key: str, segs: Segments) -> str:
    return _div(adapter, f"{key} - ({segs.lo})", segs.width)


def where(adapter: Adapter, key: str, segs: Segments) -> str:
    """A filter keeping the rows of the listed segments (every row in [lo, hi] when none)."""
    ranges = segs.ranges()
    if len(ranges) <= MAX_RANGES:
        return "(" + " OR ".join(f"({key} BETWEEN {a} AND {b})" for a, b in ranges) + ")"
    listed = ", ".join(str(i) for i in segs.ids or ())
    a, b = ranges[0][0], ranges[-1][1]
    return f"({key} BETWEEN {a} AND {b} AND {segment_of(adapter, key, segs)} IN ({listed}))"


Checksums = dict[int, tuple[int, int | str]]
"""segment -> (rows, checksum): a sum of row hashes (int), or the md5 of the segment's rows in
key order (str)."""


@dataclass
class Side:
    """One side of the diff: its adapters (the first is the caller's; the others are extra
    connections for the parallel first pass), its query and how a segment's checksum is
    computed: an aggregate over each row's `row_value` (column h) and key (column k)."""

    adapters: list[Adapter]
    sql: str
    key: str
    """The key column over subquery alias q, quoted."""
    row_value: str
    """Per row, over subquery alias q: its 60-bit hash, or its encoding (ordered checksums)."""
    checksum: Callable[[str, str], str]
    """The segment's checksum from the columns (h, k): sum(h), or md5 of the h in k order."""
    ordered: bool = False
    """The checksum is the md5 text of the ordered rows (else an integer sum)."""

    def pass_sql(self, segs: Segments) -> str:
        adapter = self.adapters[0]
        seg = segment_of(adapter, self.key, segs)
        return (f"SELECT b, count(*) AS n, {self.checksum('h', 'k')} AS s FROM (SELECT {seg} "
                f"AS b, {self.key} AS k, {self.row_value} AS h FROM ({self.sql}) q WHERE "
                f"{where(adapter, self.key, segs)}) z GROUP BY b")

    def fetch_sql(self, segs: Segments | None, with_nulls: bool) -> str:
        parts = [where(self.adapters[0], self.key, segs)] if segs and segs.ids else []
        if with_nulls:
            parts.append(f"{self.key} IS NULL")
        return f"SELECT * FROM ({self.sql}) q WHERE {' OR '.join(parts) or 'FALSE'}"


ORDERED_MAX_ROWS = 250_000
"""Rows per query of an ordered checksum: the engine holds a segment's rows until it ends
(DuckDB holds every segment of the query: ~400 bytes a row, 2.3 GB for one 5M-row query), so
a pass over more rows runs as several queries, one after another on a connection. Measured at
5M rows against PostgreSQL: 250k rows a query peaks at 0.76 GB and the whole diff is faster
than with one query (20.3 s vs 25.4 s)."""
GROWTH = 8
"""A query covers at most this many times the previous one's segments (a sparse stretch of
keys must not size the next query for a dense one)."""


def _read(adapter: Adapter, sql: str, ordered: bool) -> Checksums:
    table = adapter.read_arrow(sql)
    cols = [table.column(i).to_pylist() for i in range(3)]
    # a sum may arrive as text (ClickHouse sums in Int128): read as a number, it compares
    # with the other engine's; an md5 stays text
    return {int(b): (int(n), str(s) if ordered else int(s))
            for b, n, s in zip(*cols, strict=True)}


def _read_in_batches(adapter: Adapter, side: Side, segs: Segments) -> Checksums:
    """An ordered pass as queries of about ORDERED_MAX_ROWS rows each: the first sized for
    dense keys (one row per key), the next ones by the rows per segment met so far."""
    ids, out, at = segs.listed(), {}, 0
    per = max(1, ORDERED_MAX_ROWS // segs.width)
    while at < len(ids):
        got = _read(adapter, side.pass_sql(segs.part(ids[at:at + per])), True)
        out.update(got)
        at += per
        rows = sum(n for n, _ in got.values())
        per = min(per * GROWTH, max(1, ORDERED_MAX_ROWS * per // max(rows, 1)))
    return out


def checksums(pool: ThreadPoolExecutor, side: Side, segs: Segments,
              parallel: bool) -> list[Future[Checksums]]:
    """All segments' checksums on one side, as futures to merge; with `parallel`, the
    segments are cut into one run per connection, queried at once."""
    adapters = side.adapters if parallel and segs.ids is None else side.adapters[:1]
    parts = segs.chunks(len(adapters)) if len(adapters) > 1 else [segs]
    return [pool.submit(_read_in_batches, adapter, side, part) if side.ordered
            else pool.submit(_read, adapter, side.pass_sql(part), False)
            for adapter, part in zip(adapters, parts, strict=False)]


def merged(futures: list[Future[Checksums]]) -> Checksums:
    out: Checksums = {}
    for f in futures:
        out.update(f.result())
    return out


def differing(a: Checksums, b: Checksums) -> list[int]:
    return sorted(k for k in a.keys() | b.keys() if a.get(k) != b.get(k))
