"""DuckDBScan: how an in-process DuckDB reads one query's result itself.

The stream differ normally pulls a result through the adapter as Arrow batches and loads them
into its private DuckDB. Where DuckDB has a scanner for the engine (PostgreSQL: the
postgres_scanner extension, COPY BINARY decoded in C++; MariaDB/MySQL: the mysql extension's
binary protocol; DuckDB files: ATTACH), the adapter can instead hand over a recipe and DuckDB
reads the result straight into its table: at 5M rows that is 3.4 s instead of ~11 s through
Python. The adapter still decides (types it cannot vouch for mean no recipe) and still guards
the SQL; the recipe opens its own read-only session.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import pyarrow as pa


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
    check: str | None = None
    """A query run after setup whose first value must be true (e.g. the remote session is
    read-only); else the scan is abandoned for the Arrow path."""
    view: str | None = None
    """A SELECT giving the result plus `__rid`, a position that stays the same on every read:
    then the side is a view over the engine's data (no copy) instead of a table."""
    schema: pa.Schema | None = None
    """The result's schema on the Arrow path: when given, the scanned table must carry the
    very DuckDB types that schema loads as, else the scan is abandoned for the Arrow path."""
    decode_text: bool = False
    """Columns the scanner returns as BLOB where the Arrow path has text hold UTF-8 text:
    decode them (the mysql scanner types a query's text columns by their binary flag)."""
    arrow: Callable[[], pa.RecordBatchReader] | None = None
    """The relation is a stream made in Python (a client library that reads the engine into
    Arrow itself): registered as `relation` in the comparing DuckDB after setup, and read once."""
    describe_first: bool = False
    """Check those types on the bound relation before copying (binding is cheap: it reads no
    rows), not only on the copied table."""


def sql_literal(text: str) -> str:
    """A DuckDB string literal (the recipes' paths, queries and secrets)."""
    return "'" + text.replace("'", "''") + "'"
