"""DuckDBScan: how an in-process DuckDB reads one query's result itself.

The stream differ normally pulls a result through the adapter as Arrow batches and loads them
into its private DuckDB. Where DuckDB has a scanner for the engine (PostgreSQL: the
postgres_scanner extension, COPY BINARY decoded in C++), the adapter can instead hand over a
recipe and DuckDB reads the result straight into its table: at 5M rows that is 3.4 s instead of
~11 s through Python. The adapter still decides (types it cannot vouch for mean no recipe) and
still guards the SQL; the recipe opens its own read-only session.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class DuckDBScan:
    setup: list[str]
    """Run before reading (LOAD, CREATE SECRET, ATTACH). May hold a password: never traced,
    never logged, never shown."""
    relation: str
    """A FROM-clause item that yields the query's result in DuckDB."""
    teardown: list[str] = field(default_factory=list)
    """Run afterwards, also after a failure (DETACH, DROP SECRET)."""
    via: str = ""
    """How the rows travel, for the trace and the report's notes (no secrets)."""
