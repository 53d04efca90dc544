"""The differ's hazard matrix through real engines and `cutover diff`: every hazard both ways —
an equal pair finds nothing (exit 0), one planted change is found exactly (exit 1, the right
rows and column) — for pairs across PostgreSQL, MariaDB, SQLite, DuckDB and ClickHouse (chdb),
with the stream and the checksum algorithms. chdb holds one embedded server per process, so its
pairs run in one subprocess of their own (tests/support/chdb_matrix.py).

Each engine database holds, per case, three tables: <case>_s (source schema and rows), <case>_e
(target schema, rows equal to the source's) and <case>_p (target schema, one planted change).
Tables are created with each engine's own driver, never through the adapters under test.
"""

from __future__ import annotations

import datetime as dt
import json
import sqlite3
import subprocess
import sys
import unicodedata
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy.engine import make_url
from typer.testing import CliRunner

from cutover.cli import app
from tests.integration.conftest import drop_database, new_database
from tests.support.fault_tally import count_identical, count_mutation
from tools.trace import NullTracer

pytestmark = pytest.mark.integration
UTC = dt.UTC
Row = tuple[Any, ...]

DDL = {  # portable column type -> native DDL per engine
    "postgres": {"int": "integer", "bigint": "bigint", "dec2": "numeric(10,2)",
                 "dec4": "numeric(12,4)", "double": "double precision", "text": "text",
                 "bool": "boolean", "date": "date", "ts": "timestamp(6)", "tstz": "timestamptz"},
    "mysql": {"int": "int", "bigint": "bigint", "dec2": "decimal(10,2)", "dec4": "decimal(12,4)",
              "double": "double", "text": "varchar(200)", "bool": "boolean", "date": "date",
              "ts": "datetime(6)", "tstz": "timestamp(6) NULL"},
    "sqlite": {"int": "INTEGER", "bigint": "INTEGER", "dec2": "NUMERIC(10,2)",
               "dec4": "NUMERIC(12,4)", "double": "REAL", "text": "TEXT", "bool": "BOOLEAN",
               "date": "DATE", "ts": "DATETIME", "tstz": "DATETIME"},
    "duckdb": {"int": "INTEGER", "bigint": "BIGINT", "dec2": "DECIMAL(10,2)",
               "dec4": "DECIMAL(12,4)", "double": "DOUBLE", "text": "VARCHAR", "bool": "BOOLEAN",
               "date": "DATE", "ts": "TIMESTAMP", "tstz": "TIMESTAMPTZ"},
    # Non-key columns are wrapped in Nullable(...) when created (_statements).
    "chdb": {"int": "Int32", "bigint": "Int64", "dec2": "Decimal(10,2)", "dec4": "Decimal(12,4)",
             "double": "Float64", "text": "String", "bool": "Bool", "date": "Date32",
             "ts": "DateTime64(6)", "tstz": "DateTime64(6, 'UTC')"},
}
ALL = frozenset(DDL)


@dataclass
class Case:
    name: str
    columns: list[tuple[str, str]]
    rows: list[Row]
    plant: Callable[[list[Row]], list[Row]]
    """Target rows with one planted change, from the equal target rows."""
    expect: dict[str, Any]
    """changed / only_source / only_target counts and the mismatched `columns`."""
    target_types: dict[str, str] = field(default_factory=dict)
    target_rows: list[Row] | None = None
    """Equal-but-not-identical target rows (float noise); default: the source rows."""
    keyed: bool = True
    engines: frozenset[str] = ALL
    options: list[str] = field(default_factory=list)
    cause: str | None = None


def put(rows: list[Row], i: int, col: int, value: Any) -> list[Row]:
    out = list(rows)
    row = list(out[i])
    row[col] = value
    out[i] = tuple(row)
    return out


NFC, NFD = unicodedata.normalize("NFC", "café"), unicodedata.normalize("NFD", "café")
TS = [dt.datetime(2024, 1, 2, 3, 4, 5, 123456), dt.datetime(1970, 1, 1, 0, 0, 1),
      dt.datetime(2038, 1, 19, 3, 14, 7)]
