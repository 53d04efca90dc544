"""The differ is mutation-tested (issue 9 item 7): for each type family on each embedded engine
pair, single-cell changes — a value, NULL↔value, trailing space, case, one ulp, a time-zone
shift, a duplicate row, a missing row — are each found; identical data across the type matrix
gives zero differences; undecodable bytes are compared as bytes, never a crash.

Tables are written with each engine's own driver; the diff runs as a user runs it
(`cutover diff`, in process). PostgreSQL and MariaDB pairs run the same hazards in
tests/integration/test_diff_matrix.py, and count in the same tally (tests/support/fault_tally.py).
"""

from __future__ import annotations

import datetime as dt
import json
import math
import sqlite3
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from cutover.cli import app
from tests.support.fault_tally import count_identical, count_mutation

UTC = dt.UTC
COLUMNS = [("id", "int"), ("n", "bigint"), ("amount", "dec"), ("x", "double"), ("t", "text"),
           ("flag", "bool"), ("d", "date"), ("ts", "ts"), ("tz", "tstz")]
DDL = {
    "duckdb": {"int": "INTEGER", "bigint": "BIGINT", "dec": "DECIMAL(12,2)", "double": "DOUBLE",
               "text": "VARCHAR", "bool": "BOOLEAN", "date": "DATE", "ts": "TIMESTAMP",
               "tstz": "TIMESTAMPTZ"},
    "sqlite": {"int": "INTEGER", "bigint": "INTEGER", "dec": "NUMERIC(12,2)", "double": "REAL",
               "text": "TEXT", "bool": "BOOLEAN", "date": "DATE", "ts": "DATETIME",
               "tstz": "DATETIME"},
}
ROWS: list[tuple[Any, ...]] = [
    (i, 2**40 + i, Decimal(f"{i}.25"), i / 3, f"name {i}", i % 2 == 0,
     dt.date(2024, 1, 1) + dt.timedelta(days=i), dt.datetime(2024, 1, 1, 12, 0, i, 5000 * i),
     dt.datetime(2024, 6, 1, 8, 30, i, tzinfo=UTC))
    for i in range(1, 9)
]
PAIRS = [("sqlite", "duckdb"), ("duckdb", "sqlite"), ("duckdb", "duckdb")]


def _set(col: str, value: Callable[[Any], Any]) -> Callable[[list[tuple]], list[tuple]]:
    index = [c for c, _ in COLUMNS].index(col)

    def mutate(rows: list[tuple]) -> list[tuple]:
        out = list(rows)
        row = list(out[3])
        row[index] = value(row[index])
        out[3] = tuple(row)
        return out
    return mutate


@dataclass(frozen=True)
class Mutation:
    name: str
    apply: Callable[[list[tuple]], list[tuple]]
    changed: int = 1
    only_source: int = 0
    only_target: int = 0
    options: tuple[str, ...] = ()


MUTATIONS = [
    Mutation("int_value", _set("n", lambda v: v + 1)),
    Mutation("int_to_null", _set("n", lambda v: None)),
    Mutation("decimal_cent", _set("amount", lambda v: v + Decimal("0.01"))),
    Mutation("decimal_to_null", _set("amount", lambda v: None)),
    Mutation("double_value", _set("x", lambda v: v * 2)),
    # One ulp is float noise under the default tolerance (documented); exact, it is found.
    Mutation("double_ulp", _set("x", lambda v: math.nextafter(v, math.inf)),
             options=("--tolerance", "x=abs:0")),
    Mutation("double_to_null", _set("x", lambda v: None)),
    Mutation("text_value", _set("t", lambda v: v + "x")),
    Mutation("text_trailing_space", _set("t", lambda v: v + " ")),
    Mutation("text_case", _set("t", lambda v: v.upper())),
    Mutation("text_empty", _set("t", lambda v: "")),
    Mutation("text_null_string", _set("t", lambda v: "NULL")),
    Mutation("text_to_null", _set("t", lambda v: None)),
    Mutation("bool_flip", _set("flag", lambda v: not v)),
    Mutation("date_day", _set("d", lambda v: v + dt.timedelta(days=1))),
    Mutation("ts_microsecond", _set("ts", lambda v: v + dt.timedelta(microseconds=1))),
    Mutation("tz_shift", _set("tz", lambda v: v + dt.timedelta(hours=1))),
    Mutation("missing_row", lambda rows: rows[:4] + rows[5:], changed=0, only_source=1),
    Mutation("extra_row", lambda rows: rows + [(99, *rows[0][1:])], changed=0,
             only_target=1),
]


