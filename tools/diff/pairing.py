"""How rows pair up: by a given or inferred key, as a multiset, or by position.

Each strategy produces two keyed relations (s, t) over the normalised sides plus the key
columns to join them on; `run` joins and aggregates. Keeping every mode a keyed join means one
code path for figures, samples and diagnosis.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import duckdb

from tools.diff.engine import JoinFigures, figures, has_duplicates, join, ranked
from tools.diff.normalise import DATE, EXACT, FLOAT, ORDER_SIG_DIGITS, TEXT, TIMESTAMP, ColumnPlan
from tools.diff.report import Diagnosis
from tools.diff.samples import POSITION

# Key inference prefers columns that are usually identifiers; floats never make a key.
_KEY_KINDS_FIRST = ("int", "text", "date")


@dataclass
class Pairing:
    """How rows were paired and, after `run`, the joined table and its figures."""

    mode: str
    key_names: list[str]
    """Columns (source spelling) that identify a row in samples."""
    s: str
    t: str
    key: list[str]
    """Join columns in s and t."""
    j: str = ""
    figs: JoinFigures = field(default_factory=JoinFigures)
    diagnosis: list[Diagnosis] = field(default_factory=list)


def _unique_non_null(con: duckdb.DuckDBPyConnection, cols: list[str]) -> bool:
    """Whether the combination of canonical columns is a key on both normalised sides."""
    nn = " AND ".join(f"{c} IS NOT NULL" for c in cols)
    tup = ", ".join(cols)
    for table in ("s_n", "t_n"):
        row = con.execute(
            f"SELECT count(*) = count(*) FILTER (WHERE {nn}), "
            f"count(*) = (SELECT count(*) FROM (SELECT DISTINCT {tup} FROM {table})) FROM {table}"
        ).fetchone()
        if not row or not (row[0] and row[1]):
            return False
    return True


def infer_key(con: duckdb.DuckDBPyConnection, plans: list[ColumnPlan]) -> list[ColumnPlan]:
    """First single column unique and non-null on both sides (int/text/date first), else the
    first two columns together, else [] (multiset)."""
    # a column compared with a tolerance is a measurement, not an identity
    usable = [p for p in plans if p.kind in (TEXT, DATE, TIMESTAMP, EXACT) and p.tolerance is None]
    first = [p for p in usable if p.source_kind in _KEY_KINDS_FIRST]
    for p in first + [p for p in usable if p not in first]:
        if _unique_non_null(con, [p.v]):
            return [p]
    two = plans[:2]
    if len(two) == 2 and all(p.kind != FLOAT for p in two):
        if _unique_non_null(con, [p.v for p in two]):
            return two
    return []


def resolve_key(plans: list[ColumnPlan], key: list[str]) -> list[ColumnPlan] | None:
    """Plans for the given key names, or None when some key column is not on both sides."""
    by_lower = {p.name.lower(): p for p in plans}
    found = [by_lower.get(k.lower()) for k in key]
    return None if any(f is None for f in found) else [f for f in found if f]


def keyed(
    con: duckdb.DuckDBPyConnection,
    plans: list[ColumnPlan],
    kp: list[ColumnPlan],
    known_unique: bool = False,
) -> Pairing:
    """Pair by key; `known_unique` skips the duplicate scan (inferred keys are unique)."""
    key = [p.v for p in kp]
    pairing = Pairing("keyed", [p.name for p in kp], "s_n", "t_n", key)
    if known_unique:
        return pairing
    dup_s, dup_t = has_duplicates(con, "s_n", key), has_duplicates(con, "t_n", key)
    if dup_s or dup_t:
        # Pair repeated keys by rank among their rows, so that a duplicate shows up as one
        # extra row instead of a cross product.
        pairing.s = ranked(con, "s_n", "s_k", plans, key)
        pairing.t = ranked(con, "t_n", "t_k", plans, key)
        pairing.key = key + ["__rn"]
        names = ", ".join(pairing.key_names)
        detail = f"key ({names}) is not unique: {dup_s} values repeat in source, {dup_t} in target"
        pairing.diagnosis.append(
            Diagnosis(cause="duplicates", columns=pairing.key_names, detail=detail)
        )
    return pairing


def multiset(con: duckdb.DuckDBPyConnection, plans: list[ColumnPlan]) -> Pairing:
    """Keyless pairing, duplicates counted.

    Stage 1 pairs rows equal on their exact values and on floats rounded to ORDER_SIG_DIGITS
    significant digits (the "row hash"; joining on the values themselves avoids collisions).
    Stage 2 pairs what is left by rank inside groups of equal exact values, floats in order,
    so that a float changed beyond rounding still pairs with its row and is reported as a
    changed cell. Every pair is then checked with the real tolerance by the join: rounding
    only decides who pairs with whom, never what counts as equal.
    """
    exact = [p for p in plans if p.kind != FLOAT]
    part = [p.v for p in exact]
    names = [p.name for p in exact]
    floats = [p for p in plans if p.kind == FLOAT]
    if not floats:
        s = ranked(con, "s_n", "s_k", plans, part)
        t = ranked(con, "t_n", "t_k", plans, part)
        return Pairing("multiset", names, s, t, part + ["__rn"])
    rounded = [f"round_sig({p.v}, {ORDER_SIG_DIGITS}) AS r{p.index}" for p in floats]
    hashed = part + [f"r{p.index}" for p in floats]
    for x in ("s", "t"):
        con.execute(
            f"CREATE OR REPLACE TEMP TABLE {x}_h AS SELECT __rid, {', '.join(part + rounded)}, "
            f"row_number() OVER (PARTITION BY {', '.join(hashed)} ORDER BY __rid) AS __rn1 "
            f"FROM {x}_n"
        )
    on = " AND ".join(f"s.{c} IS NOT DISTINCT FROM t.{c}" for c in [*hashed, "__rn1"])
    con.execute(
        "CREATE OR REPLACE TEMP TABLE m AS SELECT s.__rid AS s_rid, t.__rid AS t_rid, "
        f"row_number() OVER (ORDER BY s.__rid) AS mid FROM s_h s JOIN t_h t ON {on}"
    )
    for x in ("s", "t"):
        con.execute(
            f"CREATE OR REPLACE TEMP TABLE {x}_left AS SELECT * FROM {x}_n "
            f"WHERE __rid NOT IN (SELECT {x}_rid FROM m)"
        )
        ranked(con, f"{x}_left", f"{x}_r", plans, part)
        # Stage-1 pairs get a negative rank of their own, so they cannot collide with stage 2.
        con.execute(
            f"CREATE OR REPLACE TEMP TABLE {x}_k AS SELECT n.*, -m.mid AS __rn FROM {x}_n n "
            f"JOIN m ON n.__rid = m.{x}_rid UNION ALL SELECT * FROM {x}_r"
        )
    return Pairing("multiset", names, "s_k", "t_k", part + ["__rn"])


def positional() -> Pairing:
    """Row i of the source against row i of the target."""
    return Pairing("ordered", [POSITION], "s_n", "t_n", ["__rid"])


def run(
    con: duckdb.DuckDBPyConnection,
    pairing: Pairing,
    plans: list[ColumnPlan],
    name: str,
    s_rows: int,
) -> Pairing:
    """Join the pairing's relations into table `name` and compute its figures; `s_rows` is
    the number of source rows (the join keeps only rows that are not exactly equal)."""
    pairing.j = join(con, pairing.s, pairing.t, pairing.key, plans, name)
    pairing.figs = figures(con, pairing.j, plans, s_rows)
    return pairing
