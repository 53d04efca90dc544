"""The checksum algorithm: compare segment checksums computed inside each database, bisect only
the differing segments, then fetch just their rows and compare() them.

One canonical row encoding agrees across engines (every expression comes from the adapters'
HASH_SQL tables; this module only assembles them):
- each column is rendered as text by its *pair kind* (normalise.plan_columns): exact numbers
  with trailing zeros dropped (1.50 -> '1.5', True -> '1'), floats as 12 significant digits
  'mantissa e exponent' (NaN, ±inf and ±0 spelled out), dates 'YYYY-MM-DD', instants as epoch
  microseconds in UTC (naive microsecond timestamps as 'YYYY-MM-DD HH:MM:SS[.ffffff]' where
  both engines print them so: PostgreSQL and DuckDB), text as is;
- each text field is 'length:value', a number or date field its bare value (it holds no '|'),
  NULL is 'N'; fields joined by '|', so ('ab','c') and ('a','bc') encode differently and NULL
  differs from '' and 'NULL';
- segments: for one integer key, ranges of the key (key_ranges.py: one GROUP BY pass per level,
  only differing ranges read again, the first pass cut into parallel key ranges); for any other
  key, buckets of md5(key encoding) by hex prefix (rows of one key land in the same bucket on
  both engines). A segment's checksum is (rows, sum of the first 60 bits of md5(row
  encoding)) — a sum, so row order and duplicates are handled; for key ranges on engines that
  aggregate in order (PostgreSQL, DuckDB) it is (rows, md5 of the row encodings in key order),
  one md5 per segment instead of one per row (the per-row md5 was a quarter of a PostgreSQL
  pass). Duplicate keys may then order differently on the two sides: their segment differs,
  its rows are fetched and compare() judges them.

Floats equal to 12 significant digits hash alike: a difference below ~1e-12 relative is missed
(the default tolerance is 1e-9). An encoding two engines render differently (an exotic type)
only makes segments differ, and the fetched rows are then judged by compare().
"""

from __future__ import annotations

import math
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

import pyarrow as pa

from tools.db.base import Adapter
from tools.diff import key_ranges as kr
from tools.diff.compare import compare
from tools.diff.normalise import (
    DATE,
    EXACT,
    FLOAT,
    NUMERIC_KINDS,
    TIMESTAMP,
    ColumnPlan,
    plan_columns,
)
from tools.diff.partial import scaled_up
from tools.diff.report import DiffReport
from tools.errors import ConfigError, CutoverError
from tools.records import Tolerance

MAX_DIGITS = 8
"""Deepest bucket prefix (16**8 buckets): beyond it the rows are fetched whatever their count."""


@dataclass
class ChecksumOptions:
    rows_per_bucket: int = 16
    """Target rows per segment at the first level (segments are hex prefixes of md5(key)).
    Small segments keep the rows to fetch few when differences are scattered (0.1% of 1M rows
    touch ~1,000 of 65,536 segments, ~15,000 rows); each bisection level is another hashing
    pass over the whole table inside the engine, the expensive part."""
    max_first_digits: int = 4
    """At most 16**4 = 65536 segment checksums per side in the first round trip (~2 MB)."""
    fetch_rows: int = 500_000
    """Fetch the differing segments' rows once they hold at most this many rows; else bisect.
    On a fast link fetching beats another hashing pass; lower it for a slow link."""
    digits_per_level: int = 1
    """Hex digits added per bisection level (each splits a segment 16 ways)."""
    parallel: int = 4
    """Connections per server side for the first key-range pass, the one that reads every
    row: its key range is cut into this many runs queried at once (embedded engines run one
    query: they parallelise inside)."""
    split_factor: int = 16
    """Each differing key range is cut this many ways at the next level."""


@dataclass
class _Level:
    digits: int
    """md5 prefix digits of the buckets (0 for key ranges)."""
    buckets: int
    differing: int
    rows_in_differing: int
    width: int = 0
    """Key values per segment (key ranges; 0 for md5 buckets)."""


@dataclass
class _Evidence:
    levels: list[_Level] = field(default_factory=list)
    segment_checksum: str = "sum of row hashes"
    """How a segment's checksum was computed: the sum of its rows' hashes, or (one integer
    key, engines that aggregate in order) the md5 of its rows in key order."""


def supported(adapter: Adapter) -> bool:
    return isinstance(getattr(adapter, "HASH_SQL", None), dict)


def _t(adapter: Adapter, name: str, **kw: str) -> str:
    return adapter.HASH_SQL[name].format(**kw)  # type: ignore[attr-defined]


