"""`cutover diff` as a user meets it, on embedded engines (SQLite, DuckDB files): exit codes,
the report on screen and in files, options, and one-paragraph errors without tracebacks."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import duckdb
import pyarrow as pa
import pytest
from typer.testing import CliRunner

from cutover.cli import app
from cutover.diff_cli import parse_tolerances
from graph.context import Tolerance
from tools.diff.inputs import is_table_ref, split_ref


@pytest.fixture
def dbs(tmp_path: Path) -> tuple[str, str]:
    """A SQLite source and a DuckDB target holding `t` (equal), `t2` (changed) and `k`."""
    src = tmp_path / "src.db"
    con = sqlite3.connect(src)
    con.execute("CREATE TABLE t (id INTEGER PRIMARY KEY, name TEXT, price REAL, d DATE)")
    rows = [(i, f"n{i}", i * 1.25, f"2024-01-{1 + i % 28:02d}") for i in range(1, 201)]
    con.executemany("INSERT INTO t VALUES (?, ?, ?, ?)", rows)
    con.execute("CREATE TABLE k (g INTEGER, v TEXT)")
    con.executemany("INSERT INTO k VALUES (?, ?)", [(1, "a"), (1, "a"), (2, "b")])
    con.commit()
    con.close()
    tgt = tmp_path / "tgt.duckdb"
    dcon = duckdb.connect(str(tgt))
    dcon.execute("CREATE TABLE t (id INTEGER PRIMARY KEY, name VARCHAR, price DOUBLE, d DATE)")
    # From Arrow: DuckDB's executemany inserts row by row (~1-2 s for these 200 rows).
    columns = zip(("id", "name", "price", "d"), map(list, zip(*rows, strict=True)), strict=True)
    dcon.register("generated", pa.table(dict(columns)))
    dcon.execute("INSERT INTO t SELECT id, name, price, CAST(d AS DATE) FROM generated")
    dcon.execute("CREATE TABLE t2 AS SELECT * FROM t")
    dcon.execute("UPDATE t2 SET price = price + 1 WHERE id = 7")
    dcon.execute("DELETE FROM t2 WHERE id = 9")
    dcon.execute("CREATE TABLE k (g INTEGER, v VARCHAR)")
    dcon.execute("INSERT INTO k VALUES (1, 'a'), (2, 'b'), (2, 'b')")
    dcon.close()
    return f"sqlite:///{src}", f"duckdb:///{tgt}"


def run(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(app, ["diff", *args], env={"COLUMNS": "200"})
    assert result.exception is None or isinstance(result.exception, SystemExit), result.output
    return result.exit_code, result.output


@pytest.mark.parametrize("algorithm", ["auto", "stream", "checksum"])
def test_equal_tables_exit_0(dbs: tuple[str, str], algorithm: str) -> None:
    code, out = run(dbs[0], "t", dbs[1], "t", "--algorithm", algorithm)
    assert code == 0, out
    assert "PARITY" in out and "keyed on id" in out and "primary key" in out


@pytest.mark.parametrize("algorithm", ["stream", "checksum"])
def test_differences_exit_1_with_json_and_html(dbs: tuple[str, str], tmp_path: Path,
                                               algorithm: str) -> None:
    j, h = tmp_path / "r.json", tmp_path / "r.html"
    code, out = run(dbs[0], "t", dbs[1], "t2", "--algorithm", algorithm, "--json", str(j),
                    "--html", str(h))
    assert code == 1, out
    for text in ("MISMATCH", "rows only in source", "changed cells", "diagnosis", "price"):
        assert text in out, text
    report = json.loads(j.read_text())
    assert report["changed_count"] == 1 and report["only_in_source_count"] == 1
    assert report["changed"][0]["key"] == {"id": 7}
    assert report["request"]["algorithm"] == algorithm
    assert report["rows_source"] == 200 and report["rows_matched"] == 198
    page = h.read_text()
    assert "<table>" in page and "mismatch" in page and '"changed_count"' in page


def test_tolerance_where_columns_and_limit(dbs: tuple[str, str]) -> None:
    assert run(dbs[0], "t", dbs[1], "t2", "--tolerance", "price=abs:1.5")[0] == 1  # row 9
    code, out = run(dbs[0], "t", dbs[1], "t2", "--tolerance", "price=abs:1.5", "--where",
                    "id <> 9")
    assert code == 0 and "PARITY_WITH_TOLERANCE" in out
    assert run(dbs[0], "t", dbs[1], "t2", "--columns", "id,name", "--where", "id <> 9")[0] == 0
    code, out = run(dbs[0], "t", dbs[1], "t2", "--limit-rows", "5")
    assert code == 0 and "first 5 rows" in out


def test_queries_and_keyless_multiset(dbs: tuple[str, str]) -> None:
    code, out = run(dbs[0], "SELECT id, name FROM t WHERE id < 50", dbs[1],
                    "select id, name from t where id < 50")
    assert code == 0, out
    code, out = run(dbs[0], "k", dbs[1], "k")
    assert code == 1 and "multiset" in out and "duplicates" in out


@pytest.mark.parametrize(("args", "words"), [
    (["nope://x", "t", "{t}", "t"], ["no engine adapter", "nope"]),
    (["{s}", "missing", "{t}", "t"], ["table 'missing' not found", "tables there"]),
    (["{s}", "t", "duckdb:////no/such/file.duckdb", "t"], ["not found"]),
    (["postgresql://u:hunter2@127.0.0.1:1/db", "t", "{t}", "t"], ["cannot connect"]),
    (["{s}", "t", "{t}", "t", "--tolerance", "price=abs"], ["expected"]),
    (["{s}", "t", "{t}", "t", "--algorithm", "magic"], ["--algorithm"]),
    (["{s}", "SELECT nope FROM t", "{t}", "t"], ["nope"]),
    (["{s}", "t", "{t}", "t", "--key", "zz"], ["zz"]),
])
def test_errors_exit_2_in_one_paragraph(dbs: tuple[str, str], args: list[str],
                                        words: list[str]) -> None:
    code, out = run(*(a.format(s=dbs[0], t=dbs[1]) for a in args))
    assert code == 2, out
    assert "Traceback" not in out and "hunter2" not in out
    for word in words:
        assert word in out, out


def test_checksum_needs_a_key(dbs: tuple[str, str]) -> None:
    code, out = run(dbs[0], "k", dbs[1], "k", "--algorithm", "checksum")
    assert code == 2 and "needs a key" in out


def test_parse_tolerances() -> None:
    got = parse_tolerances(["a=abs:0.5", "a=rel:0.01", "b=abs:1,rel:2"])
    assert got == {"a": Tolerance(0.5, 0.01), "b": Tolerance(1.0, 2.0)}


def test_table_or_query() -> None:
    assert is_table_ref("orders") and is_table_ref('sales."Order Lines"')
    assert split_ref('sales."Order ""x"""') == ["sales", 'Order "x"']
    assert not is_table_ref("SELECT 1") and not is_table_ref("orders o")


def test_a_sorted_source_query_is_compared_in_order_unless_wrapped(dbs: tuple[str, str],
                                                                    tmp_path: Path) -> None:
    asc, desc = "SELECT id, name FROM t ORDER BY id", "SELECT id, name FROM t ORDER BY id DESC"
    code, out = run(dbs[0], asc, dbs[1], desc)
    assert code == 1 and "rows compared in order too" in out and "ordering" in out, out
    code, out = run(dbs[0], asc, dbs[1], desc, "--where", "id > 0")
    assert code == 0, out
    assert "order of rows not compared: --columns/--where wrap the source query" in out
    code, out = run(dbs[0], asc, dbs[1], desc, "--unordered")
    assert code == 0, out
