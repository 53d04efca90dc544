"""diff_urls(): the `cutover diff` pipeline behind the CLI — open both engines read-only, resolve
table-or-query, pick the algorithm, compare, and return the report with how it was made.

Choosing the algorithm (`auto`), from STACK-FACTS' measurements: streaming rows out and
comparing in DuckDB beats hashing inside the database unless the link is slow. So `auto` picks
`checksum` only when both sides are servers whose adapters carry hash expressions, a key is
known, the larger side has at least AUTO_CHECKSUM_ROWS rows, and a round trip to either server
takes at least SLOW_LINK_MS; everything else streams. Where `auto` would pick `checksum` and
one engine sees both sides with the key as both tables' primary key, it pushes the diff down
instead (pushdown.py): only the differing rows leave that engine. On a fast link streaming
is faster than a server's own join, so `auto` streams there; two SQLite files are always
pushed down (SQLite's join beats copying both files out).
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Literal

from tools.db.base import Adapter
from tools.db.registry import is_embedded, open_adapter
from tools.diff.compare import compare
from tools.diff.inputs import Input, resolve
from tools.diff.report import DiffReport
from tools.diff.stream import Progress, StreamOptions, stream_diff
from tools.errors import ConfigError, CutoverError
from tools.records import Tolerance

Algorithm = Literal["auto", "stream", "checksum", "pushdown"]
AUTO_CHECKSUM_ROWS = 1_000_000
SLOW_LINK_MS = 5.0


@dataclass
class DiffRequest:
    source_url: str
    source: str
    """Table name or query on the source."""
    target_url: str
    target: str
    key: list[str] | None = None
    columns: list[str] | None = None
    where: str | None = None
    tolerances: dict[str, Tolerance] = field(default_factory=dict)
    algorithm: Algorithm = "auto"
    sample_rows: int = 10
    limit_rows: int | None = None
    """Compare at most this many rows per side (a quick look, not a proof)."""
    ordered: bool | None = None
    """Compare positions too; None: when the source query has a top-level ORDER BY."""
    engine: Literal["duckdb", "spark"] = "duckdb"
    """Where rows are compared: in-process DuckDB, or Spark (datacompy's Spark backend)."""
    timeout_s: float = 3600.0
    stream: StreamOptions = field(default_factory=StreamOptions)


@dataclass
class DiffOutcome:
    report: DiffReport
    algorithm: str
    """The algorithm that ran, and why when `auto` chose it."""
    source_sql: str
    target_sql: str
    notes: list[str] = field(default_factory=list)


def _round_trip_ms(adapter: Adapter) -> float:
    started = time.perf_counter()
    adapter.read_arrow("SELECT 1 AS one")
    return (time.perf_counter() - started) * 1000


def choose(req: DiffRequest, src: Adapter, tgt: Adapter, key: list[str] | None,
           rows: int | None, ordered: bool = False) -> tuple[str, str]:
    """(algorithm, reason) for `auto`; explicit choices pass through."""
    if req.algorithm != "auto":
        return req.algorithm, "asked for"
    if ordered:
        return "stream", "auto: the order of rows is compared, which segment checksums cannot"
    if any(is_embedded(u) for u in (req.source_url, req.target_url)):
        return "stream", "auto: an embedded engine is local, streaming is fastest"
    from tools.diff import checksum  # imported when a choice needs it: start-up stays short

    if not (checksum.supported(src) and checksum.supported(tgt)) or not key:
        return "stream", "auto: checksums need a key and hash expressions on both engines"
    if rows is None or rows < AUTO_CHECKSUM_ROWS:
        return "stream", f"auto: fewer than {AUTO_CHECKSUM_ROWS:,} rows"
    rtt = max(_round_trip_ms(src), _round_trip_ms(tgt))
    if rtt < SLOW_LINK_MS:
        return "stream", f"auto: fast link ({rtt:.1f} ms round trip)"
    return "checksum", f"auto: {rows:,} rows over a slow link ({rtt:.1f} ms round trip)"


def _limited(sql: str, limit: int | None) -> str:
    return sql if limit is None else f"SELECT * FROM ({sql}) lim LIMIT {int(limit)}"


def diff_urls(req: DiffRequest, on_rows: Progress | None = None,
              on_total: object = None) -> DiffOutcome:
    """Run one diff. Both engines are opened with the read-only *source* role: a diff never
    writes, and a missing DuckDB/SQLite file is then an error instead of a new empty file."""
    src = open_adapter(req.source_url, "source", timeout_s=req.timeout_s)
    try:
        tgt = open_adapter(req.target_url, "source", timeout_s=req.timeout_s)
    except BaseException:
        src.close()
        raise
    started = time.perf_counter()
    try:
        outcome = _diff(req, src, tgt, on_rows, on_total)
        outcome.report.seconds = time.perf_counter() - started
        return outcome
    finally:
        src.close()
        tgt.close()


def _key_for(req: DiffRequest, a: Input, b: Input) -> list[str] | None:
    if req.key:
        return req.key
    pk = a.primary_key or b.primary_key
    if pk and (not req.columns or all(k.lower() in map(str.lower, req.columns) for k in pk)):
        return pk
    return None


def _diff(req: DiffRequest, src: Adapter, tgt: Adapter, on_rows: Progress | None,
          on_total: object) -> DiffOutcome:
    a = resolve(src, req.source_url, req.source, req.columns, req.where)
    b = resolve(tgt, req.target_url, req.target, req.columns, req.where)
    key = _key_for(req, a, b)
    rows = max(a.row_count or 0, b.row_count or 0) or None
    if req.limit_rows is not None:
        rows = min(rows or req.limit_rows, req.limit_rows)
    if callable(on_total):
        on_total(a.row_count, b.row_count)
    ordered = req.ordered if req.ordered is not None else a.order_by is not None
    order_by = (a.order_by or b.order_by or None) if ordered else None
    algorithm, why = choose(req, src, tgt, key, rows, ordered)
    notes = [f"algorithm: {algorithm} ({why})"]
    # On a fast link streaming beats a server's own join (benchmarks/RESULTS.md: PostgreSQL
    # schemas, 1M rows); where auto would hash in place for a slow link, joining in place wins.
    # Two SQLite files: SQLite's join by primary key beats copying both out (3x at 300k rows).
    sqlite_pair = src.DIALECT == tgt.DIALECT == "sqlite" and not ordered
    if req.engine == "duckdb" and (req.algorithm == "pushdown" or (
            req.algorithm == "auto" and (algorithm == "checksum" or sqlite_pair)
            and req.limit_rows is None)):
        pushed = _pushdown(req, src, tgt, a, b, key, notes, on_rows)
        if pushed is not None:
            return DiffOutcome(pushed, "pushdown", a.sql, b.sql, notes)
        if req.algorithm == "pushdown":
            algorithm = "stream"
    if ordered and algorithm == "checksum":
        notes.append("order of rows not compared: checksums compare content only")
    elif a.order_dropped and req.ordered is None:
        notes.append("order of rows not compared: --columns/--where wrap the source query, and "
                     "the wrapping query defines no order (--ordered compares positions anyway)")
    elif ordered:
        how = "asked for" if req.ordered else "the source query has a top-level ORDER BY"
        ties = f"; ties on {', '.join(order_by)} are judged" if order_by else ""
        notes.append(f"rows compared in order too ({how}{ties})")
    if key and not req.key:
        notes.append(f"key from the catalog's primary key: {', '.join(key)}")
    s_sql, t_sql = _limited(a.sql, req.limit_rows), _limited(b.sql, req.limit_rows)
    if req.limit_rows is not None:
        notes.append(f"only the first {req.limit_rows:,} rows of each side were compared")
    args = dict(key=key, tolerances=req.tolerances, sample_rows=req.sample_rows)
    if req.engine == "spark":
        from tools.diff.spark_engine import spark_diff  # Spark's session is the heavy part

        notes[0] = "algorithm: datacompy's Spark backend (--engine spark), keyed"
        if ordered:
            notes.append("order of rows not compared: the Spark engine joins on the key")
        report = spark_diff(src, s_sql, tgt, t_sql, key=key, tolerances=req.tolerances,
                            sample_rows=req.sample_rows, batch_rows=req.stream.batch_rows,
                            on_rows=on_rows)
        return DiffOutcome(report, "spark", s_sql, t_sql, notes)
    if algorithm == "checksum":
        from tools.diff import checksum

        if not key:
            raise ConfigError("--algorithm checksum needs a key: pass --key COLS (the table has "
                              "no primary key), or use --algorithm stream")
        report = checksum.checksum_diff(src, s_sql, tgt, t_sql, key=key,
                                        tolerances=req.tolerances, sample_rows=req.sample_rows)
    else:
        report = stream_diff(src, s_sql, tgt, t_sql, expected_rows=rows, options=req.stream,
                             on_rows=on_rows, ordered=ordered, order_by=order_by, **args)
    return DiffOutcome(report, algorithm, s_sql, t_sql, notes)


def _pushdown(req: DiffRequest, src: Adapter, tgt: Adapter, a: Input, b: Input,
              key: list[str] | None, notes: list[str],
              on_rows: Progress | None = None) -> DiffReport | None:
    """The diff inside the one engine that sees both sides, or None (with a note when it was
    asked for) to stream instead."""
    from tools.diff import pushdown

    where, why = pushdown.place(src, tgt, a, b, key, req.columns, req.where)
    asked = req.algorithm == "pushdown"
    if where is None or not where.key:
        if asked:
            notes[0] = f"algorithm: stream (push-down asked for, but {why})"
        return None
    try:
        key = where.key
        found = pushdown.find(src, a, tgt, b, where, key, req.tolerances)
    except CutoverError as exc:  # e.g. column types the engine cannot compare to each other
        notes[0] = f"algorithm: stream (the push-down statement failed: {str(exc)[:200]})"
        return None
    if found is None:
        notes[0] = (f"algorithm: stream (push-down found more than {pushdown.MAX_KEYS:,} "
                    f"differing keys, or keys it cannot list: streaming is cheaper)")
        return None
    from tools.diff.partial import scaled_up

    if on_rows:  # the engine read every row of both sides in place
        on_rows("source", found.totals[0])
        on_rows("target", found.totals[1])

    report = compare(found.source_rows, found.target_rows, key=key, tolerances=req.tolerances,
                     sample_rows=req.sample_rows)
    report = scaled_up(report, found.totals, "pushdown", {"differing_keys": found.differing_keys})
    notes[0] = (f"algorithm: pushdown ({'asked for' if asked else 'auto'}: {why}; the engine "
                f"compared the rows in place, {found.differing_keys:,} differing keys fetched)")
    return report
