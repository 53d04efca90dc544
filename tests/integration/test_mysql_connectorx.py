"""MariaDB sides read by connectorx (tools/db/mysql_arrow_scan.py) on a real MariaDB: the values
the Arrow path reads, the fallbacks when connectorx would not carry a column exactly or its
stream fails, and no password in its errors."""

from __future__ import annotations

from typing import Any

import pyarrow as pa
import pytest
from sqlalchemy.engine import make_url

from tests.integration.conftest import mysql_connect
from tools.db import mysql_arrow_scan
from tools.db.registry import open_adapter
from tools.db.scan import DuckDBScan
from tools.diff.normalise import connect
from tools.diff.stream import load, load_scanned
from tools.trace import NullTracer

pytestmark = pytest.mark.skipif(not mysql_arrow_scan.available(),
                                reason="connectorx is not installed")


class _Events(NullTracer):
    def __init__(self) -> None:
        self.fallbacks: list[str] = []

    def event(self, kind: str, **fields: Any) -> None:
        if kind == "scan_fallback":
            self.fallbacks.append(f"{fields.get('via')}: {fields.get('reason')}")


@pytest.fixture
def seeded(mysql_db: str) -> str:
    con = mysql_connect(mysql_db)
    with con.cursor() as cur:
        cur.execute(f"USE `{make_url(mysql_db).database}`")
        cur.execute("CREATE TABLE t (id BIGINT PRIMARY KEY, qty INT, price DECIMAL(12,2), "
                    "fine DECIMAL(30,20), ratio DOUBLE, name VARCHAR(40), day DATE, "
                    "ts DATETIME(6))")
        cur.execute("INSERT INTO t VALUES "
                    "(1, 7, 12.34, 0.12345678901234567891, 0.1, 'Àda ', '2024-02-29', "
                    "'2024-02-29 23:59:59.999999'), "
                    "(2, NULL, -0.01, NULL, -1e300, '', '1999-12-31', NULL), "
                    "(3, -2147483648, 9999999999.99, -1.5, NULL, NULL, NULL, "
                    "'1970-01-01 00:00:00')")
    con.close()
    return mysql_db


def _rows(con: Any, table: str) -> list[tuple[Any, ...]]:
    return con.execute(f"SELECT CAST(COLUMNS(* EXCLUDE (__rid)) AS VARCHAR) FROM {table} "
                       f"ORDER BY __rid").fetchall()


def test_connectorx_reads_what_the_arrow_path_reads_and_leaves_wide_decimals_to_the_scanner(
        seeded: str) -> None:
    adapter = open_adapter(seeded, "source", tracer=_Events())
    con = connect()
    try:
        for sql, via in (("SELECT id, qty, price, ratio, name, day, ts FROM t ORDER BY id",
                          "connectorx"),
                         # DECIMAL(30,20): connectorx would keep 10 of its 20 digits
                         ("SELECT id, fine FROM t ORDER BY id", "mysql scanner")):
            arrow = load(con, "arrow", adapter.read_batches(sql, batch_rows=2),
                         lambda q=sql: adapter.read_arrow(q, limit=0).schema)
            scanned = load_scanned(con, adapter, sql, "scanned")
            assert scanned is not None, adapter.tracer.fallbacks
            assert scanned.via.startswith(via), scanned.via
            assert scanned.schema == arrow.schema
            assert _rows(con, "scanned") == _rows(con, "arrow")
            con.execute("DROP TABLE scanned")
            con.execute("DROP TABLE arrow")
        assert adapter.tracer.fallbacks == []
    finally:
        con.close()
        adapter.close()


def test_a_stream_that_would_change_a_value_falls_back_to_the_arrow_path(seeded: str) -> None:
    """A batch that does not cast safely to the Arrow path's types stops the read: the side is
    dropped and read again the usual way, and the trace says why."""
    adapter = open_adapter(seeded, "source", tracer=_Events())
    con = connect()
    wrong = pa.schema([("price", pa.decimal128(12, 0))])  # 12.34 would lose its cents
    args = adapter._connect_args(adapter.url)  # noqa: SLF001 (the recipe's own input)
    prefix = adapter.SCAN_PREFIX["mariadb"].format(s=60)
    # without the prefix connectorx's session is not read-only: no recipe
    assert mysql_arrow_scan.recipe(args, "", "SELECT price FROM t", wrong, "al") is None
    recipe = mysql_arrow_scan.recipe(args, prefix, "SELECT price FROM t", wrong, "al")
    assert isinstance(recipe, DuckDBScan)
    adapter.duckdb_scan = lambda sql, alias: recipe  # type: ignore[method-assign]
    try:
        assert load_scanned(con, adapter, "SELECT price FROM t", "scanned") is None
        assert len(adapter.tracer.fallbacks) == 1
        assert "connectorx" in adapter.tracer.fallbacks[0]
        assert con.execute("SELECT count(*) FROM information_schema.tables "
                           "WHERE table_name = 'scanned'").fetchone() == (0,)
    finally:
        con.close()
        adapter.close()


def test_a_refused_login_never_shows_the_password(mysql_url: str) -> None:
    u = make_url(mysql_url)
    args = {"host": u.host, "port": u.port, "user": u.username, "password": "wr/ong:pw!",
            "database": u.database}
    with pytest.raises(RuntimeError) as caught:
        mysql_arrow_scan.recipe(args, "", "SELECT 1", pa.schema([("a", pa.int64())]), "al")
    text = str(caught.value)
    assert text.startswith("connectorx: ") and "Access denied" in text and "\n" not in text
    assert "wr/ong" not in text and "wr%2Fong" not in text
