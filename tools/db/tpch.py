"""TPC-H data and queries, generated offline by DuckDB's tpch extension, and a seeder that
puts the tables into any engine through its adapter (tests, benchmarks and evals share it).

The extension comes from the PyPI wheel `duckdb-extension-tpch` (same version as duckdb) and is
LOADed by path: no network, no extension download (DuckDB 2.x cannot install offline).
"""

from __future__ import annotations

from typing import Any

import pyarrow as pa

from tools.db.duckdb_extensions import extension_path
from tools.db.registry import open_adapter

TABLES = ("region", "nation", "supplier", "customer", "part", "partsupp", "orders", "lineitem")
#: The specification's primary keys (dbgen declares none): a real source has them, and
#: MariaDB needs them to join the tables in reasonable time.
PRIMARY_KEYS = {
    "region": ["r_regionkey"], "nation": ["n_nationkey"], "supplier": ["s_suppkey"],
    "customer": ["c_custkey"], "part": ["p_partkey"], "partsupp": ["ps_partkey", "ps_suppkey"],
    "orders": ["o_orderkey"], "lineitem": ["l_orderkey", "l_linenumber"],
}


def connect(sf: float) -> Any:
    """An in-memory DuckDB holding TPC-H at scale factor `sf` (0.01 takes ~0.2 s)."""
    import duckdb

    con = duckdb.connect(":memory:", config={"autoinstall_known_extensions": False,
                                             "autoload_known_extensions": False})
    con.execute(f"LOAD '{extension_path('tpch')}'")
    con.execute(f"CALL dbgen(sf={float(sf)})")
    return con


def generate(sf: float) -> dict[str, pa.Table]:
    """The eight tables as Arrow, in dependency order."""
    con = connect(sf)
    try:
        return {name: con.execute(f"SELECT * FROM {name}").to_arrow_table() for name in TABLES}
    finally:
        con.close()


def queries() -> list[str]:
    """The 22 queries, in DuckDB's SQL, number 1 first."""
    import duckdb

    con = duckdb.connect(":memory:", config={"autoinstall_known_extensions": False,
                                             "autoload_known_extensions": False})
    try:
        con.execute(f"LOAD '{extension_path('tpch')}'")
        rows = con.execute("SELECT query_nr, query FROM tpch_queries() ORDER BY query_nr")
        return [q.strip() for _, q in rows.fetchall()]
    finally:
        con.close()


def seed(url: str, tables: dict[str, pa.Table], batch_rows: int = 50_000) -> None:
    """Create and fill the tables in the real (home) schema of the engine at `url`.

    Goes through the adapter's loader path (create_table + append_arrow) with the home schema
    standing in for the sandbox, so the guard still checks every write. Test/benchmark support:
    never point it at a database you care about — it replaces tables of the same name.
    """
    adapter = open_adapter(url, "target")
    try:
        # The home schema stands in for the sandbox (embedded files: main).
        adapter.sandbox = adapter.home
        for name, table in tables.items():
            columns = [{"name": f.name, "canonical": _canonical(f.type), "nullable": f.nullable}
                       for f in table.schema]
            adapter.create_table(name, columns, PRIMARY_KEYS.get(name))
            for batch in table.to_batches(max_chunksize=batch_rows):
                adapter.append_arrow(name, batch)
    finally:
        adapter.close()


def _canonical(dtype: pa.DataType) -> str:
    from tools.db import types as T

    if pa.types.is_decimal(dtype):
        return T.decimal(dtype.precision, dtype.scale)  # keep DECIMAL(15,2) as declared
    return T.from_arrow(dtype)
