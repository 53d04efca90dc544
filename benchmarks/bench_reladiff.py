"""reladiff, run with the peers' own interpreter (benchmarks/.venv-peers): it must not share the
project's environment. Imports nothing from the project.

Usage: .venv-peers/bin/python benchmarks/bench_reladiff.py SOURCE_URL TABLE TARGET_URL TABLE
Prints one JSON line like bench_workers.py. reladiff yields ('-', row) for rows only in the
source or changed, ('+', row) for rows only in the target or changed: a key seen with both
signs is a changed row.
"""

from __future__ import annotations

import json
import sys
import time

COLUMNS = ("qty", "big", "price", "amount", "ratio", "score", "name", "city", "day", "ts")


def main() -> None:
    from reladiff import connect_to_table, diff_tables

    s_url, s_table, t_url, t_table = sys.argv[1:5]
    started = time.perf_counter()
    a = connect_to_table(s_url, s_table, "id", extra_columns=COLUMNS)
    b = connect_to_table(t_url, t_table, "id", extra_columns=COLUMNS)
    minus: set[object] = set()
    plus: set[object] = set()
    for sign, row in diff_tables(a, b):
        (minus if sign == "-" else plus).add(row[0])
    seconds = time.perf_counter() - started
    found = {"changed": len(minus & plus), "only_source": len(minus - plus),
             "only_target": len(plus - minus)}
    print(json.dumps({"seconds": seconds, "found": found}))


if __name__ == "__main__":
    main()
