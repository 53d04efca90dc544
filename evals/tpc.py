"""The built-in `tpch` and `tpcds` suites, generated offline at any scale factor.

DuckDB's tpch/tpcds extensions hold the TPC generators (dbgen/dsdgen) and the query texts.
`INSTALL tpch` would download them, so the PyPI wheels `duckdb-extension-tpch==1.5.5` and
`duckdb-extension-tpcds==1.5.5` (they match duckdb 1.5.5) ship the binaries and we LOAD them by
path with autoinstall/autoload off: no network at any point.

The queries are DuckDB's texts (standard SQL); on another source engine they are first
transpiled into its dialect by sqlglot, which makes them that engine's "legacy codebase".
"""

from __future__ import annotations

import os
import tempfile
import time
from pathlib import Path
from typing import Any

import duckdb

from evals.engines import Session
from evals.manifest import Case, Suite
from tools.db.duckdb_extensions import extension_path
from tools.db.tpch import PRIMARY_KEYS as TPCH_PRIMARY_KEYS
from tools.errors import ConfigError

GENERATORS = {"tpch": ("dbgen", "tpch_queries"), "tpcds": ("dsdgen", "tpcds_queries")}
DESCRIPTIONS = {
    "tpch": "TPC-H: 22 analytical queries over 8 generated tables (DuckDB's texts)",
    "tpcds": "TPC-DS: 99 analytical queries over 24 generated tables (DuckDB's texts)",
}
# Key columns get an index on the file engines: without one SQLite's correlated subqueries
# (TPC-H q21) take minutes even at sf 0.01.
_KEY_SUFFIXES = ("key", "_sk")
# The specification's primary keys (dbgen declares none). A real source has them, the catalog
# reads them and the loader declares them on the target: without them MariaDB (no hash join)
# and SQLite run TPC-H's joins and correlated subqueries by full scans, past the timeout.
PRIMARY_KEYS: dict[str, dict[str, list[str]]] = {"tpch": TPCH_PRIMARY_KEYS}


def offline_connection(path: str = ":memory:",
                       read_only: bool = False) -> duckdb.DuckDBPyConnection:
    return duckdb.connect(path, read_only=read_only,
                          config={"autoinstall_known_extensions": False,
                                  "autoload_known_extensions": False})


def generate(kind: str, scale: float, cache_dir: Path) -> Path:
    """A DuckDB file holding the generated tables; reused when already made at this scale."""
    if kind not in GENERATORS:
        raise ConfigError(f"unknown generated suite {kind!r} (known: {', '.join(GENERATORS)})")
    cache_dir.mkdir(parents=True, exist_ok=True)
    path = cache_dir / f"{kind}-sf{scale:g}.duckdb"
    if path.is_file():
        return path
    # one building file per process: two evals started together must not share one
    building = path.with_suffix(f".{os.getpid()}.building")
    building.unlink(missing_ok=True)
    con = offline_connection(str(building))
    try:
        con.execute(f"LOAD '{extension_path(kind)}'")
        con.execute(f"CALL {GENERATORS[kind][0]}(sf={float(scale)})")
    finally:
        con.close()
    building.replace(path)  # whole or not at all: a killed generation is not reused
    return path


def suite(kind: str, scale: float) -> Suite:
    """The suite's cases (DuckDB dialect); data comes from `load_source`."""
    con = offline_connection()
    try:
        con.execute(f"LOAD '{extension_path(kind)}'")
        rows = con.execute(f"SELECT query_nr, query FROM {GENERATORS[kind][1]}() "
                           f"ORDER BY query_nr").fetchall()
    finally:
        con.close()
    cases = [Case(id=f"q{int(n):02d}", sql=str(q).strip().rstrip(";"), tags=[kind],
                  ordered=False) for n, q in rows]
    return Suite(name=kind, description=DESCRIPTIONS[kind], source_dialect="duckdb",
                 targets=["duckdb", "postgres", "mysql", "sqlite"], verified=True,
                 cases=cases, portable=True,
                 generated={"generator": f"duckdb {GENERATORS[kind][0]}", "scale": scale})


def load_source(kind: str, scale: float, session: Session, cache_dir: Path) -> dict[str, Any]:
    """Copy the generated tables into the fresh source database; returns what was loaded."""
    start = time.perf_counter()
    data = generate(kind, scale, cache_dir)
    keys = PRIMARY_KEYS.get(kind, {}) if session.adapter.DECLARE_PRIMARY_KEY else {}
    if session.endpoint.engine == "duckdb":
        return {"tables": _attach_copy(session, data, keys),
                "seconds": round(time.perf_counter() - start, 3)}
    # read-only: evals started together read one cached file, and DuckDB lets any number of
    # processes hold it read-only (a read-write open locks the others out)
    con = offline_connection(str(data), read_only=True)
    try:
        con.execute("SET TimeZone = 'UTC'")
        tables = [r[0] for r in con.execute(
            "SELECT table_name FROM information_schema.tables ORDER BY 1").fetchall()]
        counts = {t: _copy_table(con, session, t, keys.get(t)) for t in tables}
    finally:
        con.close()
    return {"tables": counts, "seconds": round(time.perf_counter() - start, 3)}