def _concat(adapter: Adapter, parts: list[str]) -> str:
    sep = adapter.HASH_SQL["concat_sep"]  # type: ignore[attr-defined]
    return _t(adapter, "concat", parts=sep.join(parts))


def _value(adapter: Adapter, col: str, side_kind: str, kind: str, same_type: bool = False,
           printed_alike: bool = False) -> str:
    """One column's canonical text on one engine, by the pair kind. `same_type`: both sides
    have the same exact type, so decimals print with the same scale and need no trimming;
    `printed_alike`: both engines print this pair's values the same (timestamp_text)."""
    text = lambda x: _t(adapter, "text", x=x)  # noqa: E731 - a local shorthand
    if kind == EXACT:
        if side_kind == "bool":
            return _t(adapter, "bool", x=col)
        # Integers print without a fraction, and decimals of one scale alike on every engine
        # (1.50 stays 1.50): only decimals of different scales need trailing zeros trimmed.
        plain = side_kind == "int" or (side_kind == "decimal" and same_type)
        return text(col) if plain else _t(adapter, "exact", x=text(col))
    if kind == FLOAT:
        num = _t(adapter, "bool", x=col) if side_kind == "bool" else col
        return _t(adapter, "float", x=_t(adapter, "double", x=num))
    if kind == DATE:
        return _t(adapter, "date", x=col)
    if kind == TIMESTAMP:
        if printed_alike:
            return _t(adapter, "timestamp_text", x=col)
        return _t(adapter, "date_ts" if side_kind == "date" else "timestamp", x=col)
    return text(col)


def _field(adapter: Adapter, value: str, kind: str) -> str:
    """'length:value' for text (which may hold '|' or 'N'), the bare value for numbers and
    dates (which hold neither, and so need no length: it would evaluate the value twice on
    engines without common subexpressions), 'N' for NULL."""
    if kind in NUMERIC_KINDS or kind in (DATE, TIMESTAMP):
        return f"COALESCE({value}, 'N')"
    length = _t(adapter, "text", x=_t(adapter, "length", x=value))
    return f"COALESCE({_concat(adapter, [length, repr(':'), value])}, 'N')"


NAIVE_MICROSECONDS = str(pa.timestamp("us"))
"""The Arrow type of a timestamp without zone, in microseconds ('timestamp[us]')."""

KEEPS_DECIMAL_SCALE = frozenset({"postgres", "mysql", "duckdb"})
"""Engines whose DECIMAL(p,s) prints all s digits (SQLite stores 1.50 as REAL 1.5, ClickHouse
drops trailing zeros): two of them can skip the trimming of same-typed decimals."""


def encodings(adapter: Adapter, plans: list[ColumnPlan], side: str,
              key: list[ColumnPlan], peer: Adapter | None = None) -> tuple[str, str]:
    """(row encoding, key encoding) expressions over subquery alias q; `peer` is the other
    side's engine (None: assume it may print decimals differently)."""
    plain = peer is not None and {adapter.DIALECT, peer.DIALECT} <= KEEPS_DECIMAL_SCALE
    # Naive microsecond timestamps as the engines print them, where both print them alike
    # (PostgreSQL and DuckDB): cheaper than epoch microseconds, which PostgreSQL computes
    # in numeric arithmetic.
    texts = peer is not None and all("timestamp_text" in a.HASH_SQL  # type: ignore[attr-defined]
                                     for a in (adapter, peer))
    def enc(cols: list[ColumnPlan]) -> str:
        fields = []
        for p in cols:
            name = p.name if side == "source" else p.target_name
            kind = p.source_kind if side == "source" else p.target_kind
            same = plain and p.source_type == p.target_type
            alike = texts and p.source_type == p.target_type == NAIVE_MICROSECONDS
            fields.append(_field(adapter, _value(adapter, f"q.{adapter.quote(name)}", kind,
                                                 p.kind, same, alike), p.kind))
        if len(fields) == 1:
            return fields[0]
        join = adapter.HASH_SQL.get("join")  # type: ignore[attr-defined]
        if join:  # the engine's one-call concatenation of the fields, '|' between them
            return join.format(fields=", ".join(fields))
        joined = [f for pair in zip(fields, ["'|'"] * len(fields), strict=True) for f in pair]
        return _concat(adapter, joined[:-1])
    return enc(plans), enc(key)


