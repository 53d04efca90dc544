"""Scorers: each turns one case's stored evidence into a value *and* an explanation.

The evidence (`raw`) is what the run's report said about the case's objects, copied into the
eval log, so a stored log can be re-scored with new scorers without running anything again
(`rescore`). A score of None means "not applicable" (the source query itself failed, or the
target is translate-only) and is left out of rates; a crash of Cutover itself scores False.
"""

from __future__ import annotations

import statistics
from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, TypedDict

import sqlglot
from sqlglot.errors import SqlglotError

from evals.evidence import CaseEvidence
from tools.records import Verdict

PARITY = (Verdict.PARITY, Verdict.PARITY_WITH_TOLERANCE)
COMPILED = (*PARITY, Verdict.MISMATCH)
# Worst first: a case with several objects takes the verdict of its worst one (a verdict not
# listed, parse_error, counts as worst of all).
SEVERITY = (Verdict.BLOCKED, Verdict.UNSUPPORTED, Verdict.COMPILE_ERROR, Verdict.MISMATCH,
            Verdict.SKIPPED, Verdict.PARITY_WITH_TOLERANCE, Verdict.PARITY)
# A case's own verdicts, besides the run's: why it has no object verdict to go by.
REFERENCE_ERROR, HARNESS_ERROR, MISSING = "reference_error", "harness_error", "missing"


@dataclass(frozen=True)
class Score:
    value: bool | None
    explanation: str


Scorer = Callable[[CaseEvidence], Score]


def case_verdict(raw: CaseEvidence) -> str:
    if raw.get("reference_error"):
        return REFERENCE_ERROR
    if raw.get("harness_error"):
        return HARNESS_ERROR
    verdicts = [o["verdict"] for o in raw.get("objects") or []]
    if not verdicts:
        return MISSING
    return min(verdicts, key=lambda v: SEVERITY.index(v) if v in SEVERITY else -1)


def parses(raw: CaseEvidence) -> Score:
    """The final SQL of every object parses in the target dialect."""
    if raw.get("reference_error"):
        return Score(None, f"not scored: {raw.get('reference_error')}")
    if raw.get("harness_error"):
        return Score(False, raw.get("harness_error") or "")
    for obj in raw.get("objects") or []:
        if not obj.get("final_sql"):
            return Score(False, f"{obj['name']}: no translation ({obj.get('error') or 'none'})")
        try:
            sqlglot.parse(obj.get("final_sql") or "", read=raw.get("target_dialect"))
        except SqlglotError as exc:
            return Score(False, f"{obj['name']}: final SQL does not parse: "
                                f"{str(exc).splitlines()[0]}")
    return Score(True, "every object's final SQL parses in the target dialect")


def compiles(raw: CaseEvidence) -> Score:
    """Some candidate of every object compiled on the real target."""
    verdict = case_verdict(raw)
    if verdict == HARNESS_ERROR:
        return Score(False, raw.get("harness_error") or "")
    if verdict in (REFERENCE_ERROR, Verdict.SKIPPED):
        return Score(None, f"not scored: {verdict} (nothing was compiled)")
    for obj in raw.get("objects") or []:
        if obj["verdict"] in COMPILED or any(obj.get("compiled_attempts") or []):
            continue
        if obj["verdict"] == Verdict.BLOCKED:
            return Score(False, f"{obj['name']}: blocked before compiling: {obj.get('error')}")
        return Score(False, f"{obj['name']}: no candidate compiled ({obj['verdict']}: "
                            f"{_short(obj.get('error'))})")
    return Score(True, "every object compiled on the target")


def parity(raw: CaseEvidence) -> Score:
    """The data differ found the same data on both sides (the only judge of success)."""
    verdict = case_verdict(raw)
    if verdict == HARNESS_ERROR:
        # Cutover crashed or lost the case: that is a failure of the tool, not of the suite.
        return Score(False, raw.get("harness_error") or "")
    if verdict == REFERENCE_ERROR:
        return Score(None, f"not scored: {raw.get('reference_error')}")
    if verdict == Verdict.SKIPPED:
        return Score(None, "not scored: skipped (translate-only target)")
    objects = raw.get("objects") or []
    if verdict in PARITY:
        fixed = [f for o in objects for f in o.get("fixed_by") or []]
        how = f" after {', '.join(fixed)}" if fixed else " on the first translation"
        return Score(True, f"{verdict}{how}")
    bad = next(o for o in objects if o["verdict"] not in PARITY)
    return Score(False, f"{bad['name']}: {bad['verdict']}: "
                        f"{_short(bad.get('diff_summary') or bad.get('error'))}")


SCORERS: dict[str, Scorer] = {"parses": parses, "compiles": compiles, "parity": parity}


