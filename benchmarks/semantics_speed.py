"""Translation speed with the semantics library against plain sqlglot: TPC-DS's 99 queries.

Method: DuckDB's tpcds extension gives the 99 query texts and, with dsdgen(sf=0), the empty
tables whose column types play the source catalog (the library types divisions and ROUND
arguments with them, as the translator does). Each target translates all 99 queries once
through tools.sql.transpile with the library (semantics=True, catalog types passed) and once
with plain sqlglot as a user calls it, sqlglot.transpile(sql, read, write); the two alternate
--repeats times and the best (least) and median times are shown with their ratios (the best
is the one a busy neighbour disturbs least). Times are this process's CPU time by default
(--clock cpu): translation is single-threaded, and on a shared machine wall time counts the
neighbours' turns too (--clock wall for the wall clock). The library's caches are emptied
before each of its passes, so that a repeat does not find the previous pass's work.
The issue's target: library <= 1.5x plain sqlglot.

    .venv/bin/python benchmarks/semantics_speed.py [--repeats 5] [--targets postgres,mysql]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

import sqlglot

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from evals.tpc import GENERATORS, extension_path, offline_connection  # noqa: E402
from tools.db.types import from_declared  # noqa: E402
from tools.errors import CutoverError  # noqa: E402
from tools.sql import transpile  # noqa: E402


def queries_and_schema(kind: str = "tpcds") -> tuple[list[str], dict[str, dict[str, str]]]:
    """The query texts of `kind` ('tpcds' or 'tpch') and its empty tables' canonical types."""
    generator, texts = GENERATORS[kind]
    con = offline_connection()
    try:
        con.execute(f"LOAD '{extension_path(kind)}'")
        con.execute(f"CALL {generator}(sf=0)")
        queries = [str(q).strip().rstrip(";") for (q,) in con.execute(
            f"SELECT query FROM {texts}() ORDER BY query_nr").fetchall()]
        schema: dict[str, dict[str, str]] = {}
        for table, column, dtype in con.execute(
                "SELECT table_name, column_name, data_type FROM information_schema.columns"
        ).fetchall():
            # the canonical types a run's planner reads from DuckDB's catalog (BIGINT -> int)
            schema.setdefault(table, {})[column] = from_declared(dtype)
    finally:
        con.close()
    return queries, schema


_CLOCKS = {"cpu": time.process_time, "wall": time.perf_counter}
_clock = _CLOCKS["cpu"]


def _forget_caches() -> None:
    """Empty what the library keeps between statements (a pass starts cold)."""
    try:
        from tools.semantics import substring
    except ImportError:
        return
    cache = getattr(substring, "SIMPLIFIED", None)  # a checkout before it has none
    if cache is not None:
        cache.clear()


def translate_all(queries: list[str], target: str, schema: dict[str, dict[str, str]],
                  semantics: bool) -> tuple[float, int]:
    if not semantics:
        start = _clock()
        for sql in queries:
            sqlglot.transpile(sql, "duckdb", target)
        return _clock() - start, 0
    _forget_caches()
    start, failed = _clock(), 0
    for i, sql in enumerate(queries):
        try:
            transpile(sql, "duckdb", target, f"q{i + 1}", schema)
        except CutoverError:
            failed += 1
    return _clock() - start, failed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--targets", default="postgres,mysql,sqlite,clickhouse,duckdb")
    parser.add_argument("--clock", choices=sorted(_CLOCKS), default="cpu")
    args = parser.parse_args()
    global _clock
    _clock = _CLOCKS[args.clock]
    queries, schema = queries_and_schema()
    print(f"TPC-DS: {len(queries)} queries, {len(schema)} tables; median of {args.repeats}, "
          f"{args.clock} time")
    print(f"{'target':<11} {'best: sqlglot s':>15} {'library s':>10} {'ratio':>6}   "
          f"{'median: sqlglot s':>17} {'library s':>10} {'ratio':>6} {'refused':>8}")
    for target in args.targets.split(","):
        # alternate the two so that a busy neighbour slows both alike
        plain, lib = [], []
        for _ in range(args.repeats):
            plain.append(translate_all(queries, target, schema, False))
            lib.append(translate_all(queries, target, schema, True))
        p_best, m_best = min(t for t, _ in plain), min(t for t, _ in lib)
        p = statistics.median(t for t, _ in plain)
        m = statistics.median(t for t, _ in lib)
        print(f"{target:<11} {p_best:>15.3f} {m_best:>10.3f} {m_best / p_best:>6.2f}   "
              f"{p:>17.3f} {m:>10.3f} {m / p:>6.2f} {lib[0][1]:>8}")


if __name__ == "__main__":
    main()