def _bucket_sql(adapter: Adapter, sql: str, row: str, key: str, digits: int,
                within: list[str], within_digits: int) -> str:
    kh = _t(adapter, "md5", x=key)
    rh = _t(adapter, "md5", x=row)
    bucket = f"substr({kh}, 1, {digits})"
    h = _t(adapter, "hex60", x=f"substr({rh}, 1, 15)")
    where = ""
    if within:
        listed = ", ".join(f"'{b}'" for b in within)
        where = f" WHERE substr({kh}, 1, {within_digits}) IN ({listed})"
    return (f"SELECT b, count(*) AS n, {_t(adapter, 'sum', x='h')} AS s FROM "
            f"(SELECT {bucket} AS b, {h} AS h FROM ({sql}) q{where}) z GROUP BY b")


def _checksums(adapter: Adapter, sql: str) -> dict[str, tuple[int, int]]:
    table = adapter.read_arrow(sql)
    out = {}
    for b, n, s in zip(*(table.column(i).to_pylist() for i in range(3)), strict=True):
        out[str(b)] = (int(n), int(s))
    return out


def _count(adapter: Adapter, sql: str) -> int:
    return int(adapter.read_arrow(f"SELECT count(*) AS n FROM ({sql}) q").column(0)[0].as_py())


def _differing(a: dict[str, tuple[int, int]], b: dict[str, tuple[int, int]]) -> list[str]:
    return sorted(k for k in a.keys() | b.keys() if a.get(k) != b.get(k))


def _first_digits(rows: int, opts: ChecksumOptions) -> int:
    want = max(1, math.ceil(math.log(max(rows, 1) / opts.rows_per_bucket, 16)))
    return min(want, opts.max_first_digits)


def _bisect(src: Adapter, s_q: tuple[str, str, str], tgt: Adapter, t_q: tuple[str, str, str],
            rows_hint: int | None, opts: ChecksumOptions, pool: ThreadPoolExecutor,
            evidence: _Evidence) -> tuple[list[str], int, tuple[int, int]]:
    """Drill into differing segments until they are small. Returns (differing segment
    prefixes, their number of hex digits, (source rows, target rows) from the first level,
    whose segments cover every row)."""
    digits = _first_digits(rows_hint, opts) if rows_hint else opts.max_first_digits
    within: list[str] = []
    within_digits = 0
    totals: tuple[int, int] | None = None
    while True:
        fs = pool.submit(_checksums, src, _bucket_sql(src, *s_q, digits, within, within_digits))
        ft = pool.submit(_checksums, tgt, _bucket_sql(tgt, *t_q, digits, within, within_digits))
        a, b = fs.result(), ft.result()
        if totals is None:
            totals = (sum(n for n, _ in a.values()), sum(n for n, _ in b.values()))
        diff = _differing(a, b)
        rows = sum(max(a.get(k, (0, 0))[0], b.get(k, (0, 0))[0]) for k in diff)
        evidence.levels.append(_Level(digits, len(a.keys() | b.keys()), len(diff), rows))
        if not diff or rows <= opts.fetch_rows or digits >= MAX_DIGITS:
            return diff, digits, totals
        within, within_digits = diff, digits
        digits = min(MAX_DIGITS, digits + opts.digits_per_level)


def _fetch_sql(adapter: Adapter, sql: str, key: str, prefixes: list[str], digits: int) -> str:
    listed = ", ".join(f"'{b}'" for b in prefixes)
    kh = _t(adapter, "md5", x=key)
    return f"SELECT * FROM ({sql}) q WHERE substr({kh}, 1, {digits}) IN ({listed})"


def _merge(report: DiffReport, totals: tuple[int, int], evidence: _Evidence) -> DiffReport:
    """Rows outside the fetched segments sit in segments whose checksums agree: equal pairs."""
    return scaled_up(report, totals, "checksum",
                     {"levels": [vars(level) for level in evidence.levels],
                      "segment_checksum": evidence.segment_checksum})


