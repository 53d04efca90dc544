"""`cutover` start-up time, hyperfine style: N runs, median/min/max wall seconds.

Usage: .venv/bin/python benchmarks/cli_startup.py [--runs 15] [--baseline DIR]
Three commands: `cutover --help`, `cutover diff --help`, and `cutover diff` of two 100-row
DuckDB files (a real diff: start-up plus what a tiny diff imports; issue 15).
DIR is another checkout (e.g. `git worktree add --detach /tmp/base main`): its cutover package
is timed with this interpreter too, and the ratio printed. Target: `--help` median under 0.5 s.
The import breakdown: `.venv/bin/python -X importtime -m cutover diff --help 2>&1 >/dev/null`.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]


def tiny_duckdb_files(folder: Path) -> list[str]:
    """Two equal 100-row DuckDB files; the `cutover diff` arguments that compare them."""
    import duckdb

    urls = []
    for name in ("a", "b"):
        with duckdb.connect(str(folder / f"{name}.duckdb")) as con:
            con.execute("CREATE TABLE t AS SELECT range AS id, range * 2 AS v FROM range(100)")
        urls.append(f"duckdb:///{folder / name}.duckdb")
    return ["diff", urls[0], "t", urls[1], "t", "--key", "id"]


def time_command(checkout: Path, args: list[str]) -> float:
    start = time.perf_counter()
    subprocess.run([sys.executable, "-m", "cutover", *args], cwd=checkout, check=True,
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return time.perf_counter() - start


def describe(label: str, times: list[float]) -> str:
    return (f"{label:<9} median {statistics.median(times):.3f} s  min {min(times):.3f}  "
            f"max {max(times):.3f}  (n={len(times)})")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=15)
    parser.add_argument("--baseline", type=Path)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        commands = {"cutover --help": ["--help"], "cutover diff --help": ["diff", "--help"],
                    "cutover diff (2 x 100 rows)": tiny_duckdb_files(Path(folder))}
        for title, command in commands.items():
            print(title)
            checkouts = [REPO, args.baseline] if args.baseline else [REPO]
            for checkout in checkouts * 2:  # warm the file cache
                time_command(checkout, command)
            # Runs alternate between the checkouts: the machine is shared, and a load that
            # changes during the benchmark then weighs on both sides alike.
            times: dict[Path, list[float]] = {c: [] for c in checkouts}
            for _ in range(args.runs):
                for checkout in checkouts:
                    times[checkout].append(time_command(checkout, command))
            print(describe("this", times[REPO]))
            if args.baseline:
                base = times[args.baseline]
                print(describe("baseline", base))
                print(f"speed-up  {statistics.median(base) / statistics.median(times[REPO]):.1f}x")


if __name__ == "__main__":
    main()
