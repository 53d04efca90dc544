"""Functions a translated statement calls that the target engine does not have.

sqlglot passes functions it does not know (SQLite's TOTAL, LIKELIHOOD) straight through; the
result looks translated but fails on the target. Where the target engine is embedded (DuckDB)
its own function catalog is the reference; for other targets nothing is claimed.
"""

from __future__ import annotations

from functools import lru_cache

import sqlglot
from sqlglot import exp


@lru_cache(maxsize=1)
def _duckdb_functions() -> frozenset[str]:
    import duckdb

    con = duckdb.connect(":memory:")
    try:
        rows = con.execute("SELECT DISTINCT lower(function_name) FROM duckdb_functions()")
        return frozenset(r[0] for r in rows.fetchall())
    finally:
        con.close()


def missing_functions(sql: str, dialect: str) -> list[str]:
    """Names (upper case, in order of appearance) of functions `sql` calls that `dialect`'s
    engine lacks; [] when unknown for that engine or when the SQL does not parse."""
    if dialect != "duckdb":
        return []
    try:
        tree = sqlglot.parse_one(sql, read=dialect)
    except sqlglot.errors.SqlglotError:
        return []
    known = _duckdb_functions()
    missing: list[str] = []
    for func in tree.find_all(exp.Anonymous):
        name = func.name.upper()
        if name.lower() not in known and name not in missing:
            missing.append(name)
    return missing
