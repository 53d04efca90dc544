"""The fault-injection tally (issue 9): one table of what was tried and what was lost.

Tests add to TALLY (tests/faults through the `tally` fixture; the differ's hazard matrix over
the server pairs, tests/integration/test_diff_matrix.py, directly), and tests/conftest.py prints
it at the end of the session. Every "lost" column must read 0. Under pytest-xdist each worker
adds to its own TALLY: tests/conftest.py sends each worker's `counts()` to the controller,
which `merge`s them before printing.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any

# row -> column -> count; the rows and columns the summary prints, in order. The last column
# of each row is what was lost: it must read 0.
TALLY: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
#: the safety layers' configurations the hostile corpus runs under (DESIGN §7): all three,
#: the role layer off (a privileged source URL, through `cutover run`), and each of the AST
#: guard and the read-only session alone. A layer alone has known gaps, each named in the
#: corpus (`-- known-gap(layer): why`); only an execution outside them is lost.
HOSTILE_ROWS = {"all": "hostile, all layers", "role off": "hostile, role off",
                "guard": "hostile, guard alone", "session": "hostile, session alone"}
COLUMNS: dict[str, tuple[str, ...]] = {
    "kills": ("tried", "resumed equal", "lost"),
    "database faults": ("tried", "survived", "lost"),
    HOSTILE_ROWS["all"]: ("tried", "held", "executed"),
    HOSTILE_ROWS["role off"]: ("tried", "held", "executed"),
    HOSTILE_ROWS["guard"]: ("tried", "held", "known gap", "executed"),
    HOSTILE_ROWS["session"]: ("tried", "held", "known gap", "executed"),
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


def count_hostile(config: str, changed: bool, known_gap: bool = False, statements: int = 1
                  ) -> None:
    """`statements` hostile statements tried under one layer configuration (HOSTILE_ROWS):
    held when the source did not change, else executed (a known gap when the corpus names
    this layer's gap for it)."""
    counts = TALLY[HOSTILE_ROWS[config]]
    counts["tried"] += statements
    counts["held" if not changed else "known gap" if known_gap else "executed"] += statements


def count_mutation(found: bool) -> None:
    TALLY["mutations"]["planted"] += 1
    TALLY["mutations"]["found" if found else "missed"] += 1


def counts() -> dict[str, dict[str, int]]:
    """TALLY as plain dicts: what a pytest-xdist worker can send to the controller."""
    return {row: dict(columns) for row, columns in TALLY.items()}


def merge(other: dict[str, dict[str, int]]) -> None:
    """Add another process's counts() to TALLY."""
    for row, columns in other.items():
        mine = TALLY[row]  # a row a worker made shows even at zero, as it does in one process
        for column, n in columns.items():
            mine[column] += n


def summary_lines() -> list[str]:
    lines = []
    for row, columns in COLUMNS.items():
        if row not in TALLY:
            continue
        counts = TALLY[row]
        *shown, lost = columns
        lines.append(f"{row:<24} " + "   ".join(f"{c} {counts[c]:>5}" for c in shown)
                     + f"   {lost} {counts[lost]:>3}")
    return lines
