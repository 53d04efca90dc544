"""Compare two eval logs case by case (A = before, B = after).

Per case the repeats are folded first (parity rate, mean attempts / tokens / seconds), so two
logs with different repeat counts still compare; the summary deltas carry each side's spread.
"""

from __future__ import annotations

import statistics
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class CaseStats:
    parity: float | None
    """Share of repeats at parity (None when never scored)."""
    compiles: float | None
    attempts: float
    tokens: float
    llm_calls: float
    seconds: float
    cost: float
    """Mean LLM cost (tokens × [llm] price_per_mtok) over the repeats."""
    verdicts: tuple[str, ...]


@dataclass(frozen=True)
class CaseDelta:
    id: str
    a: CaseStats | None
    b: CaseStats | None

    @property
    def parity_delta(self) -> float | None:
        if self.a is None or self.b is None or self.a.parity is None or self.b.parity is None:
            return None
        return self.b.parity - self.a.parity

    @property
    def change(self) -> str:
        """fixed / broken / same / new / gone / unscored: what a reader scans for first."""
        if self.a is None:
            return "new"
        if self.b is None:
            return "gone"
        delta = self.parity_delta
        if delta is None:
            return "unscored"
        return "fixed" if delta > 0 else "broken" if delta < 0 else "same"


def _rate(values: list[bool | None]) -> float | None:
    scored = [v for v in values if v is not None]
    return sum(1 for v in scored if v) / len(scored) if scored else None


def case_stats(log: dict[str, Any]) -> dict[str, CaseStats]:
    by_id: dict[str, list[dict[str, Any]]] = {}
    for case in log["cases"]:
        by_id.setdefault(case["id"], []).append(case)
    return {
        case_id: CaseStats(
            parity=_rate([e["parity"] for e in entries]),
            compiles=_rate([e["compiles"] for e in entries]),
            attempts=statistics.fmean(e["attempts"] for e in entries),
            tokens=statistics.fmean(e["tokens"] for e in entries),
            llm_calls=statistics.fmean(e["llm_calls"] for e in entries),
            seconds=statistics.fmean(e["seconds"] for e in entries),
            cost=statistics.fmean(e.get("llm_cost") or 0.0 for e in entries),
            verdicts=tuple(sorted({e["verdict"] for e in entries})))
        for case_id, entries in by_id.items()}


def case_deltas(log_a: dict[str, Any], log_b: dict[str, Any]) -> list[CaseDelta]:
    a, b = case_stats(log_a), case_stats(log_b)
    ids = list(a) + [i for i in b if i not in a]
    return [CaseDelta(i, a.get(i), b.get(i)) for i in ids]


def label(log: dict[str, Any]) -> str:
    """One line naming a log's variant: suite, pair, mode, model, prompt set."""
    model = log.get("model") or "deterministic"
    return (f"{log['suite']} {log['source']}→{log['target']} {log.get('mode', '?')} "
            f"[{model}, prompts {log['prompt_set'].get('name')}]")


SUMMARY_KEYS = ("parity", "compiles", "parses", "tokens", "llm_calls", "llm_cost", "seconds")
"""The summary figures a comparison shows, each with its spread over repeats."""


def format_cost(value: float | None) -> str:
    """A cost to four significant digits ('0.006', '1.234e-05'); '—' when unknown."""
    return "—" if value is None else f"{value:.4g}"


def format_summary(key: str, stat: dict[str, Any] | None) -> str:
    """One summary figure as a comparison shows it (costs in significant digits)."""
    return format_rate(stat, ".4g" if key == "llm_cost" else ".3f")


def summary_delta(log_a: dict[str, Any], log_b: dict[str, Any]) -> dict[str, Any]:
    out = {}
    for key in SUMMARY_KEYS:
        sa, sb = log_a["summary"].get(key) or {}, log_b["summary"].get(key) or {}
        ma, mb = sa.get("mean"), sb.get("mean")
        out[key] = {"a": sa, "b": sb,
                    "delta": None if ma is None or mb is None else round(mb - ma, 4)}
    ma, mb = log_a["summary"].get("mean_attempts"), log_b["summary"].get("mean_attempts")
    out["mean_attempts"] = {"a": ma, "b": mb,
                            "delta": None if ma is None or mb is None else round(mb - ma, 3)}
    return out


def format_rate(stat: dict[str, Any] | None, number: str = ".3f") -> str:
    """'0.870 ± 0.020 (n=3)' — never a bare single number when there were repeats.
    `number` is the format of mean and stdev (costs use '.4g': they are often below 0.001)."""
    if not stat or stat.get("mean") is None:
        return "—"
    text = f"{stat['mean']:{number}}"
    if stat.get("n", 1) > 1:
        text += f" ± {stat['stdev']:{number}}"
    return text + f" (n={stat.get('n', 1)})"
