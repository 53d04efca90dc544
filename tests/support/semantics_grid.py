"""The differential grid: a family's source expression on the source engine against its
translation (tools.sql.transpile, semantics library on) on the target, over a value grid.

Fixtures live in tests/fixtures/semantics/<family>.yaml, one case per entry:

    family: substring
    columns: {s: text, a: int, n: int}        # canonical types (int, float, text, date)
    rows: [[abcdef, 0, 3], [null, 1, 2]]     # the grid; id is the row's position
    cases:
      - {source: postgres, expr: "substr(s, a, n)"}        # every other engine is a target
      - {source: mysql, expr: "weekday(d)", targets: [postgres, duckdb]}
      - {source: postgres, expr: "median(x)",              # an aggregate: a whole query
         query: "SELECT g AS id, median(x) AS v FROM grid GROUP BY g ORDER BY g"}

Engines: sqlite, duckdb (in process), clickhouse (chdb, in a child process: chdb holds one
server per process), postgres and mysql (the servers in CUTOVER_TEST_PG_URL /
CUTOVER_TEST_MYSQL_URL, in a database of their own).
"""

from __future__ import annotations

import datetime
import decimal
import json
import math
import sqlite3
import struct
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pyarrow as pa
import yaml

from tools.diff.normalise import interval_text

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "semantics"
EMBEDDED = ("sqlite", "duckdb", "clickhouse")
SERVERS = ("postgres", "mysql")
ALL = EMBEDDED + SERVERS

_DDL = {
    "sqlite": {"int": "INTEGER", "int4": "INTEGER", "float": "REAL", "text": "TEXT",
               "char6": "TEXT", "date": "DATE", "timestamp": "TEXT", "dec": "NUMERIC(12,2)",
               "tier": "TEXT", "float4": "REAL"},
    "duckdb": {"int": "BIGINT", "int4": "INTEGER", "float": "DOUBLE", "text": "VARCHAR",
               "char6": "VARCHAR", "date": "DATE", "timestamp": "TIMESTAMP",
               "dec": "DECIMAL(12,2)", "tier": "VARCHAR", "float4": "DOUBLE"},
    "postgres": {"int": "BIGINT", "int4": "INTEGER", "float": "DOUBLE PRECISION",
                 "text": "TEXT", "char6": "CHAR(6)", "date": "DATE", "timestamp": "TIMESTAMP",
                 "dec": "NUMERIC(12,2)", "tier": "TEXT", "float4": "REAL"},
    "mysql": {"int": "BIGINT", "int4": "INT", "float": "DOUBLE", "text": "VARCHAR(200)",
              "char6": "VARCHAR(6)", "date": "DATE", "timestamp": "DATETIME",
              "dec": "DECIMAL(12,2)", "tier": "ENUM('gold', 'silver', 'bronze', 'it''s')",
              "float4": "DOUBLE"},
    "clickhouse": {"int": "Nullable(Int64)", "int4": "Nullable(Int32)",
                   "float": "Nullable(Float64)", "text": "Nullable(String)",
                   "char6": "Nullable(String)", "date": "Nullable(Date)",
                   "timestamp": "Nullable(DateTime)", "dec": "Nullable(Decimal(12, 2))",
                   "tier": "Nullable(String)", "float4": "Nullable(Float64)"},
}
#: float4 is PostgreSQL's real; elsewhere the loader copies its single-precision value into a
#: double (tools.semantics.kinds.SINGLE)
#: grid column kinds -> the catalog's canonical types (int4 is a 4-byte int: PostgreSQL's
#: substr() takes no bigint)
#: tier is an ENUM on MySQL (sorted by declaration), text elsewhere as the loader copies it
_CANONICAL = {"int4": "int", "char6": "text", "dec": "decimal(12,2)", "tier": "text",
              "float4": "float4"}


@dataclass(frozen=True)
class GridCase:
    family: str
    source: str
    expr: str
    targets: tuple[str, ...]
    columns: dict[str, str]
    rows: list[list[Any]] = field(hash=False)
    sql: str | None = None
    """a whole query returning (id, v), for aggregates; `expr` then only names the case"""
    collate: tuple[tuple[str, str], ...] = ()
    """(engine, collation) the grid's text columns are declared with on that engine"""

    @property
    def id(self) -> str:
        collate = dict(self.collate).get(self.source)
        return f"{self.family}:{self.source}:{self.expr}" + (f":{collate}" if collate else "")

    def schema(self) -> dict[str, dict[str, str]]:
        """The grid table as the source catalog would describe it to the translator."""
        return {"grid": {"id": "int"} | {name: _CANONICAL.get(kind, kind)
                                         for name, kind in self.columns.items()}}

    def collations(self) -> dict[str, dict[str, str]]:
        """How the source catalog would say the grid's text columns compare."""
        from tools.semantics.collations import labels

        declared = dict(self.collate).get(self.source)
        return labels(self.source, [{"name": "grid", "columns": [
            {"name": n, "type": _DDL[self.source][k], "collation": declared}
            for n, k in self.columns.items() if k.startswith(("text", "char"))]}])

    def enums(self) -> dict[str, dict[str, tuple[str, ...]]]:
        """The source catalog's ENUM columns, as the translator reads them."""
        from tools.semantics.enum_order import enum_values

        return enum_values(self.source, [{"name": "grid", "columns": [
            {"name": n, "type": _DDL[self.source][k]} for n, k in self.columns.items()]}])

    def query(self) -> str:
        if self.sql:
            return self.sql
        return f"SELECT id, {self.expr} AS v FROM grid ORDER BY id"