TSZ = [dt.datetime(2024, 1, 2, 3, 4, 5, 654321, tzinfo=UTC),
       dt.datetime(2001, 9, 9, 1, 46, 40, tzinfo=UTC), dt.datetime(2030, 1, 1, tzinfo=UTC)]
ONE = {"changed": 1, "only_source": 0, "only_target": 0}

CASES = [
    Case("float_noise", [("id", "int"), ("x", "double")],
         [(1, 0.1 + 0.2), (2, 1.0), (3, -0.0)], lambda r: put(r, 1, 1, 1.01),
         {**ONE, "columns": ["x"]}, target_rows=[(1, 0.3), (2, 1.0), (3, 0.0)]),
    Case("float_special", [("id", "int"), ("x", "double")],
         [(1, float("nan")), (2, float("inf")), (3, float("-inf"))],
         lambda r: put(r, 1, 1, 1e308), {**ONE, "columns": ["x"]},
         engines=frozenset({"postgres", "duckdb", "chdb"})),  # MariaDB, SQLite store no NaN
    Case("tolerance", [("id", "int"), ("x", "double"), ("y", "double")],
         [(1, 100.0, 200.0), (2, 5.0, 5.0)], lambda r: put(r, 0, 1, 101.0),
         {**ONE, "columns": ["x"]}, target_rows=[(1, 100.4, 201.0), (2, 5.0, 5.0)],
         options=["--tolerance", "x=abs:0.5", "--tolerance", "y=rel:0.01"]),
    Case("decimal_scale", [("id", "int"), ("amt", "dec2")],
         [(1, Decimal("1.50")), (2, Decimal("2.00")), (3, Decimal("-0.50"))],
         lambda r: put(r, 1, 1, Decimal("2.01")), {**ONE, "columns": ["amt"]},
         target_types={"amt": "dec4"}),
    Case("big_int", [("id", "int"), ("v", "bigint")],
         [(1, 2**53 + 1), (2, 2**62 + 3), (3, -(2**62))], lambda r: put(r, 0, 1, 2**53),
         {**ONE, "columns": ["v"]}),
    Case("null_empty_text", [("id", "int"), ("v", "text")],
         [(1, None), (2, ""), (3, "NULL")], lambda r: put(r, 0, 1, ""),
         {**ONE, "columns": ["v"]}, cause="nulls"),
    Case("timestamps", [("id", "int"), ("ts", "ts"), ("tz", "tstz")],
         [(i + 1, TS[i], TSZ[i]) for i in range(3)],
         lambda r: put(r, 1, 1, TS[1] + dt.timedelta(seconds=1)), {**ONE, "columns": ["ts"]}),
    Case("dates", [("id", "int"), ("d", "date")],
         [(1, dt.date(2024, 2, 29)), (2, dt.date(1999, 12, 31))],
         lambda r: put(r, 0, 1, dt.date(2024, 3, 1)), {**ONE, "columns": ["d"]}),
    Case("case", [("id", "int"), ("v", "text")], [(1, "Paris"), (2, "x")],
         lambda r: put(r, 0, 1, "PARIS"), {**ONE, "columns": ["v"]}, cause="case"),
    Case("trailing_spaces", [("id", "int"), ("v", "text")], [(1, "abc"), (2, "x")],
         lambda r: put(r, 0, 1, "abc  "), {**ONE, "columns": ["v"]}, cause="whitespace"),
    Case("unicode_nfc_nfd", [("id", "int"), ("v", "text")], [(1, NFC), (2, "x")],
         lambda r: put(r, 0, 1, NFD), {**ONE, "columns": ["v"]}),
    Case("column_boundary", [("id", "int"), ("a", "text"), ("b", "text")],
         [(1, "ab", "c"), (2, "x", "y")], lambda r: put(put(r, 0, 1, "a"), 0, 2, "bc"),
         {**ONE, "columns": ["a", "b"]}),
    Case("bool_vs_int", [("id", "int"), ("flag", "bool")], [(1, True), (2, False), (3, None)],
         lambda r: put(r, 1, 1, 1), {**ONE, "columns": ["flag"]},
         target_types={"flag": "int"}, target_rows=[(1, 1), (2, 0), (3, None)]),
    Case("json_key_order", [("id", "int"), ("doc", "text")], [(1, '{"a": 1, "b": 2}')],
         lambda r: put(r, 0, 1, '{"b": 2, "a": 1}'), {**ONE, "columns": ["doc"]}),
    Case("duplicates_keyless", [("a", "int"), ("b", "text")], [(1, "a"), (1, "a"), (2, "b")],
         lambda r: [(1, "a"), (2, "b"), (2, "b")],
         {"changed": 0, "only_source": 1, "only_target": 1, "columns": []}, keyed=False,
         cause="duplicates"),
    Case("keyless_inferred", [("g", "int"), ("h", "text"), ("x", "double")],
         [(1, "a", 1.5), (1, "b", 2.5), (2, "a", 3.5)], lambda r: put(r, 1, 2, 9.5),
         {**ONE, "columns": ["x"]}, keyed=False),
    # Also the table behind test_ordering_and_ties: three rows tie on score.
    Case("ordering", [("name", "text"), ("score", "int")],
         [("a", 10), ("b", 10), ("c", 10), ("d", 5), ("e", 1)], lambda r: put(r, 4, 1, 2),
         {**ONE, "columns": ["score"]}, keyed=False),
    Case("empty", [("id", "int"), ("v", "text")], [], lambda r: [(1, "a")],
         {"changed": 0, "only_source": 0, "only_target": 1, "columns": []}),
]