def checksum_diff(
    source: Adapter,
    source_sql: str,
    target: Adapter,
    target_sql: str,
    *,
    key: list[str],
    tolerances: dict[str, Tolerance] | None = None,
    default_float: Tolerance = Tolerance(1e-9, 1e-9),
    sample_rows: int = 10,
    rows_hint: int | None = None,
    options: ChecksumOptions | None = None,
) -> DiffReport:
    """Diff two keyed queries with in-database checksums (see the module docstring)."""
    opts = options or ChecksumOptions()
    for adapter in (source, target):
        if not supported(adapter):
            raise ConfigError(f"the {type(adapter).__name__} has no checksum expressions: use "
                              f"--algorithm stream")
        prepare = getattr(adapter, "prepare_hashing", None)
        if callable(prepare):
            prepare()
    # One connection cannot run two statements at once: parallel only across adapters.
    workers = 1 if source is target else 2 * max(1, opts.parallel)
    with ThreadPoolExecutor(max_workers=workers) as pool:
        fs = pool.submit(source.read_arrow, f"SELECT * FROM ({source_sql}) q LIMIT 1000")
        ft = pool.submit(target.read_arrow, f"SELECT * FROM ({target_sql}) q LIMIT 1000")
        s_head, t_head = fs.result(), ft.result()
        plans, _, _ = plan_columns(s_head.schema, t_head.schema, tolerances or {}, default_float)
        by_lower = {p.name.lower(): p for p in plans}
        kp = [by_lower.get(k.lower()) for k in key]
        if any(p is None for p in kp):
            raise ConfigError(f"key {key} is not a column on both sides: source has "
                              f"{s_head.column_names}, target has {t_head.column_names}")
        keys = [p for p in kp if p]
        s_row, s_key = encodings(source, plans, "source", keys, target)
        t_row, t_key = encodings(target, plans, "target", keys, source)
        evidence = _Evidence()
        ranged = _key_range_sides(source, source_sql, s_row, target, target_sql, t_row, keys,
                                  opts)
        if ranged is not None:
            if ranged[0].ordered:
                evidence.segment_checksum = "md5 of the rows in key order"
            try:
                s_rows, t_rows, totals = _by_key_range(*ranged, opts, pool, evidence,
                                                      (s_head, t_head))
            finally:
                for extra in ranged[0].adapters[1:] + ranged[1].adapters[1:]:
                    extra.close()
        else:
            s_rows, t_rows, totals = _by_md5_bucket(
                source, (source_sql, s_row, s_key), target, (target_sql, t_row, t_key),
                rows_hint, opts, pool, evidence, (s_head, t_head))
    # Column figures from DuckDB alone, as for any large diff: the fetched rows stand for the
    # whole table, and datacompy's import (~1.5 s) would outweigh comparing them.
    report = compare(s_rows, t_rows, key=key, tolerances=tolerances, default_float=default_float,
                     sample_rows=sample_rows, datacompy_max_rows=0)
    return _merge(report, totals, evidence)


def _by_md5_bucket(source: Adapter, s_q: tuple[str, str, str], target: Adapter,
                   t_q: tuple[str, str, str], rows_hint: int | None, opts: ChecksumOptions,
                   pool: ThreadPoolExecutor, evidence: _Evidence, heads: tuple[pa.Table, pa.Table]
                   ) -> tuple[pa.Table, pa.Table, tuple[int, int]]:
    """Any key: md5 buckets, bisected; returns (source rows, target rows to compare, totals)."""
    if rows_hint is None:  # a count is far cheaper than a hashing pass over the rows
        rows_hint = _count(source, s_q[0])
    prefixes, digits, totals = _bisect(source, s_q, target, t_q, rows_hint, opts, pool, evidence)
    if not prefixes:
        return heads[0].slice(0, 0), heads[1].slice(0, 0), totals
    fs = pool.submit(source.read_arrow, _fetch_sql(source, s_q[0], s_q[2], prefixes, digits))
    ft = pool.submit(target.read_arrow, _fetch_sql(target, t_q[0], t_q[2], prefixes, digits))
    return fs.result(), ft.result(), totals


def _connections(adapter: Adapter, wanted: int) -> list[Adapter]:
    """The adapter plus up to wanted - 1 more connections to the same server (none for an
    embedded engine; fewer when the server refuses more)."""
    out = [adapter]
    if adapter.EMBEDDED:
        return out
    from tools.db.registry import open_adapter

    for _ in range(wanted - 1):
        try:
            extra = open_adapter(adapter.url, adapter.role, adapter.tracer, adapter.timeout_s)
        except CutoverError:
            break
        prepare = getattr(extra, "prepare_hashing", None)
        if callable(prepare):
            prepare()
        out.append(extra)
    return out


def _key_range_sides(source: Adapter, source_sql: str, s_row: str, target: Adapter,
                     target_sql: str, t_row: str, keys: list[ColumnPlan],
                     opts: ChecksumOptions) -> tuple[kr.Side, kr.Side] | None:
    """Both sides set up for key ranges, or None when the key is not one integer column."""
    if len(keys) != 1 or not (kr.supported(source) and kr.supported(target)):
        return None
    k = keys[0]
    if not (k.kind == EXACT and k.source_kind == k.target_kind == "int"):
        return None
    ordered = all("segment_md5" in a.HASH_SQL for a in (source, target))  # type: ignore[attr-defined]
    sides = []
    for adapter, sql, row, name in ((source, source_sql, s_row, k.name),
                                    (target, target_sql, t_row, k.target_name)):
        key = f"q.{adapter.quote(name)}"
        if ordered:  # one md5 per segment over its rows in key order (keys are integers)
            segment = (lambda a: lambda h, k: _t(a, "segment_md5", x=h, k=k))(adapter)
            if "segment_row" in adapter.HASH_SQL:  # type: ignore[attr-defined]
                row = _t(adapter, "segment_row", x=row)
            sides.append(kr.Side([adapter], sql, key, row, segment, ordered=True))
            continue
        rh = _t(adapter, "md5", x=row)
        row_hash = _t(adapter, "hex60", x=f"substr({rh}, 1, 15)")
        summed = (lambda a: lambda h, k: _t(a, "sum", x=h))(adapter)
        sides.append(kr.Side([adapter], sql, key, row_hash, summed))
    return sides[0], sides[1]