def load_cases() -> list[GridCase]:
    cases = []
    for path in sorted(FIXTURES.glob("*.yaml")):
        spec = yaml.safe_load(path.read_text(encoding="utf-8"))
        for case in spec["cases"]:
            targets = tuple(case.get("targets") or [e for e in ALL if e != case["source"]])
            cases.append(GridCase(spec["family"], case["source"], case["expr"], targets,
                                  spec["columns"], spec["rows"], case.get("query"),
                                  tuple(sorted((spec.get("collate") or {}).items()))))
    return cases


def _literal(value: Any, kind: str, engine: str) -> str:
    if value is None:
        return "NULL"
    if kind == "char6":  # PostgreSQL pads it; the loader copies the padded value elsewhere
        value, kind = str(value).ljust(6), "text"
    if kind in ("text", "tier"):
        text = str(value).replace("'", "''")
        return "'" + (text.replace("\\", "\\\\") if engine in ("mysql", "clickhouse")
                      else text) + "'"
    if kind in ("date", "timestamp"):
        # SQLite keeps dates as ISO text (its CAST(... AS DATE) would make 2024 of them)
        if engine == "sqlite":
            return f"'{value}'"
        spelled = {"mysql": "DATETIME", "clickhouse": "DateTime"}.get(engine, "TIMESTAMP")
        return f"CAST('{value}' AS {'DATE' if kind == 'date' else spelled})"
    if kind == "float4":
        if isinstance(value, str):  # 'Infinity' / '-Infinity'
            sign = "-" if value.startswith("-") else ""
            return f"{sign}9e999" if engine == "sqlite" else f"CAST('{value}' AS DOUBLE PRECISION)"
        # the single-precision value itself, as PostgreSQL stores it and the loader copies it
        return repr(value) if engine == "postgres" else repr(
            struct.unpack("f", struct.pack("f", value))[0])
    if kind == "dec" and engine == "clickhouse":
        # the loader copies the value the source stored at the column's scale (rounded half
        # away from zero); ClickHouse would truncate the literal's extra digits itself
        return str(decimal.Decimal(repr(value)).quantize(decimal.Decimal("0.01"),
                                                         rounding=decimal.ROUND_HALF_UP))
    if kind == "float" and isinstance(value, str):  # inf / nan spelled per engine
        return {"sqlite": "9e999"}.get(engine, f"CAST('{value}' AS DOUBLE PRECISION)")
    return repr(value)


def _quoted(name: str, engine: str) -> str:
    if name == name.lower():
        return name
    return f"`{name}`" if engine == "mysql" else f'"{name}"'


def setup_sql(case: GridCase, engine: str) -> list[str]:
    collate = dict(case.collate).get(engine)
    # a mixed-case column is created quoted, in the catalog's spelling, as the loader does
    ddl = ", ".join(f"{_quoted(name, engine)} {_DDL[engine][kind]}"
                    + (f" COLLATE {collate}" if collate and kind == "text" else "")
                    for name, kind in case.columns.items())
    # a primary key: PostgreSQL then groups by it with its dependent columns selected
    id_type = "Int64" if engine == "clickhouse" else "INTEGER PRIMARY KEY"
    engine_clause = " ENGINE = Memory" if engine == "clickhouse" else ""
    rows = ", ".join(
        "(" + ", ".join([str(i)] + [_literal(v, k, engine) for v, k in
                                    zip(row, case.columns.values(), strict=True)]) + ")"
        for i, row in enumerate(case.rows))
    # MariaDB caches a correlated subquery's result by the outer value compared under its
    # collation ('ada' hits the entry of 'ADA '): the grid's correlated cases measure the
    # rewrite, not that cache (docs: text_collation's known limit)
    session = ["SET SESSION optimizer_switch = 'subquery_cache=off'"] if engine == "mysql" \
        else []
    return [*session, "DROP TABLE IF EXISTS grid",
            f"CREATE TABLE grid (id {id_type}, {ddl}){engine_clause}",
            f"INSERT INTO grid VALUES {rows}"]


