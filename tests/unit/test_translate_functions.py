"""`cutover translate` exits 1 when its output calls a function the target does not have."""

from __future__ import annotations

from tests.unit.test_cli import cutover
from tools.target_functions import missing_functions


def test_missing_functions_on_duckdb():
    found = missing_functions("SELECT TOTAL(x), LIKELIHOOD(a > 1, 0.5), upper(b) FROM t",
                              "duckdb")
    assert sorted(found) == ["LIKELIHOOD", "TOTAL"]
    assert missing_functions("SELECT typeof(a), strpos(a, 'x') FROM t", "duckdb") == []
    assert missing_functions("SELECT TOTAL(x) FROM t", "postgres") == []  # no claim there


def test_translate_exits_1_on_functions_the_target_lacks(tmp_path):
    sql = tmp_path / "legacy.sql"
    sql.write_text("SELECT id FROM t;\nSELECT TOTAL(qty) AS t, likelihood(qty > 2, 0.9) AS h "
                   "FROM orders;\n")
    done = cutover("translate", str(sql), "--from", "sqlite", "--to", "duckdb", cwd=tmp_path)
    assert done.returncode == 1, done.stdout + done.stderr
    assert "legacy.sql:2" in done.stderr and "TOTAL" in done.stderr
    assert "LIKELIHOOD" in done.stderr and "Traceback" not in done.stderr
    assert "NOT TRANSLATED (" in done.stdout and "SELECT id FROM t;" in done.stdout
