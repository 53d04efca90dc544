"""The DuckDB target's sandbox and --apply, from the adapter's SANDBOX / PROMOTE tables."""

from __future__ import annotations

from pathlib import Path

import duckdb

from tools.db.registry import open_adapter


def test_sandbox_lifecycle_and_promote(tmp_path: Path) -> None:
    path = tmp_path / "t.duckdb"
    target = open_adapter(f"duckdb:///{path}", "target")
    try:
        target.create_sandbox("cutover_r1")
        target.create_sandbox("cutover_r1")  # idempotent: a resumed run re-enters it
        target.create_table("t", [{"name": "a", "canonical": "int"}])
        target.execute(f"INSERT INTO {target.qualified('t')} VALUES (1), (2)")
        view = target.create_object_sql("view", "v", "SELECT a * 10 AS b FROM t")
        assert view is not None
        target.execute(view)
        target.promote("t", "table_as_select", "SELECT * FROM cutover_r1.t")
        target.promote("v", "view", "SELECT a * 10 AS b FROM main.t")
        target.promote("v", "view", "SELECT a * 10 AS b FROM main.t")  # replaces, no error
        target.drop_sandbox("cutover_r1")
        assert target.sandbox is None
    finally:
        target.close()
    con = duckdb.connect(str(path), read_only=True)
    try:
        schemas = {r[0] for r in con.execute("SELECT schema_name FROM duckdb_schemas()").fetchall()}
        assert "cutover_r1" not in schemas
        assert con.execute("SELECT sum(b) FROM main.v").fetchone() == (30,)
    finally:
        con.close()
