"""tools.db.arrow_feed: Arrow into DuckDB without pyarrow.dataset (and pandas with it), the
largest single cost of a small diff. Each way in gives the same rows as scanning in place."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import duckdb
import pyarrow as pa
import pytest

from tools.db import arrow_feed

ROOT = Path(__file__).resolve().parents[2]


def _table() -> pa.Table:
    # built by DuckDB: pa.array() from Python values would import pandas itself
    return duckdb.connect().execute(
        "SELECT range AS id, 'r' || range AS name, range / 4 AS x, "
        "CAST(range AS DECIMAL(10, 2)) AS amt FROM range(50)").to_arrow_table()


def _objects(con: duckdb.DuckDBPyConnection) -> set[str]:
    return {r[0] for r in con.execute("SELECT table_name FROM duckdb_tables()").fetchall()}


def test_a_small_table_is_copied_and_reads_as_often_as_wanted(
        monkeypatch: pytest.MonkeyPatch) -> None:
    # as in a process that has not imported pyarrow.dataset yet (other tests may have)
    monkeypatch.delitem(sys.modules, "pyarrow.dataset", raising=False)
    con, table = duckdb.connect(), _table()
    arrow_feed.as_table(con, "s_raw", table)
    assert "s_raw" in _objects(con)
    for _ in range(2):
        assert con.execute("SELECT * FROM s_raw ORDER BY id").to_arrow_table().equals(table)


def test_a_big_table_is_scanned_in_place(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(arrow_feed, "COPY_BELOW_BYTES", 0)
    con, table = duckdb.connect(), _table()
    arrow_feed.as_table(con, "s_raw", table)
    assert "s_raw" not in _objects(con)  # registered, not copied
    assert con.execute("SELECT * FROM s_raw ORDER BY id").to_arrow_table().equals(table)


def test_a_stream_reads_once_and_describes_without_reading() -> None:
    con, table = duckdb.connect(), _table()
    arrow_feed.scan_once(con, "once", table)
    assert [r[0] for r in con.execute("DESCRIBE SELECT * FROM once").fetchall()] == \
        ["id", "name", "x", "amt"]
    assert con.execute("SELECT count(*) FROM once").fetchone() == (50,)
    with pytest.raises(duckdb.Error, match="consumed"):
        con.execute("SELECT count(*) FROM once").fetchone()


def test_empty_and_column_types_keep_the_schema() -> None:
    con, schema = duckdb.connect(), _table().schema
    none = arrow_feed.empty(schema)
    assert none.num_rows == 0 and none.schema == schema
    assert arrow_feed.column_types(con, schema) == ["BIGINT", "VARCHAR", "DOUBLE",
                                                    "DECIMAL(10,2)"]


COMPARE = """
import json, sys, duckdb
from tools.diff.compare import compare
con = duckdb.connect()
sql = "SELECT range AS id, range * {k} AS v FROM range(1000)"
a, b = (con.execute(sql.format(k=k)).to_arrow_table() for k in ("1", "(1 + (range = 7)::INT)"))
r = compare(a, b, key=["id"], datacompy_max_rows=0)
print(json.dumps({"changed": r.changed_count,
                  "loaded": [m for m in ("pandas", "pyarrow.dataset") if m in sys.modules]}))
"""


def test_compare_of_arrow_tables_imports_neither_pandas_nor_pyarrow_dataset() -> None:
    """Past datacompy's bound (datacompy_max_rows) nothing else needs pandas: a new process
    compares two Arrow tables and has loaded neither."""
    done = subprocess.run([sys.executable, "-c", COMPARE], cwd=ROOT, capture_output=True,
                          text=True, timeout=120)
    result = json.loads(done.stdout.strip().splitlines()[-1])
    assert result == {"changed": 1, "loaded": []}, done.stderr
