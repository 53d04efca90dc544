"""Small helpers every per-object node uses to read and update an ObjectResult.

Not a node: nodes import it, and it imports no node.
"""

from __future__ import annotations

import copy

from graph.state import FINAL_VERDICTS, Attempt, CompileResult, MigrationState, ObjectResult

# Verdicts after which the object does not exist on the target, so dependants cannot run.
ABSENT_ON_TARGET = frozenset({"compile_error", "unsupported", "parse_error", "blocked",
                              "skipped"})  # parse_error: issue 14


def is_final(result: ObjectResult) -> bool:
    return result["status"] in FINAL_VERDICTS


def next_pending(state: MigrationState) -> str | None:
    results = state.get("results") or {}
    for name in state.get("order") or []:
        if not is_final(results[name]):
            return name
    return None


def current(state: MigrationState) -> tuple[str, ObjectResult]:
    """The object the loop is on, as a copy safe to modify and return."""
    name = state["current"]
    assert name is not None, "per-object node reached with no current object"
    return name, copy.deepcopy(state["results"][name])


def new_attempt(result: ObjectResult, origin: str, reason: str, sql: str) -> Attempt:
    attempt = Attempt(number=len(result["attempts"]) + 1, origin=origin, reason=reason, sql=sql,
                      compile=None, diff_summary=None, diff_score=None, diff_artifact=None,
                      verdict=None)
    result["attempts"].append(attempt)
    result["candidate_sql"] = sql
    return attempt


def finish(result: ObjectResult, verdict: str, error: str | None = None) -> ObjectResult:
    result["status"] = verdict
    if error is not None:
        result["error"] = error
    if result["attempts"]:
        result["attempts"][-1]["verdict"] = result["attempts"][-1]["verdict"] or verdict
    return result


def failed_compile(message: str, kind: str, statement: str | None, seconds: float) -> CompileResult:
    return CompileResult(ok=False, error_kind=kind, error=message, statement=statement,
                         seconds=round(seconds, 4))


def attempt_score(attempt: Attempt) -> float:
    """Order attempts: a compile failure is worst, a compiled-but-wrong one is scored by the
    share of rows it matched."""
    if attempt["compile"] is None or not attempt["compile"]["ok"]:
        return -1.0
    return attempt["diff_score"] if attempt["diff_score"] is not None else 0.0


def best_attempt(attempts: list[Attempt]) -> Attempt:
    """The best candidate so far; among equals the latest, so a rule that moved a compile error
    further along (a new error) is built upon rather than thrown away."""
    return max(attempts, key=lambda a: (attempt_score(a), a["number"]))
