"""The procbench eval's loader on a real PostgreSQL: TPC-DS plus ProcBench's *_history copies,
each history table with exactly its base table's columns (the corpus reads `ss_item_sk` from
both), keys as INTEGER (the corpus's functions take `int`)."""

from __future__ import annotations

import psycopg
import pytest
from sqlalchemy.engine import make_url

from evals.procbench import HISTORY, load_tpcds

pytestmark = pytest.mark.integration


def test_history_tables_copy_their_base_tables_columns_once(pg_db):
    load_tpcds(pg_db, 0.01)
    u = make_url(pg_db)
    with psycopg.connect(host=u.host, port=u.port, user=u.username, password=u.password,
                         dbname=u.database) as con:
        def columns(table: str) -> list[tuple[str, str]]:
            return con.execute("SELECT column_name, data_type FROM information_schema.columns "
                               "WHERE table_name = %s ORDER BY ordinal_position",
                               (table,)).fetchall()

        for base in HISTORY:
            assert columns(f"{base}_history") == columns(base), base
        assert dict(columns("store_sales_history"))["ss_item_sk"] == "integer"
        (rows,) = con.execute("SELECT count(*) FROM store_sales_history").fetchone()
        assert rows > 0
