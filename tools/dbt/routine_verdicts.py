"""A routine's verdict from the dbt models it became.

A CREATE PROCEDURE / FUNCTION in the codebase is not a query object: the run gives it
`unsupported` ("migrated by the dbt output"), as it does a `CALL p(...)` beside it, and the dbt
export rewrites the routine into models (named `<routine>` or `<routine>__<table>`) that are
built and diffed, the CALL's values bound in. Once they are, both objects take their verdict
from those models, so the run's table, its exit code and the gate say what became of them:

    parity       every model of every routine in the statement is at parity
    mismatch     a model differs, or its build or diff failed
    blocked      built, but nothing to diff it against (no invocation values): the reason
                 says what to give
    skipped      a translate-only target: written, not built
    unsupported  no model, with the export's reason (dynamic SQL, row-by-row loops, ...)
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from tools.errors import CutoverError
from tools.procedures.parse import parse_routines
from tools.records import Verdict

FAILED = ("mismatch", "compile_error", "error")
CALL = re.compile(r"\s*CALL\s+(?:[\w$]+\.)?[`\"]?([\w$]+)[`\"]?\s*\(", re.IGNORECASE)


@dataclass(frozen=True)
class RoutineVerdict:
    verdict: Verdict
    reason: str
    models: tuple[str, ...]


def models_by_routine(dbt: Mapping[str, Any], routines: set[str]) -> dict[str, list[dict]]:
    """The non-staging models of each routine: `<routine>`, `<routine>__<table>` (and its
    `__invocation` model)."""
    out: dict[str, list[dict]] = {}
    for model in dbt.get("models", []):
        if model["layer"] == "staging":
            continue
        owner = model["name"] if model["name"] in routines else model["name"].rsplit("__", 1)[0]
        if owner in routines:
            out.setdefault(owner, []).append(model)
    return out


def left_out_reasons(dbt: Mapping[str, Any]) -> dict[str, str]:
    reasons: dict[str, str] = {}
    for item in dbt.get("left_out", []):
        reasons.setdefault(item["object"], item["reason"])
    return reasons


def routine_names(source_sql: str, dialect: str) -> list[str]:
    """The routines a codebase statement defines or CALLs ([] for any other statement, or
    one that does not read)."""
    called = CALL.match(source_sql)
    if called:
        return [called.group(1)]
    if "CREATE" not in source_sql.upper():
        return []
    try:
        return [r.name for r in parse_routines(source_sql, dialect)]
    except CutoverError:
        return []


def known(names: list[str], dbt: Mapping[str, Any]) -> bool:
    """Every routine is in the dbt section: it became models, or was left out with a reason
    (a routine the export never saw keeps the run's own verdict)."""
    listed = set(models_by_routine(dbt, set(names))) | set(left_out_reasons(dbt))
    return bool(names) and set(names) <= listed


def _one(models: list[dict], reason: str | None, built: bool) -> tuple[Verdict, str]:
    verdicts = [m["verdict"] for m in models]
    if not models:
        return Verdict.UNSUPPORTED, reason or "the dbt export made no model of it"
    if not built:
        return Verdict.SKIPPED, models[0].get("reason") or "written, not built"
    if all(Verdict.parity(v) for v in verdicts):
        tolerant = any(v == Verdict.PARITY_WITH_TOLERANCE for v in verdicts)
        return (Verdict.PARITY_WITH_TOLERANCE if tolerant else Verdict.PARITY), ""
    failed = [m for m in models if m["verdict"] in FAILED]
    if failed:
        m = failed[0]
        return Verdict.MISMATCH, f"{m['name']}: {m['diff_summary'] or m['error'] or m['verdict']}"
    return Verdict.BLOCKED, reason or "built, not proven: " + ", ".join(
        f"{m['name']} {m['verdict']}" for m in models if not Verdict.parity(m["verdict"]))


WORST_FIRST = (Verdict.MISMATCH, Verdict.UNSUPPORTED, Verdict.BLOCKED, Verdict.SKIPPED,
               Verdict.PARITY_WITH_TOLERANCE, Verdict.PARITY)


def verdict_of(names: list[str], dbt: Mapping[str, Any]) -> RoutineVerdict:
    """The verdict of a statement defining the routines `names`: its worst routine's."""
    models = models_by_routine(dbt, set(names))
    reasons = left_out_reasons(dbt)
    per = {n: _one(models.get(n, []), reasons.get(n), dbt.get("built", True)) for n in names}
    worst = min(per.values(), key=lambda vr: WORST_FIRST.index(vr[0]))
    said = "; ".join(f"{n}: {r}" for n, (v, r) in per.items() if v == worst[0] and r)
    return RoutineVerdict(worst[0], said, tuple(m["name"] for n in names
                                                for m in models.get(n, [])))
