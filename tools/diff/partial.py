"""A report computed on the fetched rows only, scaled up to the whole tables.

The checksum and push-down algorithms fetch just the rows that may differ and compare() them;
every other row is known to be one of a pair of equal rows (its segment checksums agree, or
the engine found it equal), so it counts as matched on both sides and in every column.
"""

from __future__ import annotations

from typing import Any

from tools.diff.report import DiffReport


def scaled_up(report: DiffReport, totals: tuple[int, int], algorithm: str,
              evidence: dict[str, Any]) -> DiffReport:
    """`report` (on the fetched rows) for tables of `totals` rows (source, target)."""
    fetched = (report.rows_source, report.rows_target)
    outside = totals[0] - fetched[0]
    report.rows_source, report.rows_target = totals
    report.rows_matched += outside
    rows = max(totals)
    report.score = report.rows_matched / rows if rows else 1.0
    report.vacuous = rows == 0
    for col in report.columns:
        col.compared += outside
        col.match_rate = 1.0 if not col.compared else 1 - col.mismatched / col.compared
    report.engine = f"{algorithm}+{report.engine}"
    report.evidence = {"algorithm": algorithm, **evidence,
                       "fetched_rows": {"source": fetched[0], "target": fetched[1]}}
    return report
