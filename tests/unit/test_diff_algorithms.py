"""The stream and checksum algorithms on embedded engines: bounded loading, spilling, bisection,
and agreement with the in-process compare()."""

from __future__ import annotations

import random
import sqlite3
from collections.abc import Iterator
from pathlib import Path

import duckdb
import pyarrow as pa
import pytest

from tools.db.registry import open_adapter
from tools.diff import run as diffrun
from tools.diff.checksum import ChecksumOptions, checksum_diff
from tools.diff.compare import compare
from tools.diff.normalise import connect
from tools.diff.stream import StreamOptions, load, stream_diff


def test_load_conforms_later_batches() -> None:
    # SQLite infers types per batch: NULL-only first, then ints; ints first, then text.
    b1 = pa.record_batch({"a": pa.array([None, None]), "b": pa.array([1, 2])})
    b2 = pa.record_batch({"a": pa.array([5, 6]), "b": pa.array(["x", "3"])})
    con = connect()
    side = load(con, "s_raw", iter([b1, b2]), lambda: b1.schema)
    assert side.rows == 4
    got = con.execute("SELECT a, b, __rid FROM s_raw ORDER BY __rid").fetchall()
    assert got == [(None, "1", 0), (None, "2", 1), (5, "x", 2), (6, "3", 3)]


def test_load_empty_result_keeps_the_schema() -> None:
    schema = pa.schema([("id", pa.int64()), ("v", pa.string())])
    con = connect()
    side = load(con, "s_raw", iter([]), lambda: schema)
    assert side.rows == 0 and side.schema.names == ["id", "v"]


@pytest.fixture
def pair(tmp_path: Path) -> Iterator[tuple[str, str]]:
    """DuckDB source and SQLite target with 5,000 rows and a few planted differences."""
    rng = random.Random(7)
    rows = [(i, rng.randint(-1000, 1000), round(rng.uniform(-1e6, 1e6), 6), f"t{i % 97}",
             rng.random() < 0.5) for i in range(5000)]
    s = tmp_path / "s.duckdb"
    con = duckdb.connect(str(s))
    con.execute("CREATE TABLE t (id INTEGER PRIMARY KEY, n INTEGER, x DOUBLE, s VARCHAR, "
                "f BOOLEAN)")
    # From Arrow: DuckDB's executemany inserts row by row (~26 s for these 5,000 rows).
    columns = zip(("id", "n", "x", "s", "f"), map(list, zip(*rows, strict=True)), strict=True)
    con.register("generated", pa.table(dict(columns)))
    con.execute("INSERT INTO t SELECT * FROM generated")
    con.close()
    planted = [r for r in rows if r[0] not in (10, 2000)]
    planted = [(i, n + (1 if i == 33 else 0), x, "T" if i == 4444 else sv, f)
               for i, n, x, sv, f in planted] + [(9999, 1, 1.0, "new", False)]
    t = tmp_path / "t.db"
    scon = sqlite3.connect(t)
    scon.execute("CREATE TABLE t (id INTEGER PRIMARY KEY, n INTEGER, x REAL, s TEXT, f BOOLEAN)")
    scon.executemany("INSERT INTO t VALUES (?, ?, ?, ?, ?)", planted)
    scon.commit()
    scon.close()
    yield f"duckdb:///{s}", f"sqlite:///{t}"


def _figures(r) -> tuple:  # type: ignore[no-untyped-def]
    return (r.verdict, r.rows_source, r.rows_target, r.rows_matched, r.changed_count,
            r.only_in_source_count, r.only_in_target_count,
            sorted((c.name, c.mismatched) for c in r.columns))


def test_stream_spilled_equals_in_memory_and_compare(pair: tuple[str, str]) -> None:
    a, b = open_adapter(pair[0], "source"), open_adapter(pair[1], "source")
    q = "SELECT * FROM t"
    in_mem = stream_diff(a, q, b, q, expected_rows=10, key=["id"])
    spilled = stream_diff(a, q, b, q, key=["id"],
                          options=StreamOptions(batch_rows=700, spill_rows=0,
                                                memory_limit="64MB"))
    direct = compare(a.read_arrow(q), b.read_arrow(q), key=["id"])
    assert _figures(in_mem) == _figures(spilled) == _figures(direct)
    assert in_mem.changed_count == 2 and in_mem.only_in_source_count == 2
    assert spilled.engine.startswith("stream+")


