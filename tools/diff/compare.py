"""compare(): diff two query results (Arrow tables from any two engines) and explain the verdict.

Flow: normalise both sides to canonical values in an in-process DuckDB, pick how rows pair up
(the given key, an inferred key, or multiset), join, aggregate, sample, diagnose.
With ordered=True the rows are also compared by position, so a right answer in the wrong
order is caught as "ordering".
"""

from __future__ import annotations

import time

import duckdb
import pyarrow as pa

from graph.context import Tolerance
from tools.diff import columns as colsum
from tools.diff import diagnose, samples
from tools.diff.engine import JoinFigures
from tools.diff.normalise import ColumnPlan, connect, normalise_sql, plan_columns, prepare
from tools.diff.pairing import Pairing, infer_key, keyed, multiset, positional, resolve_key, run
from tools.diff.report import ColumnDiff, Diagnosis, DiffReport

def _diagnose(
    con: duckdb.DuckDBPyConnection, pr: _Pairing, plans: list[ColumnPlan], cols: list[ColumnDiff]
) -> list[Diagnosis]:
    out = list(pr.diagnosis)
    for p, cd in zip(plans, cols, strict=True):
        if pr.figs.columns[p.name].mismatched:
            found = diagnose.column_diagnoses(p, samples.mismatched_pairs(con, pr.j, p))
            out += found
            cd.diagnosis = found[0].detail.split(": ", 1)[-1] if found else None
    f = pr.figs
    if f.only_source or f.only_target:
        left_s = samples.leftover_values(con, pr.j, plans, "source")
        left_t = samples.leftover_values(con, pr.j, plans, "target")
        out += diagnose.leftover_diagnoses(plans, left_s, left_t)
        reps = {
            side: samples.repeated_leftovers(con, pr.j, plans, side)
            for side in ("source", "target")
        }
        if any(reps.values()) and not any(d.cause == "duplicates" for d in out):
            out.append(
                Diagnosis(
                    cause="duplicates",
                    columns=[],
                    detail=(
                        f"the same rows occur a different number of times: {reps['source']} extra "
                        f"copies in source, {reps['target']} in target"
                    ),
                )
            )
    if f.only_source:
        out.append(Diagnosis(cause="missing_rows", detail=f"{f.only_source} rows only in source"))
    if f.only_target:
        out.append(Diagnosis(cause="extra_rows", detail=f"{f.only_target} rows only in target"))
    return out


def _ordering(
    con: duckdb.DuckDBPyConnection,
    plans: list[ColumnPlan],
    order_by: list[str],
) -> tuple[_Pairing, bool]:
    """Positional comparison; returns it and whether every misplaced row ties with its
    counterpart on `order_by` (then the order is non-deterministic, not wrong)."""
    pos = _run(
        con, _Pairing("ordered", [samples.POSITION], "s_n", "t_n", ["__rid"]), plans, "j_pos"
    )
    tied = False
    if order_by and not pos.figs.clean:
        kp = _resolve_key(plans, order_by) or []
        if kp:
            bad = " OR ".join(f"NOT ok_{p.index}" for p in plans) or "FALSE"
            same = " AND ".join(f"s_{p.v} IS NOT DISTINCT FROM t_{p.v}" for p in kp)
            row = con.execute(
                f"SELECT count(*) FILTER (WHERE NOT ({same})) FROM j_pos WHERE {bad}"
            ).fetchone()
            tied = bool(row) and row[0] == 0
    return pos, tied


