"""Small helpers every per-object node uses to read and update an ObjectState.

Not a node: nodes import it, and it imports no node. Nodes never change the state they are
given: they build the keys they return from copies.
"""

from __future__ import annotations

from typing import Any

from graph.state import ObjectState
from tools.records import Attempt, CompileResult, Verdict, attempt_score


def with_new_attempt(state: ObjectState, origin: str, reason: str, sql: str) -> dict[str, Any]:
    """The update that adds a candidate and makes it the current one."""
    attempts = list(state.get("attempts") or [])
    attempts.append(Attempt(number=len(attempts) + 1, origin=origin, reason=reason, sql=sql,
                            compile=None, diff_summary=None, diff_score=None,
                            diff_artifact=None, verdict=None, diff=None))
    return {"attempts": attempts, "candidate_sql": sql}


def last_attempt(state: ObjectState) -> tuple[list[Attempt], Attempt]:
    """A copy of the attempt list whose last entry is a fresh copy, safe to fill in."""
    attempts = list(state["attempts"])
    attempts[-1] = Attempt(**attempts[-1])
    return attempts, attempts[-1]


def finished(state: ObjectState, verdict: Verdict, error: str | None = None,
             attempts: list[Attempt] | None = None, **more: Any) -> dict[str, Any]:
    """The update that ends the object: its verdict, also stamped on the last attempt."""
    attempts = list(attempts if attempts is not None else state.get("attempts") or [])
    if attempts and not attempts[-1]["verdict"]:
        attempts[-1] = Attempt(**{**attempts[-1], "verdict": verdict.value})
    update: dict[str, Any] = {"verdict": verdict, "attempts": attempts, **more}
    if error is not None:
        update["error"] = error
    return update


def failed_compile(message: str, kind: str, statement: str | None, seconds: float) -> CompileResult:
    return CompileResult(ok=False, error_kind=kind, error=message, statement=statement,
                         seconds=round(seconds, 4))


def best_attempt(attempts: list[Attempt]) -> Attempt:
    """The best candidate so far; among equals the latest, so a rule that moved a compile error
    further along (a new error) is built upon rather than thrown away."""
    return max(attempts, key=lambda a: (attempt_score(a), a["number"]))


def add_seconds(state: ObjectState, seconds: float) -> float:
    return round((state.get("seconds") or 0.0) + seconds, 4)
