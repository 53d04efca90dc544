"""Column-level summary: per common column, how many paired cells match and by how much not.

Two paths giving the same figures: datacompy (the tolerance semantics users know, slower) for
keyed comparisons up to `datacompy_max_rows`, and DuckDB aggregates beyond that. Both read the
same canonical values, so they agree; the DuckDB path always supplies max_rel_diff, which
datacompy does not compute.

Known edge where they could differ: datacompy sees NULL and NaN alike in float columns
(NumPy has no NULL); DuckDB counts NULL vs NaN as a null mismatch.
"""

from __future__ import annotations

import math
import warnings
from typing import Any

import duckdb

from tools.diff.engine import ColumnFigures, JoinFigures
from tools.diff.normalise import EXACT, FLOAT, ColumnPlan
from tools.diff.report import ColumnDiff


def _rate(compared: int, mismatched: int) -> float:
    return 1.0 if compared == 0 else (compared - mismatched) / compared


def from_duckdb(plans: list[ColumnPlan], figs: JoinFigures) -> list[ColumnDiff]:
    out = []
    for p in plans:
        cf = figs.columns[p.name]
        out.append(
            ColumnDiff(
                name=p.name,
                source_type=p.source_type,
                target_type=p.target_type,
                compared=figs.paired,
                mismatched=cf.mismatched,
                match_rate=_rate(figs.paired, cf.mismatched),
                max_abs_diff=cf.max_abs_diff,
                max_rel_diff=cf.max_rel_diff,
                null_mismatches=cf.null_mismatches,
            )
        )
    return out


def _datacompy_value(p: ColumnPlan) -> str:
    """What datacompy compares: DOUBLE where a tolerance applies (its np.isclose needs
    numbers), the canonical value otherwise (exact text keeps big ints and decimals exact)."""
    if p.tolerance is not None:
        return p.n
    # Exact values as text: both sides share one canonical type, so text equality is value
    # equality, and NumPy would push HUGEINT/DECIMAL through float (inexact beyond 2^53).
    return f"CAST({p.v} AS VARCHAR)" if p.kind == EXACT else p.v


def from_datacompy(
    con: duckdb.DuckDBPyConnection,
    s: str,
    t: str,
    key: list[str],
    plans: list[ColumnPlan],
    figs: JoinFigures,
) -> list[ColumnDiff]:
    """Column figures from datacompy.PolarsCompare over the keyed, normalised sides.

    Columns are passed under neutral names (k0.., c<i>) so that datacompy's lower-casing of
    names cannot merge 'ID' and 'id'. The target is datacompy's df1: np.isclose scales the
    relative tolerance by df2, and our Tolerance scales it by the source value.
    """
    import datacompy  # imported lazily: it pulls in pandas and numpy

    cols = [f"{k} AS k{i}" for i, k in enumerate(key)]
    cols += [f"{_datacompy_value(p)} AS c{p.index}" for p in plans if p.v not in key]
    sql = f"SELECT {', '.join(cols)} FROM {{}}"
    df_s = con.execute(sql.format(s)).pl()
    df_t = con.execute(sql.format(t)).pl()
    abs_tol = {f"c{p.index}": p.tolerance.abs_tol for p in plans if p.tolerance}
    rel_tol = {f"c{p.index}": p.tolerance.rel_tol for p in plans if p.tolerance}
    abs_tol["default"] = rel_tol["default"] = 0.0
    with warnings.catch_warnings():
        # datacompy 1.1 still passes polars' renamed `join_nulls`; harmless, and not ours.
        warnings.simplefilter("ignore", DeprecationWarning)
        cmp = datacompy.PolarsCompare(
            df_t,
            df_s,
            join_columns=[f"k{i}" for i in range(len(key))],
            abs_tol=abs_tol,
            rel_tol=rel_tol,
            df1_name="target",
            df2_name="source",
            cast_column_names_lower=False,
        )
    stats: dict[str, dict[str, Any]] = {st["column"]: dict(st) for st in cmp.column_stats}
    out = []
    for p in plans:
        st = stats.get(f"c{p.index}")
        if st is None:  # a key column: equal on every paired row by construction
            st = {"match_cnt": figs.paired, "unequal_cnt": 0, "null_diff": 0, "max_diff": None}
        compared = int(st["match_cnt"]) + int(st["unequal_cnt"])
        cf: ColumnFigures = figs.columns[p.name]
        max_abs = cf.max_abs_diff
        if p.kind == FLOAT and st["max_diff"] is not None and math.isfinite(st["max_diff"]):
            max_abs = float(st["max_diff"]) if compared else None
        out.append(
            ColumnDiff(
                name=p.name,
                source_type=p.source_type,
                target_type=p.target_type,
                compared=compared,
                mismatched=int(st["unequal_cnt"]),
                match_rate=_rate(compared, int(st["unequal_cnt"])),
                max_abs_diff=max_abs,
                max_rel_diff=cf.max_rel_diff,
                null_mismatches=int(st["null_diff"]),
            )
        )
    return out