def _short(text: Any, limit: int = 300) -> str:
    text = str(text or "no detail").strip().replace("\n", " ")
    return text if len(text) <= limit else text[: limit - 1] + "…"


class CaseScore(TypedDict):
    """One case of an eval log (evals/log.py CASE_FIELDS are the ones a log must have)."""

    id: str
    repeat: int
    verdict: str
    """The worst object's Verdict, or REFERENCE_ERROR / HARNESS_ERROR / MISSING."""
    parses: bool | None
    compiles: bool | None
    parity: bool | None
    attempts: int
    llm_calls: int
    tokens: int
    llm_cost: float
    llm_retries: int
    seconds: float
    explanations: dict[str, str]
    raw: CaseEvidence


def score_case(case_id: str, repeat: int, raw: CaseEvidence) -> CaseScore:
    """One log entry: the fields the issue names, explanations, and the evidence."""
    objects = raw.get("objects") or []
    scores = {name: fn(raw) for name, fn in SCORERS.items()}
    return {
        "id": case_id, "repeat": repeat, "verdict": case_verdict(raw),
        "parses": scores["parses"].value, "compiles": scores["compiles"].value,
        "parity": scores["parity"].value,
        "attempts": max((o.get("attempts") or 0 for o in objects), default=0),
        "llm_calls": sum(o.get("llm_calls") or 0 for o in objects),
        "tokens": sum(o.get("tokens") or 0 for o in objects),
        # issue 12: priced tokens and retried requests, from the saved LLM transcripts
        "llm_cost": round(sum(o.get("llm_cost") or 0.0 for o in objects), 6),
        "llm_retries": sum(o.get("llm_retries") or 0 for o in objects),
        "seconds": round(sum(o.get("seconds") or 0.0 for o in objects), 3),
        "explanations": {name: s.explanation for name, s in scores.items()},
        "raw": raw,
    }


def spread(values: list[float]) -> dict[str, Any]:
    """Mean with its spread; one value has a stdev of 0 and says so with n=1."""
    if not values:
        return {"mean": None, "stdev": None, "min": None, "max": None, "n": 0, "values": []}
    return {"mean": round(statistics.fmean(values), 4),
            "stdev": round(statistics.stdev(values), 4) if len(values) > 1 else 0.0,
            "min": round(min(values), 4), "max": round(max(values), 4), "n": len(values),
            "values": [round(v, 4) for v in values]}


def _rate(entries: Sequence[Mapping[str, Any]], key: str) -> float | None:
    scored = [e[key] for e in entries if e[key] is not None]
    return sum(1 for v in scored if v) / len(scored) if scored else None


def summarize(cases: Sequence[Mapping[str, Any]], run_seconds: list[float]) -> dict[str, Any]:
    """Rates per repeat, then mean and spread over repeats."""
    repeats = sorted({c["repeat"] for c in cases})
    per = {r: [c for c in cases if c["repeat"] == r] for r in repeats}
    rates = {k: [v for v in (_rate(per[r], k) for r in repeats) if v is not None]
             for k in ("parity", "compiles", "parses")}
    attempted = [c["attempts"] for c in cases if c["attempts"]]
    ids = {c["id"] for c in cases}
    return {
        "cases": len(ids),
        "scored": len({c["id"] for c in cases if c["parity"] is not None}),
        "repeats": len(repeats),
        "parity": spread(rates["parity"]),
        "compiles": spread(rates["compiles"]),
        "parses": spread(rates["parses"]),
        "parity_count": spread([sum(1 for c in per[r] if c["parity"]) for r in repeats]),
        "mean_attempts": round(statistics.fmean(attempted), 3) if attempted else None,
        "llm_calls": spread([sum(c["llm_calls"] for c in per[r]) for r in repeats]),
        "tokens": spread([sum(c["tokens"] for c in per[r]) for r in repeats]),
        # tokens × [llm] price_per_mtok over the suite, per repeat (logs before it lack it)
        "llm_cost": spread([sum(c.get("llm_cost") or 0.0 for c in per[r]) for r in repeats]),
        "llm_retries": spread([sum(c.get("llm_retries") or 0 for c in per[r])
                               for r in repeats]),
        "seconds": spread(run_seconds),
        "verdicts": dict(Counter(c["verdict"] for c in cases)),
        "reference_errors": sorted({c["id"] for c in cases if c["verdict"] == REFERENCE_ERROR}),
    }


def rescore(log: dict[str, Any]) -> dict[str, Any]:
    """The same log with every case re-scored from its stored evidence; nothing is re-run."""
    cases = [score_case(c["id"], c["repeat"], c["raw"]) for c in log["cases"]]
    seconds = log.get("summary", {}).get("seconds", {}).get("values") or []
    return {**log, "cases": cases, "summary": summarize(cases, seconds)}
