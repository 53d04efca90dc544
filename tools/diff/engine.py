"""The join at the heart of every mode: pair rows by a key, flag each cell equal / tolerated.

Keyed mode joins on the key; multiset mode on (the row's exact values, rank among equals);
ordered mode on the row position. All three end in the same joined table, so the figures,
samples and diagnosis downstream are computed one way only.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import duckdb

from tools.diff.normalise import FLOAT, ORDER_SIG_DIGITS, ColumnPlan


@dataclass
class ColumnFigures:
    """Per-column aggregates over paired rows (DuckDB path)."""

    mismatched: int = 0
    tolerated: int = 0
    """Cells not exactly equal but within tolerance."""
    null_mismatches: int = 0
    max_abs_diff: float | None = None
    max_rel_diff: float | None = None


@dataclass
class JoinFigures:
    """Row-level aggregates of one joined table."""

    paired: int = 0
    only_source: int = 0
    only_target: int = 0
    matched: int = 0
    changed: int = 0
    columns: dict[str, ColumnFigures] = field(default_factory=dict)

    @property
    def tolerated(self) -> bool:
        return any(c.tolerated for c in self.columns.values())

    @property
    def clean(self) -> bool:
        return not (self.only_source or self.only_target or self.changed)


BOTH = "(s_rid IS NOT NULL AND t_rid IS NOT NULL)"


def ranked(
    con: duckdb.DuckDBPyConnection,
    src: str,
    name: str,
    plans: list[ColumnPlan],
    partition: list[str],
) -> str:
    """Copy of `src` with __rn, the row's rank among rows sharing the `partition` values.

    The order inside a group uses the remaining columns (floats rounded first, so noise does
    not reorder rows), which pairs duplicates and near-equal rows deterministically.
    """
    rest = [p for p in plans if p.v not in partition]
    order = [f"round_sig({p.v}, {ORDER_SIG_DIGITS})" for p in rest if p.kind == FLOAT]
    order += [p.v for p in rest] + ["__rid"]
    part = f"PARTITION BY {', '.join(partition)} " if partition else ""
    con.execute(
        f"CREATE OR REPLACE TEMP TABLE {name} AS SELECT *, row_number() OVER "
        f"({part}ORDER BY {', '.join(order)}) AS __rn FROM {src}"
    )
    return name


def has_duplicates(con: duckdb.DuckDBPyConnection, table: str, key: list[str]) -> int:
    """How many key values occur more than once in `table`."""
    cols = ", ".join(key)
    row = con.execute(
        f"SELECT count(*) FROM (SELECT {cols} FROM {table} GROUP BY ALL HAVING count(*) > 1)"
    ).fetchone()
    return int(row[0]) if row else 0


def _ok_expr(p: ColumnPlan) -> str:
    """Cell passes: exactly equal, or both finite numbers within |a-b| <= abs + rel*|a|."""
    eq = f"(s_{p.v} IS NOT DISTINCT FROM t_{p.v})"
    if p.tolerance is None:
        return eq
    a, b = f"s_{p.n}", f"t_{p.n}"
    tol = f"{float(p.tolerance.abs_tol)!r} + {float(p.tolerance.rel_tol)!r} * abs({a})"
    # coalesce: with one side NULL the tolerance test is NULL, and NOT NULL would hide the
    # cell from the mismatch counts, samples and diagnosis (NULL-vs-number differences).
    return f"({eq} OR coalesce(isfinite({a}) AND isfinite({b}) AND abs({a} - {b}) <= {tol}, FALSE))"


def join(
    con: duckdb.DuckDBPyConnection,
    s: str,
    t: str,
    key: list[str],
    plans: list[ColumnPlan],
    name: str,
) -> str:
    """Full outer join of the normalised sides on `key` into temp table `name`, keeping only
    rows that are not exactly equal (one-sided, changed or tolerated): at parity almost nothing
    is materialised, which keeps the join one streaming pass. `figures` adds the equal rows
    back from the row count.

    Columns: s_rid/t_rid (NULL when the row is on one side only), s_v<i>/t_v<i>,
    s_n<i>/t_n<i> for numerics, eq_<i> (exactly equal) and ok_<i> (within tolerance).
    """
    picked = ["s.__rid AS s_rid", "t.__rid AS t_rid"]
    for p in plans:
        picked += [f"s.{p.v} AS s_{p.v}", f"t.{p.v} AS t_{p.v}"]
        if p.numeric:
            picked += [f"s.{p.n} AS s_{p.n}", f"t.{p.n} AS t_{p.n}"]
    on = " AND ".join(f"s.{k} IS NOT DISTINCT FROM t.{k}" for k in key) or "TRUE"
    flags = []
    for p in plans:
        flags.append(f"(s_{p.v} IS NOT DISTINCT FROM t_{p.v}) AS eq_{p.index}")
        flags.append(f"{_ok_expr(p)} AS ok_{p.index}")
    all_eq = " AND ".join(f"eq_{p.index}" for p in plans) or "TRUE"
    con.execute(
        f"CREATE OR REPLACE TEMP TABLE {name} AS SELECT * FROM (SELECT *, "
        f"{', '.join(flags) or 'TRUE AS _'} "
        f"FROM (SELECT {', '.join(picked)} FROM {s} s FULL OUTER JOIN {t} t ON {on})) "
        f"WHERE NOT ({BOTH} AND {all_eq})"
    )
    return name


def all_ok(plans: list[ColumnPlan]) -> str:
    return " AND ".join(f"ok_{p.index}" for p in plans) or "TRUE"


def figures(
    con: duckdb.DuckDBPyConnection, j: str, plans: list[ColumnPlan], s_rows: int
) -> JoinFigures:
    """Row and column aggregates of a joined table, in one scan; `s_rows` (rows on the source
    side of the join) gives the exactly-equal pairs `join` left out: every source row is
    either in `j` or one of them, because every pairing joins one row to at most one row."""
    aggs = [
        f"count(*) FILTER (WHERE {BOTH})",
        "count(*) FILTER (WHERE t_rid IS NULL)",
        "count(*) FILTER (WHERE s_rid IS NULL)",
        f"count(*) FILTER (WHERE {BOTH} AND {all_ok(plans)})",
    ]
    for p in plans:
        i = p.index
        aggs += [
            f"count(*) FILTER (WHERE {BOTH} AND NOT ok_{i})",
            f"count(*) FILTER (WHERE {BOTH} AND ok_{i} AND NOT eq_{i})",
            f"count(*) FILTER (WHERE {BOTH} AND ((s_{p.v} IS NULL) <> (t_{p.v} IS NULL)))",
        ]
        if p.numeric:
            fin = f"{BOTH} AND isfinite(s_{p.n}) AND isfinite(t_{p.n})"
            aggs += [
                f"max(abs(s_{p.n} - t_{p.n})) FILTER (WHERE {fin})",
                f"max(abs(s_{p.n} - t_{p.n}) / abs(s_{p.n})) FILTER (WHERE {fin} AND s_{p.n} <> 0)",
            ]
    row = con.execute(f"SELECT {', '.join(aggs)} FROM {j}").fetchone()
    assert row is not None  # an aggregate without GROUP BY always returns one row
    vals = list(row)
    equal = s_rows - vals[0] - vals[1]
    out = JoinFigures(
        paired=vals[0] + equal, only_source=vals[1], only_target=vals[2], matched=vals[3] + equal
    )
    out.changed = out.paired - out.matched
    pos = 4
    for p in plans:
        cf = ColumnFigures(
            mismatched=vals[pos], tolerated=vals[pos + 1], null_mismatches=vals[pos + 2]
        )
        pos += 3
        if p.numeric:
            cf.max_abs_diff, cf.max_rel_diff = vals[pos], vals[pos + 1]
            if equal:  # exactly equal pairs deviate by 0 (NaN = NaN pairs count as 0 too)
                cf.max_abs_diff = max(cf.max_abs_diff or 0.0, 0.0)
                cf.max_rel_diff = max(cf.max_rel_diff or 0.0, 0.0)
            pos += 2
        out.columns[p.name] = cf
    return out
