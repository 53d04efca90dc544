"""What reading text as MariaDB does costs on the target: mysql_date_text's rewrite of
CAST(s AS DATE) and STR_TO_DATE(s, '%d/%m/%Y') against DuckDB's own TRY_CAST / TRY_STRPTIME
(which read fewer shapes, so they are the floor, not an equal).

Method: an in-memory DuckDB table of --rows texts cycling through ISO dates, two-digit years,
slashes, compact digits, datetimes, trailing garbage and junk; each query aggregates its
result (COUNT and MIN, so the engine cannot skip the reading); the two alternate --repeats
times and the medians are shown with their ratio (on a shared machine, compare ratios taken
in one run).

    .venv/bin/python benchmarks/mysql_date_text_speed.py [--rows 1000000] [--repeats 5]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tools.sql import transpile  # noqa: E402

SHAPES = ["2024-03-05", "24-3-5", "2024/03/05 10:20", "20240305", "2024-03-05T10:20:30",
          "2024-03-05x", "2023-02-29", "n/a", "", "05/03/2024", "5/3/24"]
SCHEMA = {"forms": {"id": "int", "s": "text"}}
PAIRS = {
    "CAST(s AS DATE)": ("SELECT COUNT(CAST(s AS DATE)), MIN(CAST(s AS DATE)) FROM forms",
                        "SELECT COUNT(TRY_CAST(s AS DATE)), MIN(TRY_CAST(s AS DATE)) FROM forms"),
    "STR_TO_DATE(s, '%d/%m/%Y')": (
        "SELECT COUNT(STR_TO_DATE(s, '%d/%m/%Y')), MIN(STR_TO_DATE(s, '%d/%m/%Y')) FROM forms",
        "SELECT COUNT(TRY_STRPTIME(s, '%d/%m/%Y')), MIN(TRY_STRPTIME(s, '%d/%m/%Y')) "
        "FROM forms"),
}


def _timed(con, sql: str) -> float:
    start = time.perf_counter()
    con.execute(sql).fetchall()
    return time.perf_counter() - start


def main() -> None:
    import duckdb

    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args()
    con = duckdb.connect()
    con.execute("CREATE TABLE forms (id BIGINT, s VARCHAR)")
    con.execute(f"INSERT INTO forms SELECT i, (?)[1 + i % {len(SHAPES)}] "
                f"FROM range({args.rows}) t(i)", [SHAPES])
    print(f"DuckDB {duckdb.__version__}: {args.rows} texts; median of {args.repeats}")
    print(f"{'call':30} {'rewrite s':>10} {'TRY_ s':>8} {'ratio':>6}")
    for call, (mysql_sql, floor_sql) in PAIRS.items():
        rewritten = transpile(mysql_sql, "mysql", "duckdb", "bench", SCHEMA)
        ours, floor = [], []
        for _ in range(args.repeats):
            ours.append(_timed(con, rewritten))
            floor.append(_timed(con, floor_sql))
        mine, peer = statistics.median(ours), statistics.median(floor)
        print(f"{call:30} {mine:10.3f} {peer:8.3f} {mine / peer:6.1f}")


if __name__ == "__main__":
    main()
