"""The checksum algorithm: compare segment checksums computed inside each database, bisect only
the differing segments, then fetch just their rows and compare() them.

One canonical row encoding agrees across engines (every expression comes from the adapters'
HASH_SQL tables; this module only assembles them):
- each column is rendered as text by its *pair kind* (normalise.plan_columns): exact numbers
  with trailing zeros dropped (1.50 -> '1.5', True -> '1'), floats as 12 significant digits
  'mantissa e exponent' (NaN, ±inf and ±0 spelled out), dates 'YYYY-MM-DD', instants as epoch
  microseconds in UTC, text as is;
- each field is 'length:value' or 'N' for NULL, fields joined by '|', so ('ab','c') and
  ('a','bc') encode differently and NULL differs from '' and 'NULL';
- segments are buckets of md5(key encoding) by hex prefix (any key type, rows of one key land
  in the same bucket on both engines); a segment's checksum is (rows, sum of the first 60 bits
  of md5(row encoding)) — a sum, so row order and duplicates are handled.

Floats equal to 12 significant digits hash alike: a difference below ~1e-12 relative is missed
(the default tolerance is 1e-9). An encoding two engines render differently (an exotic type)
only makes segments differ, and the fetched rows are then judged by compare().
"""

from __future__ import annotations

import math
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

from tools.db.base import Adapter
from tools.diff.compare import compare
from tools.diff.normalise import DATE, EXACT, FLOAT, TIMESTAMP, ColumnPlan, plan_columns
from tools.diff.report import DiffReport
from tools.errors import ConfigError
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


@dataclass
class _Level:
    digits: int
    buckets: int
    differing: int
    rows_in_differing: int


@dataclass
class _Evidence:
    levels: list[_Level] = field(default_factory=list)


def supported(adapter: Adapter) -> bool:
    return isinstance(getattr(adapter, "HASH_SQL", None), dict)


def _t(adapter: Adapter, name: str, **kw: str) -> str:
    return adapter.HASH_SQL[name].format(**kw)  # type: ignore[attr-defined]


def _concat(adapter: Adapter, parts: list[str]) -> str:
    sep = adapter.HASH_SQL["concat_sep"]  # type: ignore[attr-defined]
    return _t(adapter, "concat", parts=sep.join(parts))


def _value(adapter: Adapter, col: str, side_kind: str, kind: str) -> str:
    """One column's canonical text on one engine, by the pair kind."""
    text = lambda x: _t(adapter, "text", x=x)  # noqa: E731 - a local shorthand
    if kind == EXACT:
        return _t(adapter, "bool", x=col) if side_kind == "bool" else _t(adapter, "exact",
                                                                          x=text(col))
    if kind == FLOAT:
        num = _t(adapter, "bool", x=col) if side_kind == "bool" else col
        return _t(adapter, "float", x=_t(adapter, "double", x=num))
    if kind == DATE:
        return _t(adapter, "date", x=col)
    if kind == TIMESTAMP:
        return _t(adapter, "date_ts" if side_kind == "date" else "timestamp", x=col)
    return text(col)


def _field(adapter: Adapter, value: str) -> str:
    length = _t(adapter, "text", x=_t(adapter, "length", x=value))
    return f"COALESCE({_concat(adapter, [length, repr(':'), value])}, 'N')"


def encodings(adapter: Adapter, plans: list[ColumnPlan], side: str,
              key: list[ColumnPlan]) -> tuple[str, str]:
    """(row encoding, key encoding) expressions over subquery alias q."""
    def enc(cols: list[ColumnPlan]) -> str:
        fields = []
        for p in cols:
            name = p.name if side == "source" else p.target_name
            kind = p.source_kind if side == "source" else p.target_kind
            fields.append(_field(adapter, _value(adapter, f"q.{adapter.quote(name)}", kind,
                                                 p.kind)))
        joined = [f for pair in zip(fields, ["'|'"] * len(fields), strict=True) for f in pair]
        return _concat(adapter, joined[:-1]) if len(joined) > 1 else fields[0]
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


def _merge(report: DiffReport, totals: tuple[int, int], fetched: tuple[int, int],
           evidence: _Evidence) -> DiffReport:
    """Scale the report on the fetched rows up to the whole tables: rows outside the fetched
    segments sit in segments whose checksums agree, so they are pairs of equal rows."""
    outside = totals[0] - fetched[0]
    report.rows_source, report.rows_target = totals
    report.rows_matched += outside
    rows = max(totals)
    report.score = report.rows_matched / rows if rows else 1.0
    report.vacuous = rows == 0
    for col in report.columns:
        col.compared += outside
        col.match_rate = 1.0 if not col.compared else 1 - col.mismatched / col.compared
    report.engine = f"checksum+{report.engine}"
    report.evidence = {
        "algorithm": "checksum",
        "levels": [vars(level) for level in evidence.levels],
        "fetched_rows": {"source": fetched[0], "target": fetched[1]},
    }
    return report


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
    # One connection cannot run two statements at once: parallel only across two adapters.
    with ThreadPoolExecutor(max_workers=1 if source is target else 2) as pool:
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
        s_row, s_key = encodings(source, plans, "source", keys)
        t_row, t_key = encodings(target, plans, "target", keys)
        evidence = _Evidence()
        if rows_hint is None:  # a count is far cheaper than a hashing pass over the rows
            rows_hint = _count(source, source_sql)
        prefixes, digits, totals = _bisect(source, (source_sql, s_row, s_key), target,
                                           (target_sql, t_row, t_key), rows_hint, opts, pool,
                                           evidence)
        if prefixes:
            fs = pool.submit(source.read_arrow, _fetch_sql(source, source_sql, s_key, prefixes,
                                                          digits))
            ft = pool.submit(target.read_arrow, _fetch_sql(target, target_sql, t_key, prefixes,
                                                          digits))
            s_rows, t_rows = fs.result(), ft.result()
        else:
            s_rows, t_rows = s_head.slice(0, 0), t_head.slice(0, 0)
    report = compare(s_rows, t_rows, key=key, tolerances=tolerances, default_float=default_float,
                     sample_rows=sample_rows)
    return _merge(report, totals, (s_rows.num_rows, t_rows.num_rows), evidence)


