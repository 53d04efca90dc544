"""A NULL on one side against a number on the other is a counted, sampled and diagnosed
difference (it used to fall through the float tolerance test: `NOT NULL` hid the cell, and the
diff said "20 changed" with no column, no sample and no diagnosis)."""

from __future__ import annotations

import json

import duckdb

from tests.unit.test_cli import cutover


def test_null_versus_number_is_sampled_and_diagnosed(tmp_path):
    for name, value in (("a", "i * 1.5"), ("b", "CASE WHEN i % 2 = 0 THEN NULL ELSE i * 1.5 END")):
        con = duckdb.connect(str(tmp_path / f"{name}.duckdb"))
        con.execute("CREATE TABLE t (id INTEGER, v DOUBLE)")
        con.execute(f"INSERT INTO t SELECT i, {value} FROM range(1, 41) r(i)")
        con.close()
    out = tmp_path / "diff.json"
    done = cutover("diff", f"duckdb:///{tmp_path}/a.duckdb", "SELECT * FROM t",
                   f"duckdb:///{tmp_path}/b.duckdb", "SELECT * FROM t", "--key", "id",
                   "--json", str(out), cwd=tmp_path)
    assert done.returncode == 1, done.stdout + done.stderr
    diff = json.loads(out.read_text())
    column = next(c for c in diff["columns"] if c["name"] == "v")
    assert column["mismatched"] == 20
    assert diff["changed"] and all(c["target"] is None for c in diff["changed"])
    assert any(d["cause"] == "nulls" and "20 rows" in d["detail"] for d in diff["diagnosis"])
