"""Two DuckDB files are diffed in place: the comparing DuckDB attaches both read-only, a
one-table read becomes a view over the file (no copy), any other query is copied by DuckDB
itself; every path finds exactly the planted differences."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest

from tools.db.duckdb_file_scan import _view_over_table
from tools.diff.run import DiffRequest, diff_urls

ROWS = 3000


@pytest.fixture(scope="module")
def files(tmp_path_factory: pytest.TempPathFactory) -> tuple[str, str]:
    """source and target files; target: id % 100 == 1 changed, == 2 deleted, 30 rows added."""
    base = tmp_path_factory.mktemp("pushdown")
    src, tgt = base / "s.duckdb", base / "t.duckdb"
    con = duckdb.connect(str(src))
    con.execute("CREATE TABLE t AS SELECT i AS id, i * 1.5 AS x, 'v' || i AS name, "
                "DATE '2020-01-01' + CAST(i AS INTEGER) AS day FROM range(3000) r(i)")
    con.execute("CREATE VIEW v AS SELECT * FROM t")
    con.close()
    con = duckdb.connect(str(tgt))
    con.execute(f"ATTACH '{src}' AS s (READ_ONLY)")
    con.execute("CREATE TABLE t AS SELECT id, CASE WHEN id % 100 = 1 THEN x + 1 ELSE x END "
                "AS x, name, day FROM s.t WHERE id % 100 <> 2 UNION ALL "
                "SELECT id + 3000, x, name, day FROM s.t WHERE id % 100 = 0")
    con.execute("CREATE VIEW v AS SELECT * FROM t")
    con.close()
    return f"duckdb:///{src}", f"duckdb:///{tgt}"


def _found(report: object) -> tuple[int, int, int]:
    return (report.changed_count, report.only_in_source_count,  # type: ignore[attr-defined]
            report.only_in_target_count)  # type: ignore[attr-defined]


@pytest.mark.parametrize(("source", "target", "in_place"), [
    ("t", "t", True),
    ("SELECT id, x, name FROM t WHERE id >= 0", "SELECT id, x, name FROM t WHERE id >= 0", True),
    ("SELECT * FROM v", "SELECT * FROM v", False),  # a view has no rowid: copied instead
    ("SELECT t.* FROM t JOIN (SELECT DISTINCT id FROM t) k USING (id)", "t", False),
])
def test_two_duckdb_files_are_diffed_in_duckdb(files: tuple[str, str], source: str,
                                                target: str, in_place: bool) -> None:
    s_url, t_url = files
    report = diff_urls(DiffRequest(s_url, source, t_url, target, key=["id"],
                                   algorithm="stream")).report
    assert _found(report) == (30, 30, 30)
    assert report.evidence["read"] == {"source": "scanned by DuckDB",
                                       "target": "scanned by DuckDB"}
    assert ("compared in place" in report.evidence["read_via"]["source"]) == in_place
    equal = diff_urls(DiffRequest(s_url, source, s_url, source, key=["id"])).report
    assert _found(equal) == (0, 0, 0)
    assert equal.verdict == "parity"


def test_an_ordered_diff_reads_arrow_batches(files: tuple[str, str]) -> None:
    """Positions matter to an ordered compare: only the Arrow path keeps them for certain."""
    s_url, t_url = files
    query = "SELECT id, name FROM t ORDER BY id"
    report = diff_urls(DiffRequest(s_url, query, s_url, query)).report
    assert report.evidence["read"]["source"] == "Arrow batches"
    assert _found(report) == (0, 0, 0)


@pytest.mark.parametrize(("sql", "view"), [
    ("SELECT * FROM t", "SELECT *, t.rowid AS __rid FROM al.main.t"),
    ("SELECT a FROM s.t x WHERE a > 1", "SELECT a, x.rowid AS __rid FROM al.s.t AS x WHERE a > 1"),
    ("SELECT count(*) FROM t", None),
    ("SELECT * FROM t LIMIT 5", None),
    ("SELECT DISTINCT a FROM t", None),
    ("WITH w AS (SELECT 1 AS a) SELECT * FROM w", None),
    ("SELECT * FROM t WHERE a IN (SELECT a FROM u)", None),
    ("SELECT * FROM other.main.t", None),
])
def test_only_a_plain_read_of_one_table_becomes_a_view(sql: str, view: str | None) -> None:
    assert _view_over_table(sql, "al") == view


def test_missing_file_is_a_clear_error(tmp_path: Path) -> None:
    from tools.errors import CutoverError

    with pytest.raises(CutoverError, match="not found"):
        diff_urls(DiffRequest(f"duckdb:///{tmp_path}/nope.duckdb", "t",
                              f"duckdb:///{tmp_path}/nope.duckdb", "t"))
