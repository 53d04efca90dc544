"""Proof on real data: the 22 TPC-H queries (sf 0.01, generated offline by DuckDB's tpch
extension) migrated by `cutover run` in deterministic mode between real engines.

Each pair gets a fresh source loaded with the eight tables (with the specification's primary
keys), a codebase of one file per query in the source's dialect, and a fresh target. The test
asserts that the parity count does not drop below the figure reached (PARITY) and that every
other object ends with the verdict recorded in EXPECTED_NON_PARITY, with a report saying what
differs. Those verdicts were inspected and are true engine differences:

- q01 with MariaDB on either side: MariaDB's AVG of DECIMAL(15,2) keeps 6 decimals
  (div_precision_increment = 4) where PostgreSQL's keeps 16, so avg_qty / avg_price /
  avg_disc differ by up to 1.5e-8 relative; the report says "target = source rounded to 6
  decimals" or "beyond tolerance (... a lost digit of precision?)".
Fixed by rules along the way: q13 -> ClickHouse (outer_joins: join_use_nulls = 1), q13 ->
MariaDB (derived_columns: no `AS t (a, b)` list), q01/q14 DuckDB -> Spark (decimal_results:
DuckDB's AVG and DECIMAL division are DOUBLE, Spark's are rounded DECIMALs).
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
import textwrap
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pyarrow as pa
import pytest
import sqlglot

from tools.db import tpch
from tools.db.registry import dialect_for

pytestmark = [pytest.mark.integration, pytest.mark.slow]

SCALE = 0.01
CUTOVER = Path(sys.executable).parent / "cutover"

# pair -> least number of queries (of 22) at parity or parity_with_tolerance.
PARITY = {
    ("duckdb", "postgres"): 22,
    ("postgres", "duckdb"): 22,
    ("postgres", "mysql"): 21,
    ("mysql", "postgres"): 21,
    ("sqlite", "postgres"): 22,
    ("postgres", "clickhouse"): 22,
    ("duckdb", "spark"): 22,
    ("duckdb", "sqlite"): 22,
    ("duckdb", "clickhouse"): 22,
}
# pair -> {query: verdict} for the queries not at parity (inspected; see the docstring).
EXPECTED_NON_PARITY: dict[tuple[str, str], dict[str, str]] = {
    ("duckdb", "postgres"): {},
    ("postgres", "duckdb"): {},
    ("postgres", "mysql"): {"q01": "mismatch"},
    ("mysql", "postgres"): {"q01": "mismatch"},
    ("sqlite", "postgres"): {},
    ("postgres", "clickhouse"): {},
    ("duckdb", "spark"): {},
    ("duckdb", "sqlite"): {},
    ("duckdb", "clickhouse"): {},
}

# TPC-H q13 without the derived-table column list, which MySQL and SQLite do not have: the
# same query as each of those engines' users write it.
Q13_PLAIN = textwrap.dedent("""
    SELECT c_count, COUNT(*) AS custdist
    FROM (SELECT c_custkey, COUNT(o_orderkey) AS c_count
          FROM customer LEFT OUTER JOIN orders
            ON c_custkey = o_custkey AND o_comment NOT LIKE '%special%requests%'
          GROUP BY c_custkey) AS c_orders
    GROUP BY c_count
    ORDER BY custdist DESC, c_count DESC""").strip()
# SQLite has no EXTRACT: its users write strftime.
_EXTRACT_YEAR = re.compile(r"EXTRACT\(YEAR FROM ([A-Za-z_.]+)\)")


def source_sql(number: int, query: str, dialect: str) -> str:
    """Query `number` as a user of the source engine writes it."""
    if number == 13 and dialect in ("mysql", "sqlite"):
        return Q13_PLAIN
    text = sqlglot.transpile(query, read="duckdb", write=dialect, pretty=True)[0]
    if dialect == "sqlite":
        text = _EXTRACT_YEAR.sub(r"CAST(STRFTIME('%Y', \1) AS INTEGER)", text)
    return text


@pytest.fixture(scope="module")
def tpch_tables() -> dict[str, pa.Table]:
    return tpch.generate(SCALE)




def write_project(root: Path, source_url: str, target_url: str) -> Path:
    dialect = dialect_for(source_url)
    (root / "sql").mkdir(parents=True)
    for number, query in enumerate(tpch.queries(), start=1):
        (root / "sql" / f"q{number:02d}.sql").write_text(
            source_sql(number, query, dialect) + ";\n", encoding="utf-8")
    (root / "cutover.toml").write_text(textwrap.dedent(f"""
        [project]
        name = "tpch"
        codebase = ["sql/*.sql"]

        [source]
        url = "{source_url}"
        allow_privileged = true  # the test made this database, as a role that writes

        [target]
        url = "{target_url}"

        [run]
        keep_sandbox = false
        """), encoding="utf-8")
    return root


def run_cutover(project: Path) -> dict[str, Any]:
    """`cutover run` in its own process (chdb and Spark hold one engine per process)."""
    done = subprocess.run([str(CUTOVER), "run", str(project), "--llm", "off", "--run-id", "r",
                           "--runs-dir", str(project / "runs")],
                          capture_output=True, text=True, timeout=900)
    report = project / "runs" / "r" / "report.json"
    assert report.is_file(), f"no report: exit {done.returncode}\n{done.stdout}\n{done.stderr}"
    return json.loads(report.read_text(encoding="utf-8"))


def summary(report: dict[str, Any]) -> dict[str, str]:
    return {o["name"]: o["verdict"] for o in report["objects"]}


# Run only with CUTOVER_TESTS=full, to keep CI in its budget: the gate (evals/gate.py) proves
# TPC-H duckdb->postgres and duckdb->sqlite on every CI run, mysql->postgres stands for the
# MariaDB pair, and Spark's engine start makes its pair the longest test by far
# (tests/integration/test_diff_spark.py keeps Spark in CI).
FULL_ONLY = {("duckdb", "spark"), ("duckdb", "postgres"), ("duckdb", "sqlite"),
             ("postgres", "mysql")}


@pytest.mark.parametrize(("source", "target"), [
    pytest.param(s, t, id=f"{s}-{t}", marks=[pytest.mark.full] if (s, t) in FULL_ONLY else [])
    for s, t in PARITY])
def test_tpch_pair(source: str, target: str, tpch_tables: dict[str, pa.Table],
                   engine_url: Callable[[str, str], str], tmp_path: Path) -> None:
    if "spark" in (source, target):
        pytest.importorskip("pyspark", reason="Spark needs the extra: pip install "
                                              "'cutover[spark]'")
    source_url, target_url = engine_url(source, "source"), engine_url(target, "target")
    tpch.seed(source_url, tpch_tables)
    report = run_cutover(write_project(tmp_path / "project", source_url, target_url))

    verdicts = summary(report)
    assert len(verdicts) == 22
    at_parity = [n for n, v in verdicts.items() if v.startswith("parity")]
    others = {n: v for n, v in verdicts.items() if not v.startswith("parity")}
    print(f"{source}->{target}: {len(at_parity)}/22 at parity; others {others}")
    assert len(at_parity) >= PARITY[(source, target)], others
    assert others.items() <= EXPECTED_NON_PARITY[(source, target)].items(), others
    for entry in report["objects"]:
        if not entry["verdict"].startswith("parity"):
            # A verdict always says why, and a mismatch names what differs.
            assert entry["error"], entry["name"]
            if entry["verdict"] == "mismatch":
                assert entry["diff"]["diagnosis"], entry["name"]
