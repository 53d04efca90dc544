"""translator: translate one object — sqlglot first, failing loudly on constructs it cannot
carry; the LLM only where that path cannot finish (or when asked)."""

from __future__ import annotations

import time
from typing import Any

from langgraph.runtime import Runtime

from agents import llm_tasks
from agents.object_progress import add_seconds, finished, with_new_attempt
from agents.source_translation import translate_sql
from graph.context import Context
from graph.state import ObjectState
from tools.errors import CutoverError, Unsupported
from tools.records import Verdict


def translator(state: ObjectState, runtime: Runtime[Context]) -> dict[str, Any]:
    ctx = runtime.context
    spec = state["spec"]
    name = spec["name"]
    if state.get("blocked"):
        verdict = Verdict(spec["problem_verdict"] or Verdict.BLOCKED) if spec["problem"] \
            else Verdict.BLOCKED
        return finished(state, verdict, state["blocked"])

    start = time.perf_counter()
    calls = tokens = 0
    try:
        applied: list[str] = []
        sql = translate_sql(ctx, state, spec["select_sql"],
                            f"{spec['file']}:{spec['line']} ({name})", applied)
        origin, reason = "translate", "sqlglot transpile"
        if applied:
            # the report says which meanings were carried over up front (docs/semantics.md)
            reason += " + semantics library: " + ", ".join(dict.fromkeys(applied))
    except Unsupported as exc:
        if not ctx.llm_enabled:
            return finished(state, Verdict.UNSUPPORTED, f"{exc} (no LLM configured to "
                            f"translate it; see [llm] in cutover.toml)")
        llm_sql, calls, tokens, unreachable = _llm_translate(ctx, state, str(exc), None)
        if llm_sql is None:
            # An LLM that could not be asked leaves the verdict open: --resume asks again.
            return finished(state, Verdict.UNSUPPORTED, str(exc), llm_calls=calls, tokens=tokens,
                            retry="llm_unreachable" if unreachable else None)
        sql, origin, reason = llm_sql, "llm-translate", f"sqlglot could not translate: {exc}"
    except CutoverError as exc:
        return finished(state, Verdict.UNSUPPORTED, str(exc))

    # llm mode "always" keeps sqlglot's translation as candidate 1: the fixer asks the LLM for
    # its own translation only if this one fails verification, so the LLM cannot make it worse.
    update = with_new_attempt(state, origin, reason, sql)
    ctx.tracer.event("sql_version", attempt=len(update["attempts"]), origin=origin, sql=sql)
    update.update(phase="translated", llm_calls=calls, tokens=tokens,
                  seconds=add_seconds(state, time.perf_counter() - start))
    if not ctx.target().RUNS_HERE:
        return finished(state, Verdict.SKIPPED, f"{ctx.target_dialect} has no engine on this "
                        f"machine: translated only, not compiled or diffed",
                        attempts=update.pop("attempts"), **update)
    return update


def _llm_translate(ctx: Context, state: ObjectState, problem: str,
                   deterministic_sql: str | None) -> tuple[str | None, int, int, bool]:
    """(SQL or None, calls, tokens, whether the endpoint failed)."""
    spec = state["spec"]
    allowance = llm_tasks.token_allowance(ctx, state.get("tokens") or 0)
    if allowance.tokens <= 0:
        ctx.tracer.event("llm_budget", spent=allowance.exhausted())
        return None, 0, 0, False
    outcome = llm_tasks.translate_with_llm(ctx, state, spec, problem, deterministic_sql,
                                           allowance.tokens)
    ctx.llm_spend.add(outcome.tokens)
    return (outcome.sql, outcome.calls, outcome.tokens,
            outcome.stopped_reason == llm_tasks.UNREACHABLE)