# ---------------------------------------------------------------- seeding, per engine
def _value(engine: str, v: Any) -> Any:
    if engine == "sqlite":
        if isinstance(v, dt.datetime):
            return v.isoformat(sep=" ")
        if isinstance(v, dt.date):
            return v.isoformat()
        if isinstance(v, Decimal):
            return str(v)
    if engine in ("mysql", "chdb") and isinstance(v, dt.datetime) and v.tzinfo:
        return v.astimezone(UTC).replace(tzinfo=None)  # the session zone is UTC
    return v


def _statements(engine: str, case: Case) -> Iterator[tuple[str, str, list[Row]]]:
    """(table, CREATE TABLE, rows) for the case's three tables."""
    q = "`" if engine == "mysql" else '"'
    target = [(c, case.target_types.get(c, t)) for c, t in case.columns]
    t_rows = case.target_rows if case.target_rows is not None else case.rows
    for suffix, cols, rows in (("s", case.columns, case.rows), ("e", target, t_rows),
                               ("p", target, case.plant(t_rows))):
        defs = [f"{q}{c}{q} {DDL[engine][t]}" for c, t in cols]
        table = f"{case.name}_{suffix}"
        if engine == "chdb":
            # A ClickHouse key is a sort prefix, not a constraint, and cannot be Nullable.
            keyed = 1 if case.keyed else 0
            defs = defs[:keyed] + [f"{c} Nullable({DDL[engine][t]})" for c, t in cols[keyed:]]
            order = cols[0][0] if case.keyed else "tuple()"
            yield table, (f"CREATE TABLE {table} ({', '.join(defs)}) ENGINE = MergeTree "
                          f"ORDER BY {order}"), [tuple(_value(engine, v) for v in r) for r in rows]
            continue
        if case.keyed:
            defs[0] += " PRIMARY KEY"
        yield table, f"CREATE TABLE {table} ({', '.join(defs)})", \
            [tuple(_value(engine, v) for v in row) for row in rows]


def _chdb_literal(v: Any) -> str:
    if v is None:
        return "NULL"
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, float):
        return {"nan": "nan", "inf": "inf", "-inf": "-inf"}.get(repr(v), repr(v))
    if isinstance(v, int | Decimal):
        return str(v)
    if isinstance(v, dt.datetime | dt.date):
        v = v.isoformat(sep=" ") if isinstance(v, dt.datetime) else v.isoformat()
    return "'" + str(v).replace("\\", "\\\\").replace("'", "\\'") + "'"


