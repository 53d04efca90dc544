"""Canonical column types shared by the loader (DDL on the target) and the differ (normalising).

Each adapter maps its native type names to one of these, and these back to its DDL.
"""

from __future__ import annotations

import re
from typing import Any

INT, FLOAT, TEXT, BOOL, DATE, TIMESTAMP, TIMESTAMPTZ, TIME, BLOB, JSON = (
    "int", "float", "text", "bool", "date", "timestamp", "timestamptz", "time", "blob", "json",
)
# Months, days and time kept apart, as PostgreSQL and DuckDB store them; engines without such a
# column type load it as text (their TYPE_DDL falls back to TEXT).
INTERVAL = "interval"
_DECIMAL = re.compile(r"^decimal\((\d+),\s*(\d+)\)$")


def decimal(precision: int, scale: int) -> str:
    return f"decimal({precision},{scale})"


def parse_decimal(canonical: str) -> tuple[int, int] | None:
    m = _DECIMAL.match(canonical)
    return (int(m[1]), int(m[2])) if m else None


def from_declared(declared: str) -> str:
    """Canonical type from a declared SQL type name, by the usual name hints.

    Used for engines whose catalog reports free-text types (SQLite) and as the fallback
    for the others. Order matters: 'DATETIME' must win over 'INT' hidden in 'POINT'.
    """
    t = (declared or "").strip().lower()
    m = re.match(r"^(?:numeric|decimal|number)\s*\((\d+)\s*(?:,\s*(\d+))?\)", t)
    if m:
        return decimal(int(m[1]), int(m[2] or 0))
    if t.startswith("interval"):  # before the "int" hint below
        return INTERVAL
    if t in ("bool", "boolean") or t.startswith("tinyint(1)"):
        return BOOL
    if "timestamp" in t and ("with time zone" in t or "tz" in t):
        return TIMESTAMPTZ
    if "datetime" in t or "timestamp" in t:
        return TIMESTAMP
    if t == "date":
        return DATE
    if t.startswith("time"):
        return TIME
    if "json" in t:
        return JSON
    if "int" in t:
        return INT
    if any(k in t for k in ("char", "clob", "text", "string", "uuid")):
        return TEXT
    if "blob" in t or "binary" in t or "bytea" in t:
        return BLOB
    if any(k in t for k in ("real", "floa", "doub")):
        return FLOAT
    if t in ("numeric", "decimal", "number", "money"):
        return decimal(38, 10)
    # SQLite's NUMERIC affinity for anything else; TEXT is the safe carrier for unknowns.
    return TEXT if t == "" else FLOAT if t == "numeric" else TEXT


def from_arrow(dtype: Any) -> str:
    """Canonical type of an Arrow column (what a query result says about its columns)."""
    import pyarrow as pa

    if pa.types.is_boolean(dtype):
        return BOOL
    if pa.types.is_integer(dtype):
        return INT
    if pa.types.is_floating(dtype):
        return FLOAT
    if pa.types.is_decimal(dtype):
        # DuckDB's HUGEINT (what SUM of BIGINT returns) reaches Arrow as decimal(38,0): it is an
        # integer, and division rules must see it as one.
        if dtype.scale == 0 and dtype.precision >= 38:
            return INT
        return decimal(dtype.precision, dtype.scale)
    if pa.types.is_date(dtype):
        return DATE
    if pa.types.is_timestamp(dtype):
        return TIMESTAMPTZ if dtype.tz else TIMESTAMP
    if pa.types.is_time(dtype):
        return TIME
    if pa.types.is_binary(dtype) or pa.types.is_large_binary(dtype):
        return BLOB
    if pa.types.is_interval(dtype) or pa.types.is_duration(dtype):
        return INTERVAL
    return TEXT
