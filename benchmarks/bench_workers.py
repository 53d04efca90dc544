"""One measured method per process (run by diff_bench.py, which records its peak RSS).

Usage: python benchmarks/bench_workers.py METHOD SOURCE_URL TARGET_URL
Prints one JSON line: {"seconds": s, "found": {"changed", "only_source", "only_target"}}.
Methods: compare (in-process compare() on Arrow tables already in memory), datacompy-pandas,
datacompy-polars (their compare on data frames already in memory), stream and checksum (the
`cutover diff` pipeline end to end, reading through the adapters, in this process), and
command-stream / command-checksum (the `cutover diff` command as a new process, as a user runs
it). Floors are timed by bench_floors.py.
"""

from __future__ import annotations

import gc
import json
import sys
import time
import warnings
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))


def _duck_path(url: str) -> str:
    return url.split("duckdb:///", 1)[1]


def _read(url: str, fmt: str) -> Any:
    import duckdb

    con = duckdb.connect(_duck_path(url), read_only=True)
    rel = con.sql("SELECT * FROM t")
    data = rel.to_arrow_table() if fmt == "arrow" else rel.df() if fmt == "pandas" else rel.pl()
    con.close()
    return data


def run_compare(src: str, tgt: str) -> tuple[float, dict[str, int]]:
    # Imports stay outside every timer, as `import datacompy` (and pandas/polars with it) is
    # outside the peers': DuckDB imports pyarrow.dataset, and with it pandas, on its first
    # register() of an Arrow table (~0.35 s, once per process).
    import pyarrow.dataset  # noqa: F401

    from tools.diff.compare import compare

    s, t = _read(src, "arrow"), _read(tgt, "arrow")
    gc.collect()
    started = time.perf_counter()
    r = compare(s, t, key=["id"])
    seconds = time.perf_counter() - started
    return seconds, {"changed": r.changed_count, "only_source": r.only_in_source_count,
                     "only_target": r.only_in_target_count}


def run_datacompy(src: str, tgt: str, backend: str) -> tuple[float, dict[str, int]]:
    import datacompy

    s, t = _read(src, backend), _read(tgt, backend)
    gc.collect()
    started = time.perf_counter()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        cls = datacompy.PandasCompare if backend == "pandas" else datacompy.PolarsCompare
        cmp = cls(s, t, join_columns=["id"])
        both = len(cmp.intersect_rows)
        found = {"changed": int(both - cmp.count_matching_rows()),
                 "only_source": int(len(cmp.df1_unq_rows)),
                 "only_target": int(len(cmp.df2_unq_rows))}
    return time.perf_counter() - started, found


def run_cutover(src: str, tgt: str, algorithm: str, t_table: str = "t"
                ) -> tuple[float, dict[str, int]]:
    from tools.diff.run import DiffRequest, diff_urls

    started = time.perf_counter()
    out = diff_urls(DiffRequest(src, "t", tgt, t_table, algorithm=algorithm))  # type: ignore[arg-type]
    r = out.report
    return time.perf_counter() - started, {"changed": r.changed_count,
                                           "only_source": r.only_in_source_count,
                                           "only_target": r.only_in_target_count}


def run_command(src: str, tgt: str, algorithm: str) -> tuple[float, dict[str, int]]:
    """`cutover diff` as a user runs it: a new process, start-up and imports included."""
    import subprocess
    import tempfile

    cutover = Path(sys.executable).parent / "cutover"
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "report.json"
        started = time.perf_counter()
        done = subprocess.run([str(cutover), "diff", src, "t", tgt, "t", "--key", "id",
                               "--algorithm", algorithm, "--json", str(out)],
                              stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
        seconds = time.perf_counter() - started
        if done.returncode not in (0, 1):
            raise SystemExit(f"cutover diff failed: {done.stderr.strip()[-300:]}")
        r = json.loads(out.read_text())
    return seconds, {"changed": r["changed_count"], "only_source": r["only_in_source_count"],
                     "only_target": r["only_in_target_count"]}


def main() -> None:
    method, src, tgt = sys.argv[1:4]
    t_table = sys.argv[4] if len(sys.argv) > 4 else "t"
    if method.startswith("command-"):
        seconds, found = run_command(src, tgt, method.split("-", 1)[1])
    elif method == "compare":
        seconds, found = run_compare(src, tgt)
    elif method.startswith("datacompy-"):
        seconds, found = run_datacompy(src, tgt, method.split("-", 1)[1])
    else:
        seconds, found = run_cutover(src, tgt, method, t_table)
    print(json.dumps({"seconds": seconds, "found": found}))


if __name__ == "__main__":
    main()