def seed_chdb(url: str, only: list[Case] | None = None) -> None:
    """chdb tables through chdb's own connection (in the process that will diff them)."""
    import chdb

    u = make_url(url)
    con = chdb.connect(u.database)
    database = u.query["database"]
    con.query(f"CREATE DATABASE IF NOT EXISTS {database}")
    for case in [c for c in only or CASES if "chdb" in c.engines]:
        for table, create, rows in _statements("chdb", case):
            con.query(create.replace(f"TABLE {table}", f"TABLE {database}.{table}", 1))
            if rows:
                values = ", ".join("(" + ", ".join(map(_chdb_literal, r)) + ")" for r in rows)
                con.query(f"INSERT INTO {database}.{table} VALUES {values}")
    con.close()


def _seed(engine: str, url: str, only: list[Case] | None = None) -> None:
    cases = [c for c in only or CASES if engine in c.engines]
    if engine in ("sqlite", "duckdb"):
        import duckdb

        path = make_url(url).database
        con: Any = sqlite3.connect(path) if engine == "sqlite" else duckdb.connect(path)
        for _, create, rows in (s for c in cases for s in _statements(engine, c)):
            con.execute(create)
            table = create.split()[2]
            for row in rows:
                con.execute(f"INSERT INTO {table} VALUES ({', '.join('?' * len(row))})", row)
        con.commit() if engine == "sqlite" else None
        con.close()
        return
    u = make_url(url)
    if engine == "postgres":
        import psycopg

        pcon = psycopg.connect(host=u.host, port=u.port, user=u.username, password=u.password,
                               dbname=u.database, autocommit=True)
    else:
        import pymysql

        pcon = pymysql.connect(host=u.host, port=u.port, user=u.username,
                               password=u.password or "", database=u.database, autocommit=True,
                               charset="utf8mb4")
    with pcon.cursor() as cur:
        if engine == "mysql":
            cur.execute("SET time_zone = '+00:00'")
        for table, create, rows in (s for c in cases for s in _statements(engine, c)):
            cur.execute(create)
            for row in rows:
                cur.execute(f"INSERT INTO {table} VALUES ({', '.join(['%s'] * len(row))})", row)
    pcon.close()


@pytest.fixture(scope="module")
def engines(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
            ) -> Iterator[dict[str, str]]:
    """engine -> URL of a database holding every case's tables."""
    base = tmp_path_factory.mktemp("matrix")
    pg_server = request.getfixturevalue("pg_url")
    my_server = request.getfixturevalue("mysql_url")
    urls = {"postgres": new_database(pg_server), "mysql": new_database(my_server),
            "sqlite": f"sqlite:///{base / 'h.db'}", "duckdb": f"duckdb:///{base / 'h.duckdb'}"}
    try:
        for engine, url in urls.items():
            _seed(engine, url)
        yield urls
    finally:
        drop_database(pg_server, urls["postgres"])
        drop_database(my_server, urls["mysql"])


# ---------------------------------------------------------------- the matrix
PAIRS = [("postgres", "duckdb"), ("mysql", "duckdb"), ("sqlite", "duckdb"),
         ("duckdb", "postgres"), ("postgres", "mysql"), ("mysql", "sqlite")]


def _params() -> Iterator[Any]:
    for case in CASES:
        for a, b in PAIRS:
            if a not in case.engines or b not in case.engines:
                continue
            for algorithm in ("stream", "checksum") if case.keyed else ("stream",):
                yield pytest.param(case, a, b, algorithm, id=f"{case.name}-{a}-{b}-{algorithm}")


def diff(urls: dict[str, str], a: str, b: str, s_table: str, t_table: str, algorithm: str,
         options: list[str], out: Path) -> tuple[int, dict[str, Any], str]:
    args = ["diff", urls[a], s_table, urls[b], t_table, "--algorithm", algorithm,
            "--json", str(out), *options]
    result = CliRunner().invoke(app, args)
    assert result.exception is None or isinstance(result.exception, SystemExit), result.output
    report = json.loads(out.read_text()) if result.exit_code in (0, 1) else {}
    return result.exit_code, report, result.output