def _write(engine: str, path: Path, table: str, rows: list[tuple]) -> None:
    cols = ", ".join(f"{c} {DDL[engine][t]}" for c, t in COLUMNS)
    marks = ", ".join("?" for _ in COLUMNS)
    if engine == "sqlite":
        con = sqlite3.connect(path)
        con.execute(f"CREATE TABLE {table} ({cols}, PRIMARY KEY (id))")
        con.executemany(f"INSERT INTO {table} VALUES ({marks})", [
            tuple(str(v) if isinstance(v, Decimal) else
                  v.astimezone(UTC).replace(tzinfo=None).isoformat(sep=" ")
                  if isinstance(v, dt.datetime) and v.tzinfo else
                  v.isoformat(sep=" ") if isinstance(v, dt.datetime) else
                  v.isoformat() if isinstance(v, dt.date) else v for v in row) for row in rows])
        con.commit()
        con.close()
        return
    import duckdb

    con = duckdb.connect(str(path))
    con.execute("SET TimeZone = 'UTC'")
    con.execute(f"CREATE TABLE {table} ({cols}, PRIMARY KEY (id))")
    con.executemany(f"INSERT INTO {table} VALUES ({marks})", rows)
    con.close()


def _diff(a: str, pa_: Path, b: str, pb: Path, table: str, options: tuple[str, ...],
          out: Path) -> tuple[int, dict[str, Any]]:
    result = CliRunner().invoke(app, ["diff", f"{a}:///{pa_}", "base", f"{b}:///{pb}", table,
                                      "--key", "id", "--json", str(out), *options])
    assert result.exception is None or isinstance(result.exception, SystemExit), result.output
    assert result.exit_code in (0, 1), result.output
    return result.exit_code, json.loads(out.read_text())


@pytest.fixture(scope="module")
def databases(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    base = tmp_path_factory.mktemp("mutations")
    paths = {"sqlite": base / "m.sqlite", "duckdb": base / "m.duckdb"}
    for engine, path in paths.items():
        _write(engine, path, "base", ROWS)
        _write(engine, path, "same", ROWS)
        for m in MUTATIONS:
            _write(engine, path, m.name, m.apply(ROWS))
    return paths


@pytest.mark.parametrize(("a", "b"), PAIRS, ids=[f"{a}-{b}" for a, b in PAIRS])
def test_identical_data_gives_zero_differences(databases, tmp_path: Path, a: str, b: str) -> None:
    code, report = _diff(a, databases[a], b, databases[b], "same", (), tmp_path / "r.json")
    false = count_identical(code, report)
    assert code == 0 and false == 0, report["diagnosis"]


@pytest.mark.parametrize(("a", "b"), PAIRS, ids=[f"{a}-{b}" for a, b in PAIRS])
@pytest.mark.parametrize("mutation", MUTATIONS, ids=[m.name for m in MUTATIONS])
def test_every_single_cell_change_is_found(databases, tmp_path: Path, a: str, b: str,
                                           mutation: Mutation) -> None:
    code, report = _diff(a, databases[a], b, databases[b], mutation.name, mutation.options,
                         tmp_path / "r.json")
    found = (report["changed_count"], report["only_in_source_count"],
             report["only_in_target_count"])
    expected = (mutation.changed, mutation.only_source, mutation.only_target)
    hit = code == 1 and found == expected
    count_mutation(hit)
    assert hit, (found, expected, report["diagnosis"])


def test_undecodable_bytes_are_compared_as_bytes(tmp_path: Path) -> None:
    """SQLite stores any bytes in a TEXT column; the differ must not crash on them and must
    still tell two different byte strings apart."""
    left, right = tmp_path / "l.sqlite", tmp_path / "r.sqlite"
    for path, tail in ((left, b"\xff\xfe"), (right, b"\xff\xfd")):
        con = sqlite3.connect(path)
        con.execute("CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT)")
        con.execute("INSERT INTO t VALUES (1, CAST(? AS TEXT)), (2, 'ok')", (b"ab" + tail,))
        con.commit()
        con.close()
    result = CliRunner().invoke(app, ["diff", f"sqlite:///{left}", "t", f"sqlite:///{right}",
                                      "t", "--key", "id", "--json", str(tmp_path / "r.json")])
    assert result.exit_code in (0, 1), result.output
    report = json.loads((tmp_path / "r.json").read_text())
    hit = result.exit_code == 1 and report["changed_count"] == 1
    count_mutation(hit)
    assert hit, report
    same = CliRunner().invoke(app, ["diff", f"sqlite:///{left}", "t", f"sqlite:///{left}", "t",
                                    "--key", "id"])
    assert same.exit_code == 0, same.output
