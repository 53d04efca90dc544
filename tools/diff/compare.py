"""compare(): diff two query results (Arrow tables from any two engines) and explain the verdict.

Flow: normalise both sides to canonical values in a private in-process DuckDB session, pick how rows
pair up (the given key, an inferred key, or multiset), join, aggregate, sample, diagnose.
With ordered=True the rows are also compared by position, so a right answer in the wrong
order is caught as "ordering".
"""

from __future__ import annotations

import time

import duckdb
import pyarrow as pa

from tools.db import arrow_feed
from tools.diff import columns as colsum
from tools.diff import diagnose, samples
from tools.diff.engine import JoinFigures
from tools.diff.normalise import ColumnPlan, normalise_sql, plan_columns, prepare, session
from tools.diff.ordering import check_order
from tools.diff.pairing import (
    Pairing,
    infer_key,
    keyed,
    multiset,
    positional,
    resolve_key,
    run,
)
from tools.diff.prefilter import narrow
from tools.diff.report import ColumnDiff, Diagnosis, DiffReport
from tools.diff.samples import Side
from tools.records import DiffVerdict, Tolerance, Verdict

SIDES = ("source", "target")


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
    """Diff `source` against `target` (DESIGN.md §5).

    key: columns identifying a row (matched case-insensitively); None infers one, else the
    comparison is a multiset. tolerances: per result column, overriding default_float for
    floats and making decimals/ints tolerant too (they are exact otherwise). order_by: the
    result's ORDER BY columns, only used with ordered=True to tell ties from a wrong order.
    Raises ValueError only for a key naming a column neither side has (a caller bug).
    """
    started = time.perf_counter()
    con = session()
    try:
        # Big inputs are scanned in place; small ones copied (arrow_feed says why).
        s_arrow, t_arrow = prepare(source), prepare(target)
        arrow_feed.as_table(con, "s_raw", s_arrow)
        arrow_feed.as_table(con, "t_raw", t_arrow)
        report = compare_loaded(
            con,
            Side("s_raw", source.schema, source.num_rows, s_arrow),
            Side("t_raw", target.schema, target.num_rows, t_arrow),
            key=key,
            ordered=ordered,
            tolerances=tolerances,
            default_float=default_float,
            sample_rows=sample_rows,
            datacompy_max_rows=datacompy_max_rows,
            order_by=order_by,
        )
    finally:
        con.close()
    report.seconds = time.perf_counter() - started
    return report


def compare_loaded(
    con: duckdb.DuckDBPyConnection,
    src: Side,
    tgt: Side,
    *,
    key: list[str] | None = None,
    ordered: bool = False,
    tolerances: dict[str, Tolerance] | None = None,
    default_float: Tolerance = Tolerance(1e-9, 1e-9),
    sample_rows: int = 10,
    datacompy_max_rows: int = 200_000,
    order_by: list[str] | None = None,
) -> DiffReport:
    """compare() over two sides already in `con` (a connection from normalise.connect):
    the stream algorithm loads adapters' batches there instead of building Arrow tables."""
    plans, missing, extra = plan_columns(src.schema, tgt.schema, tolerances or {}, default_float)
    _check_key(key, src.schema.names, tgt.schema.names)
    # Views, not tables: normalising is cheap per value, and the join reads each side once.
    con.execute(f"CREATE OR REPLACE TEMP VIEW s_n AS {normalise_sql(src.table, plans, 'source')}")
    con.execute(f"CREATE OR REPLACE TEMP VIEW t_n AS {normalise_sql(tgt.table, plans, 'target')}")
    # A key column missing on one side cannot pair rows: infer instead (the missing column
    # already makes the verdict a mismatch).
    kp = resolve_key(plans, key) if key else None
    inferred = kp is None
    one_row = max(src.rows, tgt.rows) <= 1
    if kp is None and not one_row:
        kp = infer_key(con, plans)
    big = max(src.rows, tgt.rows) > datacompy_max_rows
    # Large keyed diffs: one hashing pass keeps only the rows that can differ (and proves the
    # key unique); the ordered check needs every row, datacompy's summary too.
    narrowed = narrow(con, plans, kp, src, tgt) if kp and plans and big and not ordered \
        else None
    if kp:
        pairing = keyed(con, plans, kp, known_unique=inferred or bool(narrowed))
    elif one_row:
        # one row each: they are the pair, whatever their values (an inferred key would be a
        # value column, and a value that differs would read as a missing and an extra row)
        pairing = positional()
    else:
        pairing = multiset(con, plans)
    pr = run(con, pairing, plans, "j", src.rows)
    # Two empty sides (a checksum or push-down that found nothing to fetch) have no column
    # figures for datacompy to add, and importing it costs ~1.5 s.
    use_dc = pr.mode == "keyed" and not big and bool(src.rows or tgt.rows)
    cols = (
        colsum.from_datacompy(con, pr.s, pr.t, pr.key, plans, pr.figs)
        if use_dc
        else colsum.from_duckdb(plans, pr.figs)
    )
    # Samples are looked up by row id in the narrowed sides when there are any: they hold
    # every row the pairing can name, and a lookup there skips a scan of every row.
    look_s, look_t = narrowed or (src, tgt)
    report = _report(con, pr, plans, cols, src, tgt, sample_rows, look_s, look_t)
    report.key_inferred = inferred and pr.mode == "keyed"
    report.engine = "duckdb+datacompy" if use_dc else "duckdb"
    if ordered:
        check_order(con, report, pr, plans, order_by or [], src, tgt, sample_rows)
    _finish(report, plans, missing, extra, src.schema, tgt.schema, pr.figs)
    return report


