"""Order checks for results whose row order is part of the contract (ORDER BY).

Content is compared first (keyed or multiset); the order is judged only when the content
agrees, because one missing row shifts every later position and would drown the real cause.
With the ORDER BY columns known, two kinds of difference are told apart from a wrong order:
rows permuted among ties, and a LIMIT cutting through a group of ties. Both are flagged
non-deterministic: the SQL does not define the answer, so no translation can match it.
"""

from __future__ import annotations

import duckdb

from tools.diff import samples
from tools.diff.normalise import ColumnPlan
from tools.diff.pairing import Pairing, positional, resolve_key, run
from tools.diff.report import Diagnosis, DiffReport


def _misplaced_all_tied(
    con: duckdb.DuckDBPyConnection, pos: Pairing, plans: list[ColumnPlan], kp: list[ColumnPlan]
) -> bool:
    """Every position holding a different row holds one with the same ORDER BY values."""
    bad = " OR ".join(f"NOT ok_{p.index}" for p in plans) or "FALSE"
    same = " AND ".join(f"s_{p.v} IS NOT DISTINCT FROM t_{p.v}" for p in kp)
    row = con.execute(
        f"SELECT count(*) FILTER (WHERE NOT ({same})) FROM {pos.j} WHERE {bad}"
    ).fetchone()
    return row is not None and row[0] == 0


def _limit_cuts_ties(
    con: duckdb.DuckDBPyConnection, content: Pairing, kp: list[ColumnPlan]
) -> bool:
    """The rows on one side only all tie, on ORDER BY, with the last row of both sides: a
    LIMIT cut through a group of ties and each engine kept different members."""
    f = content.figs
    if f.changed or not f.only_source or f.only_source != f.only_target:
        return False
    cols = ", ".join(p.v for p in kp)
    last = [
        con.execute(f"SELECT {cols} FROM {x}_n ORDER BY __rid DESC LIMIT 1").fetchone()
        for x in ("s", "t")
    ]
    if last[0] != last[1] or last[0] is None:
        return False
    for side, mine in (("t", "s"), ("s", "t")):
        same = " AND ".join(f"{mine}_{p.v} IS NOT DISTINCT FROM b.{p.v}" for p in kp)
        row = con.execute(
            f"SELECT count(*) FROM {content.j}, "
            f"(SELECT {cols} FROM {mine}_n ORDER BY __rid DESC LIMIT 1) b "
            f"WHERE {side}_rid IS NULL AND NOT ({same})"
        ).fetchone()
        if not row or row[0]:
            return False
    return True


def check_order(
    con: duckdb.DuckDBPyConnection,
    report: DiffReport,
    content: Pairing,
    plans: list[ColumnPlan],
    order_by: list[str],
    src: samples.Side,
    tgt: samples.Side,
    n: int,
) -> None:
    """Compare by position too and record "ordering" / "nondeterministic" in `report`."""
    report.mode = "ordered"
    kp = resolve_key(plans, order_by) if order_by else None
    if not content.figs.clean:
        if kp and _limit_cuts_ties(con, content, kp):
            report.nondeterministic = True
            report.diagnosis.append(
                Diagnosis(
                    cause="nondeterministic",
                    columns=order_by,
                    detail=(
                        f"the {content.figs.only_source} differing rows all tie on ORDER BY "
                        f"({', '.join(order_by)}) with the last row: LIMIT cut a group of ties"
                    ),
                )
            )
        return
    pos = run(con, positional(), plans, "j_pos", src.rows)
    if pos.figs.clean:
        return
    moved = pos.figs.paired - pos.figs.matched
    if kp and _misplaced_all_tied(con, pos, plans, kp):
        report.nondeterministic = True
        report.diagnosis.append(
            Diagnosis(
                cause="nondeterministic",
                columns=order_by,
                detail=(
                    f"{moved} positions differ only among rows tied on ORDER BY "
                    f"({', '.join(order_by)}): the order of ties is not defined"
                ),
            )
        )
        return
    report.diagnosis.append(
        Diagnosis(
            cause="ordering",
            detail=(
                f"same rows, different order: {moved} of {pos.figs.paired} positions hold a "
                f"different row"
            ),
        )
    )
    mism = {p.name for p in plans if pos.figs.columns[p.name].mismatched}
    report.changed = samples.changed_cells(con, pos.j, plans, mism, src, tgt, [samples.POSITION], n)
    report.rows_matched = pos.figs.matched
    report.score = pos.figs.matched / max(report.rows_source, report.rows_target, 1)