@pytest.mark.parametrize(("case", "a", "b", "algorithm"), list(_params()))
def test_hazard_both_ways(engines: dict[str, str], tmp_path: Path, case: Case, a: str, b: str,
                          algorithm: str) -> None:
    equal = diff(engines, a, b, f"{case.name}_s", f"{case.name}_e", algorithm, case.options,
                 tmp_path / "equal.json")
    planted = diff(engines, a, b, f"{case.name}_s", f"{case.name}_p", algorithm, case.options,
                   tmp_path / "planted.json")
    check_both_ways(case, equal, planted)


Outcome = tuple[int, dict[str, Any], str]


def check_both_ways(case: Case, equal: Outcome, planted: Outcome) -> None:
    _tally(case, equal, planted)
    code, report, output = equal
    assert code == 0, output
    assert report["verdict"] in ("parity", "parity_with_tolerance")
    assert report["vacuous"] == (not case.rows)
    code, report, output = planted
    assert code == 1, output
    assert _found(report) == case.expect, output
    if case.cause:
        assert case.cause in {d["cause"] for d in report["diagnosis"]}, report["diagnosis"]
    if case.name == "json_key_order":
        assert any("equal as JSON" in d["detail"] for d in report["diagnosis"])


def _found(report: dict[str, Any]) -> dict[str, Any]:
    return {"changed": report.get("changed_count"),
            "only_source": report.get("only_in_source_count"),
            "only_target": report.get("only_in_target_count"),
            "columns": [c["name"] for c in report.get("columns", []) if c["mismatched"]]}


def _tally(case: Case, equal: Outcome, planted: Outcome) -> None:
    """The fault suite's table counts the server pairs' hazards too (issue 9 item 7)."""
    count_identical(equal[0], equal[1])
    count_mutation(planted[0] == 1 and _found(planted[1]) == case.expect)


# ---------------------------------------------------------------- ordering and ties
TOP = "SELECT name, score FROM ordering_{t} ORDER BY {order}"


@pytest.mark.parametrize(("a", "b"), PAIRS, ids=[f"{a}-{b}" for a, b in PAIRS])
def test_ordering_and_ties(engines: dict[str, str], tmp_path: Path, a: str, b: str) -> None:
    """A source query with a top-level ORDER BY is compared in order: the same rows in
    another order among ties of its ORDER BY columns are flagged, not failed; a real order
    difference is found; a LIMIT that cuts a group of ties is flagged non-deterministic."""
    def run(source: str, target: str, *options: str) -> Outcome:
        return diff(engines, a, b, source, target, "auto", list(options),
                    tmp_path / "ordering.json")

    code, report, output = run(TOP.format(t="s", order="score DESC"),
                               TOP.format(t="e", order="score DESC, name DESC"))
    assert code == 0, output
    assert report["mode"] == "ordered"

    code, report, output = run(TOP.format(t="s", order="score DESC"),
                               TOP.format(t="e", order="score ASC"))
    assert code == 1, output
    assert "ordering" in {d["cause"] for d in report["diagnosis"]}
    code, report, output = run(TOP.format(t="s", order="score DESC"),
                               TOP.format(t="e", order="score ASC"), "--unordered")
    assert code == 0, output

    # Each engine keeps some 2 of the 3 rows tied at 10: different ones are ties cut by LIMIT.
    code, report, output = run(TOP.format(t="s", order="score DESC LIMIT 2"),
                               TOP.format(t="e", order="score DESC, name DESC LIMIT 2"))
    assert code == 0 or report["nondeterministic"], output
    assert code == 0 or {d["cause"] for d in report["diagnosis"]} <= {
        "nondeterministic", "missing_rows", "extra_rows"}, report["diagnosis"]


# ---------------------------------------------------------------- checksums at scale
WIDE = [("id", "int"), ("n", "bigint"), ("amt", "dec2"), ("x", "double"), ("s", "text"),
        ("f", "bool"), ("d", "date"), ("ts", "ts")]


def _wide_rows(n: int) -> list[Row]:
    base = dt.datetime(2020, 1, 1)
    return [(i, i * 7919 - 10**12, Decimal(i % 10000) / 100, i / 7.0 if i % 11 else None,
             f"s{i % 113}" + (" " if i % 97 == 0 else ""), i % 3 == 0,
             dt.date(2000, 1, 1) + dt.timedelta(days=i % 5000),
             base + dt.timedelta(microseconds=i * 1234567)) for i in range(n)]


