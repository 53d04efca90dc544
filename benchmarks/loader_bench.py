"""Loader throughput per engine pair: TPC-H lineitem at sf 0.1 (600,572 rows, 16 columns).

Method (the same every run): generate lineitem once with DuckDB's tpch extension; load it into
a fresh source of each engine (not timed); then for each pair open the source read-only and
the target inside a sandbox, exactly as a run does, and time the loader's own copy function
(agents.loader._copy: create table, read Arrow batches of 50,000 rows, bulk-append, count).
Each pair is timed --repeats times; the table shows the median and the row count check.

    .venv/bin/python benchmarks/loader_bench.py [--sf 0.1] [--repeats 3] [--pairs a->b,...]

PostgreSQL and MariaDB come from CUTOVER_TEST_PG_URL / CUTOVER_TEST_MYSQL_URL (start them
with `eval "$(.venv/bin/python -m tests.servers start)"`); pairs needing a missing server or
pyspark are skipped and say so.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from agents.loader import _copy  # noqa: E402 - after the path tweak
from tools.db import tpch  # noqa: E402
from tools.db.registry import open_adapter  # noqa: E402

PAIRS = ("duckdb->postgres", "postgres->duckdb", "postgres->mysql", "mysql->postgres",
         "sqlite->postgres", "postgres->clickhouse", "duckdb->spark", "duckdb->clickhouse",
         "duckdb->sqlite", "duckdb->mysql", "duckdb->duckdb")
SERVER_ENV = {"postgres": "CUTOVER_TEST_PG_URL", "mysql": "CUTOVER_TEST_MYSQL_URL"}
CREATED: list[tuple[str, str]] = []
"""(server URL, database URL) made by this run, dropped at the end."""


def _server_database(engine: str) -> str | None:
    """A fresh database on the test server (the integration harness's helper)."""
    if not os.environ.get(SERVER_ENV[engine]):
        return None
    from tests.integration.conftest import new_database

    url = new_database(os.environ[SERVER_ENV[engine]])
    CREATED.append((os.environ[SERVER_ENV[engine]], url))
    return url


def engine_url(engine: str, role: str, work: Path) -> str | None:
    if engine in SERVER_ENV:
        return _server_database(engine)
    tag = f"{role}_{uuid.uuid4().hex[:6]}"
    return {
        "duckdb": f"duckdb:///{work / tag}.duckdb",
        "sqlite": f"sqlite:///{work / tag}.sqlite",
        "clickhouse": f"chdb:///{work / 'chdb'}?database={tag}",
        "spark": f"spark:///{work / 'spark'}?database={tag}",
    }[engine]


def available(engine: str) -> str | None:
    """None when the engine can run here, else why not."""
    if engine in SERVER_ENV and not os.environ.get(SERVER_ENV[engine]):
        return f"{SERVER_ENV[engine]} not set"
    if engine == "spark":
        try:
            import pyspark  # noqa: F401
        except ImportError:
            return "pyspark not installed"
    return None


def time_pair(source_url: str, target_engine: str, work: Path, repeats: int) -> dict[str, Any]:
    source = open_adapter(source_url, "source", timeout_s=600)
    try:
        (table,) = [t for t in source.tables() if t["name"] == "lineitem"]
        seconds: list[float] = []
        rows = 0
        for _ in range(repeats):
            target_url = engine_url(target_engine, "target", work)
            assert target_url is not None
            target = open_adapter(target_url, "target", timeout_s=600)
            try:
                target.create_sandbox("cutover_bench")
                start = time.perf_counter()
                rows = _copy(source, target, table, batch_rows=50_000)
                seconds.append(time.perf_counter() - start)
                target.drop_sandbox("cutover_bench")
            finally:
                target.close()
        return {"rows": rows, "expected": table["row_count"], "seconds": seconds}
    finally:
        source.close()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sf", type=float, default=0.1)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--pairs", default=",".join(PAIRS))
    args = parser.parse_args()
    pairs = [tuple(p.split("->")) for p in args.pairs.split(",")]
    lineitem = {"lineitem": tpch.generate(args.sf)["lineitem"]}
    print(f"lineitem sf {args.sf}: {lineitem['lineitem'].num_rows:,} rows; "
          f"median of {args.repeats}; batches of 50,000 rows\n")
    print(f"{'pair':<24}{'rows/s':>12}{'median s':>10}{'min s':>8}  rows check")
    try:
        with tempfile.TemporaryDirectory(prefix="cutover-bench-") as tmp:
            run_pairs(pairs, lineitem, Path(tmp), args.repeats)
    finally:
        from tests.integration.conftest import drop_database

        for server, url in CREATED:
            drop_database(server, url)
    return 0


def run_pairs(pairs: list[tuple[str, ...]], lineitem: dict[str, Any], work: Path,
              repeats: int) -> None:
    sources: dict[str, str] = {}
    for source_engine, target_engine in pairs:
        why = available(source_engine) or available(target_engine)
        if why:
            print(f"{source_engine + ' -> ' + target_engine:<24}{'skipped: ' + why:>12}")
            continue
        if source_engine not in sources:
            url = engine_url(source_engine, "source", work)
            assert url is not None
            tpch.seed(url, lineitem)
            sources[source_engine] = url
        result = time_pair(sources[source_engine], target_engine, work, repeats)
        median = statistics.median(result["seconds"])
        check = "ok" if result["rows"] == result["expected"] else \
            f"WRONG {result['rows']} != {result['expected']}"
        print(f"{source_engine + ' -> ' + target_engine:<24}"
              f"{result['expected'] / median:>12,.0f}{median:>10.2f}"
              f"{min(result['seconds']):>8.2f}  {check}", flush=True)


if __name__ == "__main__":
    raise SystemExit(main())
