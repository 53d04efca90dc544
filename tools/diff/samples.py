"""Row-level evidence: sample rows only on one side and sample changed cells.

Samples show the *original* values (looked up by row id), not the canonical ones: a reviewer
wants to see '1.50' and 2024-01-02 as the engines returned them.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import duckdb
import pyarrow as pa

from tools.diff.engine import BOTH
from tools.diff.normalise import ColumnPlan, jsonable

POSITION = "#"
"""Key name used for the row position in ordered comparisons."""


@dataclass(frozen=True)
class Side:
    """One side's raw rows as loaded into the compare connection."""

    table: str
    """Table or view holding the rows as the engine returned them, plus __rid."""
    schema: pa.Schema
    """Arrow schema of the rows (without __rid): decides how each column is compared."""
    rows: int
    arrow: pa.Table | None = None
    """The prepared Arrow table behind `table`, when the input was in memory."""
    via: str = ""
    """How the rows reached the compare when DuckDB read them itself (DuckDBScan.via)."""


def original_rows(
    con: duckdb.DuckDBPyConnection, side: Side, rids: list[int]
) -> list[dict[str, Any]]:
    """Rows of a side by row id (in the order asked), JSON-able, without __rid."""
    if not rids:
        return []
    wanted = ", ".join(str(int(r)) for r in sorted(set(rids)))
    # Through Arrow, not fetchall: DuckDB's Python values for TIMESTAMPTZ need pytz.
    got = con.execute(f"SELECT * FROM {side.table} WHERE __rid IN ({wanted})").to_arrow_table()
    by_rid: dict[int, dict[str, Any]] = {}
    for row in got.to_pylist():
        rid = int(row.pop("__rid"))
        by_rid[rid] = {k: jsonable(v) for k, v in row.items()}
    return [by_rid[int(r)] for r in rids]


def only_rows(con: duckdb.DuckDBPyConnection, j: str, side: str, limit: int) -> list[int]:
    """Row ids (of `side`) that have no partner, in original order."""
    mine, other = ("s_rid", "t_rid") if side == "source" else ("t_rid", "s_rid")
    got = con.execute(
        f"SELECT {mine} FROM {j} WHERE {other} IS NULL ORDER BY {mine} LIMIT {int(limit)}"
    ).fetchall()
    return [int(r[0]) for r in got]


def changed_cells(
    con: duckdb.DuckDBPyConnection,
    j: str,
    plans: list[ColumnPlan],
    mismatched: set[str],
    src: Side,
    tgt: Side,
    key_names: list[str],
    limit: int,
) -> list[dict[str, Any]]:
    """Up to `limit` changed cells, taken round-robin over the mismatched columns so that one
    noisy column does not hide the others."""
    per_column: list[list[dict[str, Any]]] = []
    for p in plans:
        if p.name not in mismatched:
            continue
        pairs = con.execute(
            f"SELECT s_rid, t_rid FROM {j} WHERE {BOTH} AND NOT ok_{p.index} "
            f"ORDER BY s_rid LIMIT {int(limit)}"
        ).fetchall()
        s_rows = original_rows(con, src, [int(a) for a, _ in pairs])
        t_rows = original_rows(con, tgt, [int(b) for _, b in pairs])
        cells = []
        for (s_rid, _), s_row, t_row in zip(pairs, s_rows, t_rows, strict=True):
            if key_names == [POSITION]:
                key: dict[str, Any] = {POSITION: int(s_rid)}
            else:
                key = {k: s_row.get(k) for k in key_names}
            cells.append(
                {
                    "key": key,
                    "column": p.name,
                    "source": s_row.get(p.name),
                    "target": t_row.get(p.target_name),
                }
            )
        per_column.append(cells)
    out: list[dict[str, Any]] = []
    depth = 0
    while len(out) < limit and any(depth < len(c) for c in per_column):
        out += [c[depth] for c in per_column if depth < len(c)]
        depth += 1
    return out[:limit]


def mismatched_pairs(
    con: duckdb.DuckDBPyConnection, j: str, p: ColumnPlan, limit: int = 2000
) -> list[tuple[Any, Any, float | None, float | None]]:
    """Canonical (source, target) values and their DOUBLE views for one column's failing cells,
    the evidence the diagnosis reads."""
    nums = f"s_{p.n}, t_{p.n}" if p.numeric else "NULL, NULL"
    got = con.execute(
        f"SELECT s_{p.v}, t_{p.v}, {nums} FROM {j} WHERE {BOTH} AND NOT ok_{p.index} "
        f"ORDER BY s_rid LIMIT {int(limit)}"
    ).fetchall()
    return [(a, b, c, d) for a, b, c, d in got]


def leftover_values(
    con: duckdb.DuckDBPyConnection, j: str, plans: list[ColumnPlan], side: str, limit: int = 5000
) -> list[tuple[Any, ...]]:
    """Canonical values of rows present on one side only (for the case/whitespace pairing)."""
    mine, other = ("s", "t") if side == "source" else ("t", "s")
    cols = ", ".join(f"{mine}_{p.v}" for p in plans) or "NULL"
    return con.execute(
        f"SELECT {cols} FROM {j} WHERE {other}_rid IS NULL ORDER BY {mine}_rid LIMIT {int(limit)}"
    ).fetchall()


def repeated_leftovers(
    con: duckdb.DuckDBPyConnection, j: str, plans: list[ColumnPlan], side: str
) -> int:
    """Rows on one side only whose exact content does exist on the other side: the two sides
    hold the same row a different number of times (duplicates)."""
    mine, other = ("s", "t") if side == "source" else ("t", "s")
    other_table = "t_n" if side == "source" else "s_n"
    if not plans:
        return 0
    same = " AND ".join(f"o.{p.v} IS NOT DISTINCT FROM {j}.{mine}_{p.v}" for p in plans)
    row = con.execute(
        f"SELECT count(*) FROM {j} WHERE {other}_rid IS NULL "
        f"AND EXISTS (SELECT 1 FROM {other_table} o WHERE {same})"
    ).fetchone()
    return int(row[0]) if row else 0