def _finish(
    report: DiffReport,
    plans: list[ColumnPlan],
    missing: list[str],
    extra: list[str],
    source: pa.Schema,
    target: pa.Schema,
    figs: JoinFigures,
) -> None:
    """Column-set facts and the verdict, once rows and order have been judged."""
    report.missing_columns, report.extra_columns = missing, extra
    report.columns_source, report.columns_target = source.names, target.names
    report.type_differences = {
        p.name: (p.source_type, p.target_type) for p in plans if p.source_type != p.target_type
    }
    if missing or extra:
        detail = f"missing in target: {missing or 'none'}; extra in target: {extra or 'none'}"
        report.diagnosis.insert(
            0, Diagnosis(cause="columns", columns=missing + extra, detail=detail)
        )
    report.verdict = _verdict(report, figs)


def _check_key(key: list[str] | None, source: list[str], target: list[str]) -> None:
    known = {c.lower() for c in source + target}
    unknown = [k for k in key or [] if k.lower() not in known]
    if unknown:
        raise ValueError(
            f"key column(s) {unknown} are in neither result: source has {source}, "
            f"target has {target}. Name result columns (aliases), not table ones."
        )


def _report(
    con: duckdb.DuckDBPyConnection,
    pr: Pairing,
    plans: list[ColumnPlan],
    cols: list[ColumnDiff],
    src: Side,
    tgt: Side,
    n: int,
    look_s: Side,
    look_t: Side,
) -> DiffReport:
    f = pr.figs
    mism = {p.name for p in plans if f.columns[p.name].mismatched}
    rows = max(src.rows, tgt.rows)
    return DiffReport(
        verdict=Verdict.MISMATCH,  # settled by _verdict once columns and order are known
        mode="keyed" if pr.mode == "keyed" else "multiset",
        key=pr.key_names if pr.mode == "keyed" else None,
        vacuous=rows == 0,
        rows_source=src.rows,
        rows_target=tgt.rows,
        rows_matched=f.matched,
        score=f.matched / rows if rows else 1.0,
        columns_source=[],
        columns_target=[],
        columns=cols,
        only_in_source=samples.original_rows(con, look_s,
                                             samples.only_rows(con, pr.j, "source", n)),
        only_in_target=samples.original_rows(con, look_t,
                                             samples.only_rows(con, pr.j, "target", n)),
        changed=samples.changed_cells(con, pr.j, plans, mism, look_s, look_t, pr.key_names, n),
        only_in_source_count=f.only_source,
        only_in_target_count=f.only_target,
        changed_count=f.changed,
        diagnosis=_diagnose(con, pr, plans, cols),
    )


def _diagnose(
    con: duckdb.DuckDBPyConnection, pr: Pairing, plans: list[ColumnPlan], cols: list[ColumnDiff]
) -> list[Diagnosis]:
    """Column causes (also written to each ColumnDiff.diagnosis), then row causes."""
    out = list(pr.diagnosis)
    for p, cd in zip(plans, cols, strict=True):
        if pr.figs.columns[p.name].mismatched:
            found = diagnose.column_diagnoses(p, samples.mismatched_pairs(con, pr.j, p))
            out += found
            cd.diagnosis = "; ".join(d.detail.split(": ", 1)[-1] for d in found) or None
    f = pr.figs
    if f.only_source or f.only_target:
        left_s = samples.leftover_values(con, pr.j, plans, "source")
        left_t = samples.leftover_values(con, pr.j, plans, "target")
        out += diagnose.leftover_diagnoses(plans, left_s, left_t)
        # With a unique key a row present on one side only cannot exist on the other (its key
        # would pair it), so the costly scan for repeated rows runs only for ranked pairings.
        ranked = "__rn" in pr.key
        reps = [
            samples.repeated_leftovers(con, pr.j, plans, side) if ranked else 0 for side in SIDES
        ]
        if any(reps) and not any(d.cause == "duplicates" for d in out):
            detail = (
                f"the same rows occur a different number of times: {reps[0]} extra copies "
                f"in source, {reps[1]} in target"
            )
            out.append(Diagnosis(cause="duplicates", detail=detail))
    if f.only_source:
        out.append(Diagnosis(cause="missing_rows", detail=f"{f.only_source} rows only in source"))
    if f.only_target:
        out.append(Diagnosis(cause="extra_rows", detail=f"{f.only_target} rows only in target"))
    return out


def _verdict(report: DiffReport, figs: JoinFigures) -> DiffVerdict:
    if report.missing_columns or report.extra_columns or not figs.clean:
        return Verdict.MISMATCH
    if "ordering" in report.causes():
        return Verdict.MISMATCH
    return Verdict.PARITY_WITH_TOLERANCE if figs.tolerated else Verdict.PARITY
