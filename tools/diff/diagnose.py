"""Likely causes of a difference, read from the evidence (failing cells, unpaired rows).

Each rule names a cause a fixer can act on ("integer_division" -> add a cast) and says, in one
plain line, which columns and how many rows support it. Rules are tried most specific first:
7/2 giving 3 vs 3.5 is also a "constant-ish ratio" and a "rounding", but integer division is
the explanation that leads to the fix.
"""

from __future__ import annotations

import datetime as dt
import json
import math
import unicodedata
from collections import Counter, defaultdict
from collections.abc import Callable
from decimal import ROUND_HALF_EVEN, ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any

from tools.diff.normalise import NUMERIC_KINDS, TEXT, TIMESTAMP, ColumnPlan
from tools.diff.report import Diagnosis

Pair = tuple[Any, Any, float | None, float | None]


def _fmt(x: Any) -> str:
    if isinstance(x, float):
        return f"{x:.10g}"
    return repr(x)


def _is_whole(x: float) -> bool:
    return math.isfinite(x) and x == math.trunc(x)


def _integer_division(nums: list[tuple[float, float]]) -> str | None:
    """One side whole, the other fractional within 1 of it and truncating/flooring to it."""

    def truncates(whole: float, exact: float) -> bool:
        return (
            _is_whole(whole)
            and not _is_whole(exact)
            and abs(exact - whole) < 1
            and whole in (math.trunc(exact), math.floor(exact))
        )

    if all(truncates(s, t) for s, t in nums):
        side = "source"
    elif all(truncates(t, s) for s, t in nums):
        side = "target"
    else:
        return None
    s, t = nums[0]
    return (
        f"{side} is whole where the other side is fractional on {len(nums)} rows "
        f"(e.g. {_fmt(s)} vs {_fmt(t)}): integer division on the {side} side "
        f"(7/2 is 3 in PostgreSQL, 3.5 in DuckDB)?"
    )


def _ratio(nums: list[tuple[float, float]]) -> str | None:
    if len(nums) < 2 or any(s == 0 for s, _ in nums):
        return None
    ratios = [t / s for s, t in nums]
    r = ratios[0]
    # A ratio within 1e-6 of 1 is precision noise, not a scale factor.
    if abs(r - 1) < 1e-6 or any(abs(x - r) > 1e-9 * abs(r) for x in ratios):
        return None
    note = " (integer division?)" if any(_is_whole(s) and not _is_whole(t) for s, t in nums) else ""
    return f"target = source x {r:.6g} on {len(nums)} rows{note}"


def _round(x: float, digits: int, mode: str) -> Decimal | None:
    try:
        return Decimal(repr(x)).quantize(Decimal(1).scaleb(-digits), rounding=mode)
    except InvalidOperation:
        return None


def _rounding(nums: list[tuple[float, float]]) -> str | None:
    """One side equals the other rounded to n decimals (half-up or half-even)."""
    for digits in range(0, 11):
        for rounded, other in (("target", "source"), ("source", "target")):
            ok = True
            for s, t in nums:
                raw, want = (s, t) if rounded == "target" else (t, s)
                got = [_round(raw, digits, m) for m in (ROUND_HALF_UP, ROUND_HALF_EVEN)]
                if not any(
                    g is not None and abs(float(g) - want) <= 1e-12 * max(1.0, abs(want))
                    for g in got
                ):
                    ok = False
                    break
            if ok:
                return f"{rounded} = {other} rounded to {digits} decimals on {len(nums)} rows"
    return None


def _numeric(p: ColumnPlan, pairs: list[Pair]) -> Diagnosis | None:
    nums = [
        (s, t)
        for _, _, s, t in pairs
        if s is not None and t is not None and math.isfinite(s) and math.isfinite(t)
    ]
    if not nums:
        return None
    worst_rel = max(abs(s - t) / abs(s) if s else math.inf for s, t in nums)
    worst_abs = max(abs(s - t) for s, t in nums)
    if worst_rel < 1e-6:
        # Below a millionth any value "is a ratio" and "is rounded to 9 decimals"; the
        # useful reading is float-vs-decimal arithmetic noise beyond the tolerance.
        return Diagnosis(
            cause="precision",
            columns=[p.name],
            detail=(
                f"{p.name}: {len(nums)} rows differ by at most {worst_rel:.2g} relative, beyond "
                f"tolerance (float vs decimal arithmetic, or a lost digit of precision?)"
            ),
        )
    for cause, rule in (
        ("integer_division", _integer_division),
        ("ratio", _ratio),
        ("rounding", _rounding),
    ):
        detail = rule(nums)
        if detail:
            return Diagnosis(cause=cause, columns=[p.name], detail=f"{p.name}: {detail}")
    return Diagnosis(
        cause="values",
        columns=[p.name],
        detail=(
            f"{p.name}: {len(nums)} rows differ, up to {worst_abs:.6g} (e.g. "
            f"{_fmt(nums[0][0])} vs {_fmt(nums[0][1])})"
        ),
    )