def canonical(value: Any) -> Any:
    """One spelling per value across drivers: numbers as floats, dates as ISO text (a
    timestamp as SQLite writes it, with a space)."""
    if isinstance(value, bool):
        return int(value)
    if isinstance(value, (int, float, decimal.Decimal)):
        number = float(value)
        return 0.0 if number == 0 else number  # -0.0 is 0
    if isinstance(value, datetime.datetime):
        if value.tzinfo is not None:  # PostgreSQL's timestamptz: the UTC wall time
            value = value.astimezone(datetime.UTC).replace(tzinfo=None)
        return value.isoformat(sep=" ")
    if isinstance(value, datetime.date):
        return value.isoformat()
    if isinstance(value, pa.MonthDayNano):  # an interval, its months and days kept apart
        return interval_text(value)
    return value


def same(a: list[Any], b: list[Any]) -> bool:
    if len(a) != len(b):
        return False
    for x, y in zip(a, b, strict=True):
        if isinstance(x, float) and isinstance(y, float):
            if math.isnan(x) and math.isnan(y):
                continue
            if not math.isclose(x, y, rel_tol=1e-12, abs_tol=1e-12):
                return False
        elif x != y and not _same_instant(x, y):
            return False
    return True


def _same_instant(x: Any, y: Any) -> bool:
    """A DATE and a TIMESTAMP at its midnight, or ISO text and a typed value, are the same
    instant: the data differ compares them so (tools/diff/normalise.py)."""
    if not (isinstance(x, str) and isinstance(y, str)):
        return False
    try:
        return datetime.datetime.fromisoformat(x) == datetime.datetime.fromisoformat(y)
    except ValueError:
        return False


# --- translating and running -----------------------------------------------------------


def translated(case: GridCase, target: str) -> str | None:
    """The target SQL, or None when the library rules the pair unsupported (with a reason)."""
    from tools.errors import Unsupported
    from tools.sql import transpile

    try:
        return transpile(case.query(), case.source, target, case.id, case.schema(),
                         collations=case.collations(), enums=case.enums(),
                         keys={"grid": ("id",)})
    except Unsupported as exc:
        # "unsupported" is a valid outcome, but only as the library's own verdict
        assert "cannot be carried" in str(exc), str(exc)
        return None


def chdb_results(pairs: list[tuple[GridCase, str]]) -> dict[str, list[Any] | str]:
    """case id -> chdb values (or error text) for every pair targeting ClickHouse."""
    jobs = [(case, sql) for case, target in pairs if target == "clickhouse"
            if (sql := translated(case, "clickhouse")) is not None]
    results = run_chdb_batch([(setup_sql(c, "clickhouse"), sql) for c, sql in jobs])
    return {case.id: result for (case, _), result in zip(jobs, results, strict=True)}


def differences(case: GridCase, expected: list[Any], got: list[Any]) -> list[tuple]:
    """(grid row, source value, target value) wherever the two engines disagree."""
    label = (lambda i: case.rows[i]) if case.sql is None else (lambda i: i)
    return [(label(i), e, g) for i, (e, g) in enumerate(zip(expected, got, strict=True))
            if not same([e], [g])]



def run_embedded(engine: str, setup: list[str], query: str) -> list[Any]:
    if engine == "sqlite":
        conn = sqlite3.connect(":memory:")
        for stmt in setup[1:]:
            conn.execute(stmt)
        rows = conn.execute(query).fetchall()
        conn.close()
    elif engine == "duckdb":
        import duckdb
        with duckdb.connect() as con:
            for stmt in setup[1:]:
                con.execute(stmt)
            rows = con.execute(query).fetchall()
            if any(isinstance(r[1], datetime.timedelta) for r in rows):
                # DuckDB's Python intervals fold a month into 30 days; Arrow keeps it apart
                values = con.execute(query).to_arrow_table().column(1).to_pylist()
                return [canonical(v) for v in values]
    else:
        raise ValueError(f"{engine} is not run in this process")
    return [canonical(r[1]) for r in rows]


def run_chdb_batch(jobs: list[tuple[list[str], str]]) -> list[list[Any] | str]:
    """Run (setup, query) jobs on chdb in one child process; an error comes back as text."""
    out = subprocess.run([sys.executable, "-m", "tests.support.semantics_chdb"],
                         input=json.dumps(jobs), capture_output=True, text=True, check=True,
                         cwd=Path(__file__).resolve().parents[2])
    results = json.loads(out.stdout.strip().splitlines()[-1])
    return [r if isinstance(r, str) else [canonical(v) for v in r] for r in results]


def run_server(engine_url: Any, setup: list[str], query: str) -> list[Any]:
    """Run on a server database through SQLAlchemy (an Engine created by the caller)."""
    with engine_url.begin() as conn:
        if engine_url.dialect.name == "postgresql":  # intervals with months and days apart
            from psycopg.adapt import Loader

            from tools.db import postgres_interval
            conn.connection.driver_connection.adapters.register_loader(
                "interval", postgres_interval.loader(Loader))
        for stmt in setup:
            conn.exec_driver_sql(stmt.replace("%", "%%"))
        rows = conn.exec_driver_sql(query.replace("%", "%%")).fetchall()
    return [canonical(r[1]) for r in rows]