def _bounds(side: kr.Side) -> tuple[int | None, int | None, int]:
    """(min key, max key, rows whose key is NULL): an index on the key answers all three
    without reading the table (a count(*) would read it once more than the first pass,
    whose segments count every other row)."""
    t = side.adapters[0].read_arrow(
        f"SELECT min({side.key}) AS lo, max({side.key}) AS hi, "
        f"(SELECT count(*) FROM ({side.sql}) q WHERE {side.key} IS NULL) AS nulls "
        f"FROM ({side.sql}) q")
    lo, hi, nulls = (t.column(i)[0].as_py() for i in range(3))
    return lo, hi, int(nulls)


def _by_key_range(s: kr.Side, t: kr.Side, opts: ChecksumOptions, pool: ThreadPoolExecutor,
                  evidence: _Evidence, heads: tuple[pa.Table, pa.Table]
                  ) -> tuple[pa.Table, pa.Table, tuple[int, int]]:
    """One integer key: segment checksums by key range (see key_ranges.py); returns the rows
    of the differing segments (and NULL keys) on each side, and each side's row count."""
    fs, ft = pool.submit(_bounds, s), pool.submit(_bounds, t)
    (s_lo, s_hi, s_null), (t_lo, t_hi, t_null) = fs.result(), ft.result()
    totals = (s_null, t_null)  # the first level adds every row with a key
    los = [int(v) for v in (s_lo, t_lo) if v is not None]
    his = [int(v) for v in (s_hi, t_hi) if v is not None]
    final: kr.Segments | None = None
    if los and max(his) - min(los) < kr.MAX_SPAN:
        lo, hi = min(los), max(his)
        # The span stands for the row count (dense keys: equal; sparse keys: the cap applies).
        first = min(16 ** opts.max_first_digits,
                    max(1, math.ceil((hi - lo + 1) / opts.rows_per_bucket)))
        segs = kr.Segments(lo, hi, math.ceil((hi - lo + 1) / first))
        # Extra connections only for the pass that reads every row (one adapter shared by
        # both sides cannot run two statements at once: no parallel pass then).
        if s.adapters[0] is not t.adapters[0]:
            s.adapters = _connections(s.adapters[0], opts.parallel)
            t.adapters = _connections(t.adapters[0], opts.parallel)
        level = 0
        while True:
            fa = kr.checksums(pool, s, segs, parallel=level == 0)
            fb = kr.checksums(pool, t, segs, parallel=level == 0)
            a, b = kr.merged(fa), kr.merged(fb)
            if level == 0:
                totals = (totals[0] + sum(n for n, _ in a.values()),
                          totals[1] + sum(n for n, _ in b.values()))
            diff = kr.differing(a, b)
            rows = sum(max(a.get(k, (0, 0))[0], b.get(k, (0, 0))[0]) for k in diff)
            evidence.levels.append(_Level(0, len(a.keys() | b.keys()), len(diff), rows,
                                          segs.width))
            if not diff or rows <= opts.fetch_rows or segs.width == 1:
                final = kr.Segments(lo, hi, segs.width, tuple(diff)) if diff else None
                break
            segs = segs.split(diff, opts.split_factor)
            level += 1
    elif los:  # a key span BIGINT arithmetic cannot hold: fetch everything (rare)
        final = kr.Segments(min(los), max(his), max(his) - min(los) + 1, (0,))
        totals = (_count(s.adapters[0], s.sql), _count(t.adapters[0], t.sql))
    nulls = bool(s_null or t_null)
    if final is None and not nulls:
        return heads[0].slice(0, 0), heads[1].slice(0, 0), totals
    fs = pool.submit(s.adapters[0].read_arrow, s.fetch_sql(final, nulls))
    ft = pool.submit(t.adapters[0].read_arrow, t.fetch_sql(final, nulls))
    return fs.result(), ft.result(), totals