def compare(
    source: pa.Table,
    target: pa.Table,
    *,
    key: list[str] | None = None,
    ordered: bool = False,
    tolerances: dict[str, Tolerance] | None = None,
    default_float: Tolerance = Tolerance(1e-9, 1e-9),
    sample_rows: int = 10,
    datacompy_max_rows: int = 200_000,
    order_by: list[str] | None = None,
) -> DiffReport:
    """Diff `source` against `target`; see DESIGN.md §5. `order_by` (optional) names the
    result's ORDER BY columns so that ties can be told apart from a wrong order."""
    started = time.perf_counter()
    plans, missing, extra = plan_columns(
        source.schema, target.schema, tolerances or {}, default_float
    )
    src, tgt = prepare(source), prepare(target)
    con = connect()
    try:
        con.register("s_raw", src)
        con.register("t_raw", tgt)
        con.execute(f"CREATE TEMP TABLE s_n AS {normalise_sql('s_raw', plans, 'source')}")
        con.execute(f"CREATE TEMP TABLE t_n AS {normalise_sql('t_raw', plans, 'target')}")
        kp = _resolve_key(plans, key) if key else None
        inferred = False
        if (
            kp is None
            and key
            and not all(
                k.lower() in {c.lower() for c in source.column_names + target.column_names}
                for k in key
            )
        ):
            raise ValueError(
                f"key column(s) {key} not found in either result (source has {source.column_names})"
            )
        if kp is None:
            kp, inferred = _infer_key(con, plans), True
        pr = _run(con, _keyed(con, plans, kp) if kp else _multiset(con, plans), plans, "j")
        use_dc = pr.mode == "keyed" and max(src.num_rows, tgt.num_rows) <= datacompy_max_rows
        cols = (
            colsum.from_datacompy(con, pr.s, pr.t, pr.key, plans, pr.figs)
            if use_dc
            else colsum.from_duckdb(plans, pr.figs)
        )
        report = _report(con, pr, plans, cols, src, tgt, sample_rows)
        report.key_inferred = inferred and pr.mode == "keyed"
        report.engine = "duckdb+datacompy" if use_dc else "duckdb"
        if ordered:
            _apply_ordering(con, report, plans, order_by or [], src, tgt, sample_rows)
    finally:
        con.close()
    report.missing_columns, report.extra_columns = missing, extra
    report.columns_source, report.columns_target = source.column_names, target.column_names
    report.type_differences = {
        p.name: (p.source_type, p.target_type) for p in plans if p.source_type != p.target_type
    }
    if missing or extra:
        report.diagnosis.insert(
            0,
            Diagnosis(
                cause="columns",
                columns=missing + extra,
                detail=(
                    f"columns missing in target: {missing or 'none'}; extra in target: {extra or 'none'}"
                ),
            ),
        )
    report.verdict = _verdict(report, pr.figs)
    report.seconds = time.perf_counter() - started
    return report


def _report(
    con: duckdb.DuckDBPyConnection,
    pr: _Pairing,
    plans: list[ColumnPlan],
    cols: list[ColumnDiff],
    src: pa.Table,
    tgt: pa.Table,
    n: int,
) -> DiffReport:
    f = pr.figs
    mism = {c.name for c in cols if c.mismatched} | {
        p.name for p in plans if f.columns[p.name].mismatched
    }
    return DiffReport(
        verdict="mismatch",
        mode=pr.mode,  # type: ignore[arg-type]  # verdict set by caller
        key=pr.key_names if pr.mode == "keyed" else None,
        vacuous=src.num_rows == 0 and tgt.num_rows == 0,
        rows_source=src.num_rows,
        rows_target=tgt.num_rows,
        rows_matched=f.matched,
        score=f.matched / max(src.num_rows, tgt.num_rows, 1)
        if src.num_rows or tgt.num_rows
        else 1.0,
        columns_source=[],
        columns_target=[],
        columns=cols,
        only_in_source=samples.original_rows(src, samples.only_rows(con, pr.j, "source", n)),
        only_in_target=samples.original_rows(tgt, samples.only_rows(con, pr.j, "target", n)),
        changed=samples.changed_cells(con, pr.j, plans, mism, src, tgt, pr.key_names, n),
        only_in_source_count=f.only_source,
        only_in_target_count=f.only_target,
        changed_count=f.changed,
        diagnosis=_diagnose(con, pr, plans, cols),
    )


def _apply_ordering(
    con: duckdb.DuckDBPyConnection,
    report: DiffReport,
    plans: list[ColumnPlan],
    order_by: list[str],
    src: pa.Table,
    tgt: pa.Table,
    n: int,
) -> None:
    """Content equal but positions differ -> "ordering" (or ties -> non-deterministic)."""
    report.mode = "ordered"
    pos, tied = _ordering(con, plans, order_by)
    content_ok = not (
        report.only_in_source_count or report.only_in_target_count or report.changed_count
    )
    if not content_ok or pos.figs.clean:
        return
    moved = pos.figs.paired - pos.figs.matched
    if tied:
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
    report.changed = samples.changed_cells(
        con,
        pos.j,
        plans,
        {p.name for p in plans if pos.figs.columns[p.name].mismatched},
        src,
        tgt,
        [samples.POSITION],
        n,
    )
    report.rows_matched = pos.figs.matched
    report.score = pos.figs.matched / max(report.rows_source, report.rows_target, 1)


def _verdict(report: DiffReport, figs: JoinFigures) -> str:
    if (
        report.missing_columns
        or report.extra_columns
        or not figs.clean
        or "ordering" in report.causes()
    ):
        return "mismatch"
    return "parity_with_tolerance" if figs.tolerated else "parity"
