"""The fault-injection tally (issue 9): one table of what was tried and what was lost.

Tests add to TALLY (tests/faults through the `tally` fixture; the differ's hazard matrix over
the server pairs, tests/integration/test_diff_matrix.py, directly), and tests/conftest.py prints
it at the end of the session. Every "lost" column must read 0.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any

# row -> column -> count; the rows and columns the summary prints, in order.
TALLY: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
COLUMNS = {
    "kills": ("tried", "resumed equal", "lost"),
    "database faults": ("tried", "survived", "lost"),
    "hostile statements": ("tried", "held", "executed"),
    "canaries": ("planted", "found in files", "leaked"),
    "mutations": ("planted", "found", "missed"),
    "identical data": ("compared", "equal", "false differences"),
    "bad input files": ("tried", "verdict with position", "crashed"),
}


def count_identical(code: int, report: dict[str, Any]) -> int:
    """One comparison of equal data: any row the differ reports is a false difference (the
    number returned)."""
    false = sum(report.get(k) or 0 for k in ("changed_count", "only_in_source_count",
                                               "only_in_target_count"))
    TALLY["identical data"]["compared"] += 1
    TALLY["identical data"]["false differences"] += false
    TALLY["identical data"]["equal"] += int(code == 0 and false == 0)
    return false


def count_mutation(found: bool) -> None:
    TALLY["mutations"]["planted"] += 1
    TALLY["mutations"]["found" if found else "missed"] += 1


def summary_lines() -> list[str]:
    lines = []
    for row, (a, b, lost) in COLUMNS.items():
        if row not in TALLY:
            continue
        counts = TALLY[row]
        lines.append(f"{row:<20} {a} {counts[a]:>5}   {b} {counts[b]:>5}   "
                     f"{lost} {counts[lost]:>3}")
    return lines