def wide_case(n: int) -> Case:
    rows = _wide_rows(n)
    planted = put(rows, 1234, 4, "changed")
    return Case("wide", WIDE, rows, lambda r: planted, {})


WIDE_ROWS = 4000


@pytest.mark.parametrize(("a", "b"), [("postgres", "mysql"), ("mysql", "sqlite"),
                                      ("sqlite", "duckdb"), ("duckdb", "postgres")])
def test_checksum_segments_agree_across_engines(engines: dict[str, str], tmp_path: Path,
                                                a: str, b: str) -> None:
    """4,000 rows of every type: equal tables fetch no row at all (every segment checksum
    agrees inside the engines); one changed row is found by bisecting to a few rows."""
    case = wide_case(WIDE_ROWS)
    for engine in (a, b):
        _seed_once(engine, engines[engine], case)
    outcomes = [diff(engines, a, b, "wide_s", table, "checksum", [], tmp_path / f"{table}.json")
                for table in ("wide_e", "wide_p")]
    check_checksum_segments(*outcomes)


def check_checksum_segments(equal: Outcome, planted: Outcome) -> None:
    count_identical(equal[0], equal[1])
    count_mutation(planted[0] == 1 and planted[1].get("changed_count") == 1)
    for (code, report, output), changed in ((equal, 0), (planted, 1)):
        assert code == changed, output
        assert report["changed_count"] == changed
        fetched = report["evidence"]["fetched_rows"]
        assert fetched["source"] <= (0 if changed == 0 else 300), report["evidence"]


_SEEDED: set[str] = set()


def _seed_once(engine: str, url: str, case: Case) -> None:
    if url not in _SEEDED:
        _SEEDED.add(url)
        _seed(engine, url, [case])


# ---------------------------------------------------------------- chdb, in a process of its own
CHDB_PAIRS = [("chdb", "duckdb"), ("postgres", "chdb")]
CHDB_WIDE = [("chdb", "duckdb"), ("postgres", "chdb")]


def _chdb_params() -> Iterator[Any]:
    for case in CASES:
        for a, b in CHDB_PAIRS:
            if a in case.engines and b in case.engines:
                for algorithm in ("stream", "checksum") if case.keyed else ("stream",):
                    yield pytest.param(case, a, b, algorithm,
                                       id=f"{case.name}-{a}-{b}-{algorithm}")


@pytest.fixture(scope="module")
def chdb_outcomes(engines: dict[str, str], tmp_path_factory: pytest.TempPathFactory
                  ) -> dict[str, Outcome]:
    """Every chdb job's (exit code, report, output), run by tests/support/chdb_matrix.py."""
    base = tmp_path_factory.mktemp("chdb")
    urls = {**engines, "chdb": f"chdb:///{base / 'data'}?database=matrix"}
    wide = wide_case(WIDE_ROWS)
    for engine in {e for pair in CHDB_WIDE for e in pair} - {"chdb"}:
        _seed_once(engine, engines[engine], wide)
    jobs = []
    for param in _chdb_params():
        case, a, b, algorithm = param.values
        for suffix in ("e", "p"):
            jobs.append({"id": f"{param.id}-{suffix}", "a": a, "b": b, "algorithm": algorithm,
                         "source": f"{case.name}_s", "target": f"{case.name}_{suffix}",
                         "options": case.options})
    for a, b in CHDB_WIDE:
        for suffix in ("e", "p"):
            jobs.append({"id": f"wide-{a}-{b}-{suffix}", "a": a, "b": b, "algorithm": "checksum",
                         "source": "wide_s", "target": f"wide_{suffix}", "options": []})
    spec, results = base / "jobs.json", base / "results.json"
    spec.write_text(json.dumps({"urls": urls, "jobs": jobs, "wide_rows": WIDE_ROWS}))
    done = subprocess.run([sys.executable, "-m", "tests.support.chdb_matrix", str(spec),
                           str(results)], cwd=Path(__file__).resolve().parents[2],
                          capture_output=True, text=True, timeout=1200)
    assert done.returncode == 0, done.stderr[-3000:]
    return {k: tuple(v) for k, v in json.loads(results.read_text()).items()}  # type: ignore[misc]


