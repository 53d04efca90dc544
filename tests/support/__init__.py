"""Test helpers shared by unit and integration tests (loopback servers, small databases)."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from tools.db.base import Adapter
from tools.db.registry import open_adapter
from tools.trace import Tracer

SANDBOX = "cutover_test"
ORDERS = [(1, 3, 2.5, "widget"), (2, 5, 1.25, "gadget"), (3, 7, 4.0, None)]


def orders_pair(tmp_path: Path, tracer: Tracer | None = None) -> tuple[Adapter, Adapter]:
    """A SQLite source and a DuckDB target (sandboxed), both holding the same `orders` table."""
    db = tmp_path / "source.db"
    with sqlite3.connect(db) as con:
        con.execute("CREATE TABLE orders (id INTEGER PRIMARY KEY, qty INTEGER, price REAL, "
                    "note TEXT)")
        con.executemany("INSERT INTO orders VALUES (?, ?, ?, ?)", ORDERS)
    source = open_adapter(f"sqlite:///{db}", "source", tracer)
    target = open_adapter(f"duckdb:///{tmp_path / 'target.duckdb'}", "target", tracer)
    target.create_sandbox(SANDBOX)
    target.execute(f"CREATE TABLE {SANDBOX}.orders (id BIGINT PRIMARY KEY, qty BIGINT, "
                   f"price DOUBLE, note VARCHAR)")
    values = ", ".join(f"({i}, {q}, {p}, {'NULL' if n is None else repr(n)})"
                       for i, q, p, n in ORDERS)
    target.execute(f"INSERT INTO {SANDBOX}.orders VALUES {values}")
    return source, target
