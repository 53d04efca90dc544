"""Key-range segments (the checksum's bisection by key) and the push-down of two SQLite files,
through `cutover diff` on real SQLite and DuckDB files, judged against the stream algorithm."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path
from typing import Any

import duckdb
import pytest
from typer.testing import CliRunner

from cutover.cli import app
from tools.db.registry import open_adapter
from tools.diff.checksum import ChecksumOptions, checksum_diff
from tools.diff.key_ranges import Segments


def test_segments_cover_split_and_merge() -> None:
    segs = Segments(-5, 94, 10)
    assert segs.count() == 10 and segs.ranges() == [(-5, 94)]
    assert segs.bounds(0) == (-5, 4) and segs.bounds(9) == (85, 94)
    child = segs.split([2, 3, 7], 4)  # width 10 -> 3: children of 15..34 and 65..74
    assert child.width == 3
    covered = [k for seg in child.ids or () for k in range(child.bounds(seg)[0],
                                                          child.bounds(seg)[1] + 1)]
    assert set(range(15, 35)) | set(range(65, 75)) <= set(covered)
    assert min(covered) >= 13 and max(covered) <= 76  # only the differing ranges, rounded
    chunks = segs.chunks(3)
    assert sum(len(c.ids or ()) for c in chunks) == 10
    assert [c.ranges() for c in chunks] == [[(-5, 34)], [(35, 74)], [(75, 94)]]


def _sqlite(path: Path, rows: list[tuple[Any, ...]], collate: str = "") -> str:
    con = sqlite3.connect(path)
    con.execute(f"CREATE TABLE t (id INTEGER PRIMARY KEY, name TEXT {collate}, x REAL, "
                f"amt NUMERIC(10,2))")
    con.executemany("INSERT INTO t VALUES (?, ?, ?, ?)", rows)
    con.commit()
    con.close()
    return f"sqlite:///{path}"


ROWS = [(i, f"n{i}", i * 0.5, None if i % 7 == 0 else i / 4) for i in range(2000)]


def _planted() -> list[tuple[Any, ...]]:
    out = []
    for i, name, x, amt in ROWS:
        if i == 5:
            continue
        name = "N7" if i == 7 else name          # case only: NOCASE says equal
        x = x + 1e-12 if i == 9 else x           # noise within tolerance
        x = x + 1 if i == 11 else x              # a change
        amt = 1.0 if i == 14 else amt            # NULL -> number (14 % 7 == 0)
        out.append((i, name, x, amt))
    return out + [(5000, "new", 1.0, None)]


def _run(*args: str, out: Path) -> tuple[int, dict[str, Any]]:
    result = CliRunner().invoke(app, ["diff", *args, "--json", str(out)])
    assert result.exit_code in (0, 1), result.output
    return result.exit_code, json.loads(out.read_text())


def _counts(r: dict[str, Any]) -> tuple:
    return (r["verdict"], r["rows_source"], r["rows_target"], r["rows_matched"],
            r["changed_count"], r["only_in_source_count"], r["only_in_target_count"],
            sorted((c["name"], c["compared"], c["mismatched"]) for c in r["columns"]))


def test_two_sqlite_files_are_compared_inside_sqlite(tmp_path: Path) -> None:
    a = _sqlite(tmp_path / "a.db", ROWS, "COLLATE NOCASE")
    b = _sqlite(tmp_path / "b.db", _planted(), "COLLATE NOCASE")
    same = _sqlite(tmp_path / "c.db", ROWS)
    code, pushed = _run(a, "t", b, "t", "--algorithm", "pushdown", out=tmp_path / "p.json")
    _, streamed = _run(a, "t", b, "t", "--algorithm", "stream", out=tmp_path / "s.json")
    assert code == 1 and pushed["evidence"]["algorithm"] == "pushdown"
    assert _counts(pushed) == _counts(streamed)
    assert (pushed["changed_count"], pushed["only_in_source_count"],
            pushed["only_in_target_count"]) == (3, 1, 1)  # 7 (bytes differ), 11, 14
    assert pushed["evidence"]["fetched_rows"]["source"] <= 6  # 5, 7, 9, 11, 14
    code, equal = _run(a, "t", same, "t", "--algorithm", "pushdown", out=tmp_path / "e.json")
    assert code == 0 and equal["evidence"]["fetched_rows"] == {"source": 0, "target": 0}


def test_sqlite_pushdown_needs_a_primary_key(tmp_path: Path) -> None:
    a = _sqlite(tmp_path / "a.db", ROWS)
    b = _sqlite(tmp_path / "b.db", _planted())
    result = CliRunner().invoke(app, ["diff", a, "SELECT name, x FROM t", b, "t", "--key",
                                      "name", "--algorithm", "pushdown"])
    assert result.exit_code == 1
    assert "push-down asked for, but" in result.output


@pytest.mark.parametrize("fetch_rows", [10, 10**6])
def test_key_range_checksum_bisects_only_differing_ranges(tmp_path: Path,
                                                         fetch_rows: int) -> None:
    db = tmp_path / "x.duckdb"
    con = duckdb.connect(str(db))
    con.execute("CREATE TABLE s AS SELECT i AS id, i * 2 AS v FROM range(-3000, 7000) r(i)")
    con.execute("CREATE TABLE t AS SELECT id, CASE WHEN id IN (-2999, 4242) THEN v + 1 ELSE v "
                "END AS v FROM s WHERE id <> 17 UNION ALL SELECT NULL, 5")
    con.close()
    a = open_adapter(f"duckdb:///{db}", "source")
    r = checksum_diff(a, "SELECT * FROM s", a, "SELECT * FROM t", key=["id"],
                      options=ChecksumOptions(rows_per_bucket=64, fetch_rows=fetch_rows))
    assert (r.changed_count, r.only_in_source_count, r.only_in_target_count) == (2, 1, 1)
    assert r.rows_source == 10000 and r.rows_target == 10000
    levels = r.evidence["levels"]
    assert all(level["width"] >= 1 for level in levels)
    if fetch_rows == 10:  # drilled down to single keys: only those rows left the engine
        assert len(levels) >= 2 and levels[-1]["width"] == 1
        assert r.evidence["fetched_rows"]["source"] == 3


def test_key_range_counts_come_from_the_first_pass(tmp_path: Path) -> None:
    """No count(*) pass: the row totals are the first level's segment counts plus the NULL
    keys, exact on a sparse key (span far beyond the row count) with NULL keys on one side
    and a differing row count on the other."""
    db = tmp_path / "sparse.duckdb"
    con = duckdb.connect(str(db))
    con.execute("CREATE TABLE s AS SELECT i * 1000003::BIGINT AS id, i % 7 AS v "
                "FROM range(5000) r(i) UNION ALL SELECT NULL, 1 UNION ALL SELECT NULL, 2")
    con.execute("CREATE TABLE t AS SELECT id, CASE WHEN id = 4242 * 1000003::BIGINT "
                "THEN v + 1 ELSE v END AS v FROM s "
                "WHERE id IS NOT NULL AND id <> 17 * 1000003::BIGINT "
                "UNION ALL SELECT 9000000000000::BIGINT, 0")
    con.close()
    a = open_adapter(f"duckdb:///{db}", "source")
    r = checksum_diff(a, "SELECT * FROM s", a, "SELECT * FROM t", key=["id"])
    assert (r.rows_source, r.rows_target) == (5002, 5000)
    # 4242 changed, 17 and the two NULL-keyed rows only in the source, the far key only in
    # the target (NULL keys never pair).
    assert (r.changed_count, r.only_in_source_count, r.only_in_target_count) == (1, 3, 1)
    same = checksum_diff(a, "SELECT * FROM t", a, "SELECT * FROM t", key=["id"])
    assert same.verdict == "parity" and (same.rows_source, same.rows_target) == (5000, 5000)
    assert same.evidence["fetched_rows"] == {"source": 0, "target": 0}


def test_an_ordered_pass_is_cut_into_queries_of_bounded_rows(tmp_path: Path,
                                                              monkeypatch) -> None:
    """Each query of an ordered checksum's pass holds about ORDERED_MAX_ROWS rows, on dense
    keys and on sparse ones (where a query spans many segments), and the checksums are those
    of one query over everything."""
    from tools.diff import key_ranges as kr

    db = tmp_path / "k.duckdb"
    con = duckdb.connect(str(db))
    con.execute("CREATE TABLE dense AS SELECT i AS id, i % 7 AS v FROM range(10000) r(i)")
    con.execute("CREATE TABLE sparse AS SELECT i * 1000003::BIGINT AS id, i % 7 AS v "
                "FROM range(3000) r(i)")
    con.close()
    a = open_adapter(f"duckdb:///{db}", "source")
    sizes: list[int] = []
    read = kr._read

    def counted(adapter, sql, ordered):  # type: ignore[no-untyped-def]
        got = read(adapter, sql, ordered)
        sizes.append(sum(n for n, _ in got.values()))
        return got

    for table, hi in (("dense", 9999), ("sparse", 2999 * 1000003)):
        side = kr.Side([a], f"SELECT * FROM {table}", 'q."id"', "CAST(q.v AS VARCHAR)",
                       lambda h, k: f"md5(string_agg({h}, ',' ORDER BY {k}))", ordered=True)
        segs = kr.Segments(0, hi, max(1, (hi + 1) // 4096))
        whole = read(a, side.pass_sql(segs), True)
        monkeypatch.setattr(kr, "ORDERED_MAX_ROWS", 1000)
        monkeypatch.setattr(kr, "_read", counted)
        sizes.clear()
        assert kr._read_in_batches(a, side, segs) == whole
        assert sum(sizes) == (10000 if table == "dense" else 3000)
        assert max(sizes) <= 1000 * kr.GROWTH and len(sizes) < 40, sizes
        monkeypatch.undo()