@pytest.mark.parametrize(("case", "a", "b", "algorithm"), list(_chdb_params()))
def test_hazard_both_ways_chdb(chdb_outcomes: dict[str, Outcome], request: pytest.FixtureRequest,
                               case: Case, a: str, b: str, algorithm: str) -> None:
    job = request.node.callspec.id
    check_both_ways(case, chdb_outcomes[f"{job}-e"], chdb_outcomes[f"{job}-p"])


@pytest.mark.parametrize(("a", "b"), CHDB_WIDE)
def test_checksum_segments_agree_with_chdb(chdb_outcomes: dict[str, Outcome], a: str,
                                           b: str) -> None:
    check_checksum_segments(chdb_outcomes[f"wide-{a}-{b}-e"], chdb_outcomes[f"wide-{a}-{b}-p"])


# ---------------------------------------------------------------- DuckDB's mysql scanner
def _table_contents(con: Any, table: str) -> tuple[list[str], list[Row]]:
    types = [str(r[1]) for r in con.execute(f"DESCRIBE {table}").fetchall() if r[0] != "__rid"]
    # As text: NaN equals NaN, and instants need no Python time-zone module.
    rows = con.execute(f"SELECT CAST(COLUMNS(* EXCLUDE (__rid)) AS VARCHAR) FROM {table} "
                       f"ORDER BY __rid").fetchall()
    return types, rows


class _FallbackLog(NullTracer):
    def __init__(self) -> None:
        self.fallbacks: list[str] = []

    def event(self, kind: str, **fields: Any) -> None:
        if kind == "scan_fallback":
            self.fallbacks.append(str(fields.get("reason")))


SCANNED = [(c, e) for e in ("mysql", "sqlite", "duckdb") for c in CASES if e in c.engines]


@pytest.mark.parametrize(("case", "engine"), SCANNED, ids=[f"{c.name}-{e}" for c, e in SCANNED])
def test_duckdb_scanners_read_what_the_arrow_path_reads(engines: dict[str, str], case: Case,
                                                        engine: str) -> None:
    """Every hazard table read by DuckDB itself (mysql and sqlite scanners, an attached DuckDB
    file) gives the very types and values the adapter's Arrow path gives; MariaDB tables the
    scanner cannot type the same way are not scanned."""
    from tools.db import mysql_scan
    from tools.db.registry import open_adapter
    from tools.diff.normalise import connect
    from tools.diff.stream import drop_side, load, load_scanned

    adapter = open_adapter(engines[engine], "source", tracer=_FallbackLog())
    con = connect()
    try:
        for table in (f"{case.name}_s", f"{case.name}_p"):
            sql = f"SELECT * FROM {table}"
            arrow = load(con, "arrow", adapter.read_batches(sql, batch_rows=2),
                         lambda a=adapter, q=sql: a.read_arrow(q, limit=0).schema)
            scanned = load_scanned(con, adapter, sql, "scanned")
            if engine == "mysql":
                assert (scanned is not None) == mysql_scan.scannable(arrow.schema), arrow.schema
            if engine == "duckdb":
                assert scanned is not None, adapter.tracer.fallbacks
            if scanned is not None:
                assert _table_contents(con, "scanned") == _table_contents(con, "arrow")
            drop_side(con, "scanned")
            drop_side(con, "arrow")
    finally:
        con.close()
        adapter.close()


def test_mysql_source_is_scanned_by_duckdb_in_a_diff(engines: dict[str, str],
                                                     tmp_path: Path) -> None:
    """A MariaDB side whose types map exactly is read by the scanner (the report says so) and
    the planted difference is still found exactly; TIMESTAMP columns keep the Arrow path."""
    for case_name, read in (("null_empty_text", "scanned by DuckDB"),
                            ("timestamps", "Arrow batches")):
        code, report, output = diff(engines, "mysql", "duckdb", f"{case_name}_s",
                                    f"{case_name}_p", "stream", [], tmp_path / "r.json")
        assert code == 1, output
        assert report["evidence"]["read"]["source"] == read
        assert report["changed_count"] == 1