def test_checksum_bisects_and_agrees_with_stream(pair: tuple[str, str]) -> None:
    a, b = open_adapter(pair[0], "source"), open_adapter(pair[1], "source")
    q = "SELECT * FROM t"
    via_stream = stream_diff(a, q, b, q, key=["id"])
    opts = ChecksumOptions(rows_per_bucket=64, fetch_rows=20)
    via_sum = checksum_diff(a, q, b, q, key=["id"], options=opts)
    assert _figures(via_sum) == _figures(via_stream)
    levels = via_sum.evidence["levels"]
    assert len(levels) >= 2 and levels[-1]["rows_in_differing"] <= 20
    fetched = via_sum.evidence["fetched_rows"]
    assert 0 < fetched["source"] < 100  # only the differing segments' rows left the engines
    equal = checksum_diff(a, q, a, q, key=["id"], options=opts)
    assert equal.verdict == "parity" and equal.evidence["fetched_rows"]["source"] == 0
    # SQLite cannot aggregate in order: both sides sum row hashes
    assert via_sum.evidence["segment_checksum"] == "sum of row hashes"


def test_ordered_segment_checksum_sees_values_swapped_between_rows(tmp_path: Path) -> None:
    """Two rows of one segment trading a value: the segment holds the same multiset of
    values per column, and only a checksum over whole rows tells it apart."""
    db = tmp_path / "x.duckdb"
    duckdb.connect(str(db)).close()
    a = open_adapter(f"duckdb:///{db}", "source")
    base = "SELECT i AS id, i * 10 AS v FROM range(100) r(i)"
    swapped = ("SELECT i AS id, CASE i WHEN 3 THEN 40 WHEN 4 THEN 30 ELSE i * 10 END AS v "
               "FROM range(100) r(i)")
    r = checksum_diff(a, base, a, swapped, key=["id"])
    assert r.evidence["segment_checksum"] == "md5 of the rows in key order"
    assert r.verdict == "mismatch" and r.changed_count == 2


@pytest.mark.parametrize(("left", "right"), [
    ("SELECT 1 AS id, 'ab' AS a, 'c' AS b", "SELECT 1 AS id, 'a' AS a, 'bc' AS b"),
    ("SELECT 1 AS id, NULL AS a", "SELECT 1 AS id, '' AS a"),
    ("SELECT 1 AS id, 'NULL' AS a", "SELECT 1 AS id, NULL AS a"),
    ("SELECT 1 AS id, 0.1 AS a", "SELECT 1 AS id, 0.1000001 AS a"),
])
def test_checksum_encoding_tells_values_apart(tmp_path: Path, left: str, right: str) -> None:
    db = tmp_path / "x.duckdb"
    duckdb.connect(str(db)).close()
    a = open_adapter(f"duckdb:///{db}", "source")
    r = checksum_diff(a, left, a, right, key=["id"])
    assert r.verdict == "mismatch" and r.evidence["levels"][0]["differing"] == 1


def test_auto_rule(monkeypatch: pytest.MonkeyPatch, pair: tuple[str, str]) -> None:
    a, b = open_adapter(pair[0], "source"), open_adapter(pair[1], "source")
    req = diffrun.DiffRequest(pair[0], "t", pair[1], "t")
    assert diffrun.choose(req, a, b, ["id"], 10**9)[0] == "stream"  # embedded engines
    req = diffrun.DiffRequest("postgresql://h/db", "t", "mysql://h/db", "t")
    monkeypatch.setattr(diffrun, "_round_trip_ms", lambda adapter: 40.0)
    assert diffrun.choose(req, a, b, ["id"], 10**7)[0] == "checksum"
    assert diffrun.choose(req, a, b, ["id"], 10**4)[0] == "stream"
    assert diffrun.choose(req, a, b, None, 10**7)[0] == "stream"
    monkeypatch.setattr(diffrun, "_round_trip_ms", lambda adapter: 0.3)
    assert diffrun.choose(req, a, b, ["id"], 10**7)[0] == "stream"


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_narrowed_large_path_agrees_with_the_full_join(seed: int) -> None:
    """Above datacompy_max_rows only rows whose hashes differ reach the full join; the report
    must be the one the full join gives (noise, NULLs, duplicates, one-sided rows)."""
    rng = random.Random(seed)
    n = 400
    ids = list(range(n)) + ([5, 5] if seed == 2 else [])
    s = pa.table({"id": ids, "x": [float(i) / 3 for i in ids],
                  "t": [None if i % 17 == 0 else f"v{i}" for i in ids]})
    xs = [v + (1e-12 if rng.random() < 0.1 else 0) + (1 if rng.random() < 0.02 else 0)
          for v in s.column("x").to_pylist()]
    t = pa.table({"id": ids, "x": xs, "t": s.column("t")}).slice(3)
    full = compare(s, t, key=["id"], datacompy_max_rows=10**9)
    fast = compare(s, t, key=["id"], datacompy_max_rows=0)
    a = full.model_dump(exclude={"engine", "seconds", "columns"})
    b = fast.model_dump(exclude={"engine", "seconds", "columns"})
    assert a == b
    for c, d in zip(full.columns, fast.columns, strict=True):
        assert (c.compared, c.mismatched, c.null_mismatches) == (d.compared, d.mismatched,
                                                                d.null_mismatches)
