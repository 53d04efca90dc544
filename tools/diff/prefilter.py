"""Narrow a large keyed comparison to the rows that can differ, in one pass.

One full outer join of (key, row hash) over both normalised sides keeps only the pairs whose
row hashes differ and the one-sided rows. Only those rows are copied and go
through the full join (flags, tolerance, figures, samples); every other source row is a pair
of exactly equal rows, which `figures` counts from the source row count. The same pass proves
paired keys unique (join rows per side = that side's rows), so no full duplicate scan runs.

Equal hashes stand for equal rows: a false match needs two different rows with one key to
collide in DuckDB's 64-bit hash (about 1 in 10**19 per changed row). Rows equal only within
tolerance hash differently and are judged by the full join, as before.
"""

from __future__ import annotations

import duckdb

from tools.db import arrow_feed
from tools.diff.normalise import EXACT, TEXT, ColumnPlan, canonical_expr, normalise_sql, quote
from tools.diff.samples import Side


def _candidates(
    con: duckdb.DuckDBPyConnection, plans: list[ColumnPlan], key: list[ColumnPlan],
    src: Side, tgt: Side,
) -> bool:
    """Fill temp table cand (s_rid, t_rid) with the pairs whose row hashes differ or that are
    one-sided; False when a key repeats among paired rows.

    One full outer join on the key, aggregated in the same pass: the number of join rows per
    side equals that side's row count exactly when no paired key repeats (a key held a times
    in the source and b times in the target yields a*b rows)."""
    on = " AND ".join(f"s.k{i} IS NOT DISTINCT FROM t.k{i}" for i in range(len(key)))
    differ = "s.h IS DISTINCT FROM t.h"
    con.execute(
        "CREATE OR REPLACE TEMP TABLE cand_lists AS SELECT count(s.__rid) AS sn, "
        f"count(t.__rid) AS tn, list(s.__rid) FILTER (WHERE {differ}) AS sl, "
        f"list(t.__rid) FILTER (WHERE {differ}) AS tl "
        f"FROM ({_hashed(plans, key, src, 'source')}) s "
        f"FULL OUTER JOIN ({_hashed(plans, key, tgt, 'target')}) t ON {on}"
    )
    row = con.execute("SELECT sn, tn FROM cand_lists").fetchone()
    if not row or row[0] != src.rows or row[1] != tgt.rows:
        return False
    con.execute(
        "CREATE OR REPLACE TEMP TABLE cand AS SELECT unnest(COALESCE(sl, [])) AS s_rid, "
        "unnest(COALESCE(tl, [])) AS t_rid FROM cand_lists"
    )
    return True


def _hashed(plans: list[ColumnPlan], key: list[ColumnPlan], raw: Side, side: str) -> str:
    """SELECT k<i>, __rid, h over one side's raw rows. A column whose two sides have the same
    type is hashed as it is: equal raw values are equal canonical values, so this can only add
    candidates (-0.0 vs 0.0), never hide one, and it skips the casts (DECIMAL(38,s) is costly).
    Keys stay raw only where the canonical form is one-to-one (exact numbers, text), so that
    raw and canonical keys pair the same rows."""

    def expr(p: ColumnPlan, as_key: bool) -> str:
        same = p.source_type == p.target_type
        if same and (not as_key or p.kind in (EXACT, TEXT)):
            return quote(p.name if side == "source" else p.target_name)
        return canonical_expr(p, side)

    keys = [f"{expr(p, True)} AS k{i}" for i, p in enumerate(key)]
    h = f"hash({', '.join(expr(p, False) for p in plans)})"
    return f"SELECT {', '.join(keys)}, __rid, {h} AS h FROM {raw.table}"


def _one_sided_repeats(con: duckdb.DuckDBPyConnection, key: list[ColumnPlan]) -> bool:
    """A key repeated among rows present on one side only (the join count cannot see it)."""
    keys = ", ".join(p.v for p in key)
    for view in ("s_n", "t_n"):
        row = con.execute(
            f"SELECT count(*) FROM (SELECT {keys} FROM {view} GROUP BY ALL HAVING count(*) > 1)"
        ).fetchone()
        if row and row[0]:
            return True
    return False


def _subset(con: duckdb.DuckDBPyConnection, raw: Side, name: str, rid: str) -> Side:
    """The raw rows of the candidates, as table `name` (same __rid as in `raw`)."""
    if raw.arrow is not None:
        # In-memory input: Arrow's take copies only the wanted rows (a scan would convert
        # every string of every row).
        rids = con.execute(f"SELECT {rid} FROM cand WHERE {rid} IS NOT NULL ORDER BY 1"
                           ).to_arrow_table().column(0)
        # (no chunks: combine_chunks() would build an empty array from a Python list, and
        # pyarrow imports pandas to do that, ~0.25 s)
        taken = raw.arrow.take(rids.combine_chunks()) if rids.num_chunks else raw.arrow.slice(0, 0)
        arrow_feed.as_table(con, name, taken)
        return Side(name, raw.schema, taken.num_rows)
    con.execute(
        f"CREATE OR REPLACE TEMP TABLE {name} AS SELECT * FROM {raw.table} "
        f"WHERE __rid IN (SELECT {rid} FROM cand WHERE {rid} IS NOT NULL)"
    )
    n = con.execute(f"SELECT count(*) FROM {name}").fetchone()
    return Side(name, raw.schema, int(n[0]) if n else 0)


def narrow(
    con: duckdb.DuckDBPyConnection,
    plans: list[ColumnPlan],
    key: list[ColumnPlan],
    src: Side,
    tgt: Side,
) -> tuple[Side, Side] | None:
    """Sides holding only candidate rows (same __rid as the originals), with views s_n/t_n
    re-pointed at them; None when some key repeats (the caller then pairs by rank)."""
    if not _candidates(con, plans, key, src, tgt):
        return None
    subs = _subset(con, src, "s_sub", "s_rid"), _subset(con, tgt, "t_sub", "t_rid")
    _views(con, plans, *subs)
    if _one_sided_repeats(con, key):
        _views(con, plans, src, tgt)  # back to the full sides: ranking needs every row
        return None
    return subs


def _views(con: duckdb.DuckDBPyConnection, plans: list[ColumnPlan], s: Side, t: Side) -> None:
    con.execute(f"CREATE OR REPLACE TEMP VIEW s_n AS {normalise_sql(s.table, plans, 'source')}")
    con.execute(f"CREATE OR REPLACE TEMP VIEW t_n AS {normalise_sql(t.table, plans, 'target')}")
