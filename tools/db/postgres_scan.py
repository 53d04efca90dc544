"""The PostgreSQL recipe for DuckDBScan: postgres_scanner's postgres_query() over its own
read-only connection.

Only results whose every column maps to the same DuckDB type as the Arrow path's are handed
over: postgres_scanner reads an unconstrained numeric as DOUBLE (sum(bigint) past 2^53 would
lose digits) and json/uuid/char(n)/oid as types of its own, so those results stay on the Arrow
path (tools/db/postgres_copy.py), whose typing the hazard tests pin.

The scanner connection gets the source session's guarantees through libpq `options`: a
read-only default transaction, UTC, ISO dates, the statement timeout. The password travels in a
temporary DuckDB secret, not in the ATTACH string that DuckDB's errors quote.
"""

from __future__ import annotations

from typing import Any

from tools.db.duckdb_extensions import extension_path
from tools.db.scan import DuckDBScan

NUMERIC_OID = 1700
# bool, int8, int2, int4, float4, float8, text, varchar, date, timestamp, timestamptz, time
_SCANNABLE = frozenset({16, 20, 21, 23, 700, 701, 25, 1043, 1082, 1114, 1184, 1083})
_SECRET_KEYS = {"host": "HOST", "port": "PORT", "dbname": "DATABASE", "user": "USER",
                "password": "PASSWORD"}


def scannable(description: list[Any]) -> bool:
    """True when postgres_scanner types every column as the Arrow path would."""
    def fits(column: Any) -> bool:
        if column.type_code == NUMERIC_OID:
            return column.precision is not None and 0 < column.precision <= 38
        return column.type_code in _SCANNABLE

    return bool(description) and all(fits(c) for c in description)


def _literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def _conninfo_value(text: str) -> str:
    return "'" + text.replace("\\", "\\\\").replace("'", "\\'") + "'"


def recipe(connect_args: dict[str, Any], sql: str, alias: str, timeout_s: float) -> DuckDBScan:
    """Statements that make `alias` a read-only PostgreSQL catalog in DuckDB, and the
    postgres_query() relation over `sql` (already guarded by the adapter)."""
    secret_parts = ["TYPE postgres"] + [
        f"{name} {_literal(str(connect_args[key]))}" if name != "PORT"
        else f"PORT {int(connect_args[key])}"
        for key, name in _SECRET_KEYS.items() if connect_args.get(key) is not None]
    session = (f"-c default_transaction_read_only=on -c TimeZone=UTC -c DateStyle=ISO,YMD "
               f"-c extra_float_digits=3 -c statement_timeout={int(timeout_s * 1000)}")
    extra = {k: str(v) for k, v in connect_args.items()
             if k not in _SECRET_KEYS and k != "options"}
    extra["options"] = f"{connect_args['options']} {session}" if connect_args.get("options") \
        else session
    conninfo = " ".join(f"{k}={_conninfo_value(v)}" for k, v in sorted(extra.items()))
    # The scanner wraps the text as `SELECT ... FROM (<sql>)`: newlines keep a trailing
    # `-- comment` from swallowing its closing parenthesis.
    query = "\n" + sql.strip().rstrip(";") + "\n"
    return DuckDBScan(
        setup=[f"LOAD {_literal(str(extension_path('postgres_scanner')))}",
               f"CREATE OR REPLACE TEMPORARY SECRET {alias} ({', '.join(secret_parts)})",
               f"ATTACH {_literal(conninfo)} AS {alias} (TYPE postgres, SECRET {alias}, "
               f"READ_ONLY)"],
        relation=f"postgres_query({_literal(alias)}, {_literal(query)})",
        teardown=[f"DETACH DATABASE IF EXISTS {alias}", f"DROP SECRET IF EXISTS {alias}"],
        via="postgres_scanner (COPY BINARY into DuckDB)",
    )