def _attach_copy(session: Session, data: Path,
                 keys: dict[str, list[str]]) -> dict[str, int]:
    """DuckDB to DuckDB: copy inside the engine (row-wise inserts into DuckDB are slow)."""
    session.execute(f"ATTACH '{data}' AS tpc_generated (READ_ONLY)")
    try:
        tables = [r[0] for r in session.query(
            "SELECT table_name FROM information_schema.tables "
            "WHERE table_catalog = 'tpc_generated' ORDER BY 1")]
        for table in tables:
            session.execute(f'CREATE TABLE "{table}" AS SELECT * FROM tpc_generated."{table}"')
            if keys.get(table):
                session.execute(f'ALTER TABLE "{table}" ADD {_key_clause(session, keys[table])}')
        return {t: int(session.query(f'SELECT COUNT(*) FROM "{t}"')[0][0]) for t in tables}
    finally:
        session.execute("DETACH tpc_generated")


def _copy_table(con: duckdb.DuckDBPyConnection, session: Session, table: str,
                primary_key: list[str] | None) -> int:
    cols = con.execute("SELECT column_name, data_type FROM information_schema.columns "
                       "WHERE table_name = ? ORDER BY ordinal_position", [table]).fetchall()
    engine = session.endpoint.engine
    ddl = ", ".join(f"{session.quote(c)} {_ddl_type(engine, t)}" for c, t in cols)
    if primary_key:
        ddl += ", " + _key_clause(session, primary_key)
    session.execute(f"CREATE TABLE {session.quote(table)} ({ddl})")
    if engine == "mysql":
        return _bulk_to_mysql(con, session, table, cols)
    select = ", ".join(_as_driver_value(engine, c, t) for c, t in cols)
    rows = con.execute(f'SELECT {select} FROM "{table}"').fetchall()
    session.insert_rows(table, [c for c, _ in cols], rows)
    if engine in ("sqlite", "duckdb"):
        for column, _ in cols:
            if column.lower().endswith(_KEY_SUFFIXES):
                session.execute(f'CREATE INDEX "ix_{table}_{column}" ON "{table}" ("{column}")')
    return len(rows)


def _key_clause(session: Session, columns: list[str]) -> str:
    return f"PRIMARY KEY ({', '.join(session.quote(c) for c in columns)})"


def _bulk_to_mysql(con: duckdb.DuckDBPyConnection, session: Session, table: str,
                   cols: list[tuple[str, str]]) -> int:
    """DuckDB writes the table in LOAD DATA's format itself (no Python row objects): text
    escaped, NULL as \\N; the server then reads the file in one statement."""
    # only text can hold a backslash, tab or newline; numbers and dates are written as is
    escaped = ", ".join(
        f"regexp_replace(regexp_replace(replace(\"{c}\", '\\', '\\\\'), "
        f"'\\t', '\\\\t', 'g'), '\\n', '\\\\n', 'g')"
        if t.upper() == "VARCHAR" else f'"{c}"' for c, t in cols)
    columns = [c for c, _ in cols]
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / f"{table}.tsv"
        con.execute(f"COPY (SELECT {escaped} FROM \"{table}\") TO '{path}' "
                    f"(FORMAT csv, DELIMITER '\t', HEADER false, QUOTE '', ESCAPE '', "
                    f"NULLSTR '\\N')")
        (rows,) = con.execute(f'SELECT COUNT(*) FROM "{table}"').fetchall()[0]
        session.load_data_file(table, columns, path, rows)
    return rows


def _ddl_type(engine: str, duck_type: str) -> str:
    upper = duck_type.upper()
    if upper.startswith("DECIMAL") or upper in ("INTEGER", "BIGINT", "DATE"):
        return upper
    if upper in ("DOUBLE", "FLOAT"):
        return {"postgres": "DOUBLE PRECISION", "sqlite": "REAL"}.get(engine, "DOUBLE")
    if upper == "VARCHAR" or upper.startswith("CHAR"):
        return "VARCHAR" if engine in ("sqlite", "duckdb") else "TEXT"
    return upper


def _as_driver_value(engine: str, column: str, duck_type: str) -> str:
    """SQLite keeps dates as ISO text and numbers as REAL: hand it values of those kinds."""
    if engine == "sqlite" and duck_type.upper().startswith("DECIMAL"):
        return f'CAST("{column}" AS DOUBLE)'
    if engine == "sqlite" and duck_type.upper() == "DATE":
        return f'CAST("{column}" AS VARCHAR)'
    return f'"{column}"'