def _nulls(p: ColumnPlan, pairs: list[Pair]) -> Diagnosis | None:
    one_sided = [(s, t) for s, t, _, _ in pairs if (s is None) != (t is None)]
    if not one_sided:
        return None
    kinds = Counter(repr(s if t is None else t) for s, t in one_sided)
    src_null = sum(1 for s, _ in one_sided if s is None)
    shown = ", ".join(f"{v} {n}x" for v, n in kinds.most_common(3))
    return Diagnosis(
        cause="nulls",
        columns=[p.name],
        detail=(
            f"{p.name}: NULL on one side only on {len(one_sided)} rows ({src_null} NULL in source, "
            f"{len(one_sided) - src_null} in target; the other side holds {shown})"
        ),
    )


def _json_equal(a: str, b: str) -> bool:
    try:
        return bool(json.loads(a) == json.loads(b))
    except ValueError:
        return False


# Text classes, most specific first: (cause, label, test).
_TEXT_RULES: list[tuple[str, str, Callable[[str, str], bool]]] = [
    ("whitespace", "equal after trimming spaces", lambda a, b: a.strip() == b.strip()),
    ("case", "equal ignoring case (collation?)", lambda a, b: a.casefold() == b.casefold()),
    (
        "values",
        "equal after unicode normalisation (NFC vs NFD)",
        lambda a, b: unicodedata.normalize("NFC", a) == unicodedata.normalize("NFC", b),
    ),
    (
        "truncation",
        "one side is a prefix of the other (VARCHAR length?)",
        lambda a, b: a != b and (a.startswith(b) or b.startswith(a)),
    ),
    ("values", "equal as JSON (key order or spacing)", _json_equal),
]


def _time_shift(p: ColumnPlan, pairs: list[Pair]) -> Diagnosis | None:
    """Timestamps all shifted by the same whole quarter-hours: a time zone applied twice or
    not at all (TIMESTAMP vs TIMESTAMPTZ, or a session zone)."""
    shifts = set()
    for s, t, _, _ in pairs:
        try:
            delta = dt.datetime.fromisoformat(str(t)) - dt.datetime.fromisoformat(str(s))
        except (TypeError, ValueError):
            return None
        shifts.add(delta)
    if len(shifts) != 1:
        return None
    (delta,) = shifts
    minutes = delta.total_seconds() / 60
    if minutes == 0 or minutes % 15:
        return None
    return Diagnosis(
        cause="values",
        columns=[p.name],
        detail=(
            f"{p.name}: target = source {minutes / 60:+g} h on {len(pairs)} rows "
            f"(time zone conversion?)"
        ),
    )


def _text(p: ColumnPlan, pairs: list[Pair]) -> list[Diagnosis]:
    both = [pair for pair in pairs if pair[0] is not None and pair[1] is not None]
    if p.kind == TIMESTAMP and both:
        shifted = _time_shift(p, both)
        if shifted:
            return [shifted]
    groups: dict[tuple[str, str], list[tuple[str, str]]] = defaultdict(list)
    for s, t, _, _ in pairs:
        if s is None or t is None:
            continue
        a, b = str(s), str(t)
        for cause, label, test in _TEXT_RULES:
            if test(a, b):
                groups[(cause, label)].append((a, b))
                break
        else:
            cause = "type" if p.kind not in (TEXT,) and p.source_kind != p.target_kind else "values"
            groups[(cause, "differ")].append((a, b))
    out = []
    for (cause, label), hits in groups.items():
        a, b = hits[0]
        out.append(
            Diagnosis(
                cause=cause,
                columns=[p.name],
                detail=(f"{p.name}: {len(hits)} rows {label} (e.g. {a!r} vs {b!r})"),
            )
        )
    return out


def column_diagnoses(p: ColumnPlan, pairs: list[Pair]) -> list[Diagnosis]:
    """Causes for one column's failing cells."""
    out = [d for d in [_nulls(p, pairs)] if d]
    if p.kind in NUMERIC_KINDS:
        d = _numeric(p, pairs)
        out += [d] if d else []
    else:
        out += _text(p, pairs)
    return out


def _transform(row: tuple[Any, ...], text_cols: list[int], fn: Callable[[str], str]) -> tuple:
    return tuple(fn(v) if i in text_cols and isinstance(v, str) else v for i, v in enumerate(row))


def leftover_diagnoses(
    plans: list[ColumnPlan],
    only_source: list[tuple[Any, ...]],
    only_target: list[tuple[Any, ...]],
) -> list[Diagnosis]:
    """Rows on one side only that pair up once case or spaces are ignored in a text column:
    what a case-sensitive LIKE, a collation or a CHAR(n) padding produces."""
    text_cols = [i for i, p in enumerate(plans) if p.kind == TEXT]
    out: list[Diagnosis] = []
    for cause, fn in (("case", str.casefold), ("whitespace", str.strip)):
        wanted: dict[tuple, list[tuple]] = defaultdict(list)
        for row in only_target:
            wanted[_transform(row, text_cols, fn)].append(row)
        hits, cols = 0, Counter[str]()
        for row in only_source:
            bucket = wanted.get(_transform(row, text_cols, fn))
            if bucket:
                other = bucket.pop()
                hits += 1
                cols.update(plans[i].name for i in text_cols if row[i] != other[i])
        if hits:
            names = sorted(cols)
            detail = (
                f"{hits} rows only in source equal rows only in target ignoring {cause} in "
                f"{', '.join(names)} (case-sensitive LIKE, collation or CHAR padding?)"
            )
            out.append(Diagnosis(cause=cause, columns=names, detail=detail))
    return out
