"""The two jobs the LLM does for the agents: translate what sqlglot cannot, and propose a fix
from a compile error or a DiffReport. Both run agents.llm.run_tool_loop with the tools of
tools.llm_tools and a prompt from the prompt loader; neither can set a verdict.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from agents.llm import run_tool_loop
from graph.context import Context
from graph.state import ObjectState
from prompts.loader import load_prompt
from tools.errors import ConnectionLost
from tools.llm_tools import fixer_tools
from tools.records import Attempt, ObjectSpec


@dataclass
class LLMOutcome:
    sql: str | None
    explanation: str
    calls: int
    tokens: int
    stopped_reason: str


def _tools(ctx: Context) -> list[Any]:
    return fixer_tools(source=ctx.source(), target=ctx.target(),
                       source_dialect=ctx.source_dialect, target_dialect=ctx.target_dialect,
                       rows_cap=ctx.llm_rows_cap, privacy=ctx.privacy)


def _run(ctx: Context, agent: str, variables: dict[str, Any], name: str,
         calls_left: int, tokens_left: int) -> LLMOutcome:
    assert ctx.chat_model is not None, "LLM tasks run only when a chat model is configured"
    prompt = load_prompt(agent, ctx.prompt_set)
    variables = {"source_dialect": ctx.source_dialect, "target_dialect": ctx.target_dialect,
                 "rows_cap": ctx.llm_rows_cap, "privacy": ctx.privacy, **variables}
    try:
        out = run_tool_loop(ctx.chat_model, prompt=prompt, system_vars=variables,
                            user_message=prompt.render_user(**variables), tools=_tools(ctx),
                            max_calls=max(calls_left, 0), token_budget=max(tokens_left, 0),
                            tracer=ctx.tracer, object_name=name)
    except ConnectionLost as exc:
        ctx.tracer.event("error", error=str(exc))
        return LLMOutcome(None, str(exc), 0, 0, "error")
    return LLMOutcome(out.sql, out.explanation or "", out.calls, out.tokens, out.stopped_reason)


def translate_with_llm(ctx: Context, spec: ObjectSpec, problem: str,
                       schema: list[dict[str, Any]], deterministic_sql: str | None,
                       tokens_left: int) -> LLMOutcome:
    variables = {"object_name": spec["name"], "object_kind": spec["kind"],
                 "source_sql": spec["select_sql"], "schema": schema,
                 "deterministic_sql": deterministic_sql, "deterministic_error": problem or None}
    return _run(ctx, "translator", variables, spec["name"], ctx.max_llm_calls_per_object,
                tokens_left)


def fix_with_llm(ctx: Context, state: ObjectState, best: Attempt,
                 tokens_left: int) -> LLMOutcome:
    spec, attempts = state["spec"], state["attempts"]
    variables = {
        "object_name": spec["name"], "object_kind": spec["kind"],
        "source_sql": spec["select_sql"], "candidate_sql": best["sql"],
        "attempt": len(attempts) + 1, "max_attempts": ctx.max_attempts,
        "failure": _failure(best), "diff": _diff_view(ctx, best),
        "history": [{"attempt": a["number"], "outcome": _attempt_outcome(a), "note": a["reason"]}
                    for a in attempts],
    }
    calls_left = ctx.max_llm_calls_per_object - (state.get("llm_calls") or 0)
    return _run(ctx, "fixer", variables, spec["name"], calls_left, tokens_left)


def _attempt_outcome(attempt: Attempt) -> str:
    if attempt["compile"] is not None and not attempt["compile"]["ok"]:
        return f"compile error: {attempt['compile']['error']}"
    return attempt["diff_summary"] or "not diffed"


def _failure(best: Attempt) -> dict[str, str]:
    if best["compile"] is not None and not best["compile"]["ok"]:
        kind = "runtime" if best["compile"]["error_kind"] == "runtime" else "compile"
        return {"kind": kind, "message": best["compile"]["error"] or ""}
    return {"kind": "mismatch", "message": best["diff_summary"] or ""}


def _diff_view(ctx: Context, best: Attempt) -> dict[str, Any] | None:
    """What the fixer prompt sees of the best attempt's own diff; no data values when privacy
    is strict."""
    if best["compile"] is not None and not best["compile"]["ok"] or best["diff"] is None:
        return None
    diff = best["diff"].model_dump(mode="json")
    view: dict[str, Any] = {
        "summary": best["diff_summary"],
        "diagnosis": [f"{d['cause']}: {d['detail']}" for d in diff.get("diagnosis", [])],
        "columns": [{k: c.get(k) for k in ("name", "compared", "mismatched", "match_rate",
                                            "max_abs_diff", "source_type", "target_type",
                                            "diagnosis")}
                    for c in diff.get("columns", []) if c.get("mismatched")],
    }
    if ctx.privacy != "strict":
        cap = min(5, ctx.llm_rows_cap)
        view["samples"] = {k: diff.get(k, [])[:cap]
                           for k in ("changed", "only_in_source", "only_in_target")}
    return view
