"""`cutover --help` start-up time, hyperfine style: N runs, median/min/max wall seconds.

Usage: .venv/bin/python benchmarks/cli_startup.py [--runs 15] [--baseline DIR]
DIR is another checkout (e.g. `git worktree add --detach /tmp/base main`): its cutover package
is timed with this interpreter too, and the ratio printed. Target: median under 0.5 s.
The import breakdown: `.venv/bin/python -X importtime -m cutover --help 2>&1 >/dev/null`.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]


def time_help(checkout: Path, runs: int) -> list[float]:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        subprocess.run([sys.executable, "-m", "cutover", "--help"], cwd=checkout, check=True,
                       stdout=subprocess.DEVNULL)
        times.append(time.perf_counter() - start)
    return times


def describe(label: str, times: list[float]) -> str:
    return (f"{label:<9} median {statistics.median(times):.3f} s  min {min(times):.3f}  "
            f"max {max(times):.3f}  (n={len(times)})")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=15)
    parser.add_argument("--baseline", type=Path)
    args = parser.parse_args()
    time_help(REPO, 2)  # warm the file cache
    ours = time_help(REPO, args.runs)
    print(describe("this", ours))
    if args.baseline:
        base = time_help(args.baseline, args.runs)
        print(describe("baseline", base))
        print(f"speed-up  {statistics.median(base) / statistics.median(ours):.1f}x")


if __name__ == "__main__":
    main()
