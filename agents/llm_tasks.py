"""The two jobs the LLM does for the agents: translate what sqlglot cannot, and propose a fix
from a compile error or a DiffReport. Both run agents.llm.run_tool_loop with the tools of
tools.llm_tools and a prompt from the prompt loader; neither can set a verdict.

Every conversation is saved, redacted, as a run artifact (artifacts/llm/<object>-<n>.json) and
announced by an `llm_transcript` event, so `cutover trace --llm` and the report can show what the
model was told and what it said, also after a `no_answer`.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any

from agents import llm_call_rewrite, llm_context, llm_functions
from agents.llm import LoopLimits, ToolLoopResult, Vet, run_tool_loop
from graph.context import Context
from graph.state import ObjectState
from prompts.loader import load_prompt_for_model, load_prompt_sets, prompt_set_for_model
from tools.errors import ConnectionLost
from tools.llm_tools import fixer_tools
from tools.records import Attempt, ObjectSpec

UNREACHABLE = "unreachable"
"""LLMOutcome.stopped_reason when the endpoint failed: the object's verdict is then resumable."""


@dataclass(frozen=True)
class TokenAllowance:
    """What an object may still spend on the LLM: the smaller of its own budget's rest
    ([llm] max_tokens_per_object) and the run's ([llm] max_tokens_per_run, shared by the objects
    running in parallel). The loop checks it before every request, so an object overshoots by
    at most the one request that crossed it."""

    tokens: int
    limited_by: str
    """"object" or "run": which budget is the smaller."""
    object_used: int
    object_budget: int
    run_used: int
    run_budget: int

    def exhausted(self) -> str:
        """Why the LLM is not asked (again), naming the budget and the key that raises it."""
        if self.limited_by == "object":
            return (f"LLM token budget per object spent: {self.object_used:,} of "
                    f"{self.object_budget:,} tokens ([llm] max_tokens_per_object)")
        return (f"LLM token budget per run spent: {self.run_used:,} of {self.run_budget:,} "
                f"tokens ([llm] max_tokens_per_run)")


def token_allowance(ctx: Context, object_tokens: int) -> TokenAllowance:
    """The tokens an object that has spent `object_tokens` may still spend."""
    run_used = ctx.llm_spend.tokens
    object_left = ctx.max_llm_tokens_per_object - object_tokens
    run_left = ctx.max_tokens_per_run - run_used
    return TokenAllowance(tokens=max(0, min(object_left, run_left)),
                          limited_by="object" if object_left <= run_left else "run",
                          object_used=object_tokens, object_budget=ctx.max_llm_tokens_per_object,
                          run_used=run_used, run_budget=ctx.max_tokens_per_run)


@dataclass
class LLMOutcome:
    sql: str | None
    explanation: str
    calls: int
    tokens: int
    stopped_reason: str
    cost: float = 0.0
    transcript_path: str | None = None
    expression: str | None = None
    """rewrite_call: the expression the model wrote for the refused call (with `sql`)."""


def _tools(ctx: Context) -> list[Any]:
    return fixer_tools(source=ctx.source(), target=ctx.target(),
                       source_dialect=ctx.source_dialect, target_dialect=ctx.target_dialect,
                       rows_cap=ctx.llm_rows_cap, privacy=llm_context.policy(ctx))


def _limits(ctx: Context, calls_left: int, tokens_left: int) -> LoopLimits:
    return LoopLimits(max_calls=max(calls_left, 0), token_budget=max(tokens_left, 0),
                      max_retries=ctx.llm_max_retries,
                      price_input_per_mtok=ctx.llm_price_input_per_mtok,
                      price_output_per_mtok=ctx.llm_price_output_per_mtok)


def _run(ctx: Context, agent: str, variables: dict[str, Any], name: str,
         calls_left: int, tokens_left: int,
         already_tried: dict[str, str] | None = None,
         vet: Vet | None = None, warmth: int = 0) -> LLMOutcome:
    assert ctx.chat_model is not None, "LLM tasks run only when a chat model is configured"
    prompt = load_prompt_for_model(agent, ctx.prompt_set, ctx.llm_model)
    variables = {"source_dialect": ctx.source_dialect, "target_dialect": ctx.target_dialect,
                 "rows_cap": ctx.llm_rows_cap, "privacy": ctx.privacy, **variables}
    limits = _limits(ctx, calls_left, tokens_left)
    try:
        out = run_tool_loop(ctx.chat_model, prompt=prompt, system_vars=variables,
                            user_message=prompt.render_user(**variables), tools=_tools(ctx),
                            max_calls=limits.max_calls, token_budget=limits.token_budget,
                            tracer=ctx.tracer, object_name=name, limits=limits,
                            dialect=ctx.target_dialect, already_tried=already_tried,
                            output=ctx.llm_output, vet=vet, warmth=warmth)
    except ConnectionLost as exc:
        ctx.tracer.event("error", error=str(exc))
        return LLMOutcome(None, str(exc), 0, 0, UNREACHABLE)
    path = save_transcript(ctx, name, agent, out, limits)
    return LLMOutcome(out.sql, out.explanation or "", out.calls, out.tokens, out.stopped_reason,
                      cost=out.cost, transcript_path=path)


def save_transcript(ctx: Context, name: str, agent: str, out: ToolLoopResult,
                    limits: LoopLimits) -> str | None:
    """Write the conversation (already redacted) under artifacts/llm/; its path, run-relative."""
    if ctx.run_dir is None or not ctx.run_dir.is_dir():
        return None
    folder = ctx.run_dir / "artifacts" / "llm"
    folder.mkdir(parents=True, exist_ok=True)
    stem = re.sub(r"[^A-Za-z0-9_.-]+", "_", name) or "object"
    number = len(list(folder.glob(f"{stem}-*.json"))) + 1
    path = folder / f"{stem}-{number}.json"
    record = {"object": name, "agent": agent, "prompt_id": out.prompt_id,
              "prompt_hash": out.prompt_hash, "model": out.model, "calls": out.calls,
              "retries": out.retries, "input_tokens": out.input_tokens,
              "output_tokens": out.output_tokens, "tokens": out.tokens,
              "cost": round(out.cost, 6), "seconds": out.seconds,
              "stopped_reason": out.stopped_reason, "error": out.error, "sql": out.sql,
              # the budgets this conversation ran under (what was left of the object's/run's)
              "budget": {"calls": limits.max_calls, "tokens": limits.token_budget,
                         "retries": limits.max_retries},
              "messages": out.transcript}
    # The tracer's redactor already ran over the messages; run it over the record once more
    # so an error text or SQL carrying a secret is covered too.
    record = ctx.tracer.redactor.data(record)
    path.write_text(json.dumps(record, indent=2, default=str), encoding="utf-8")
    relative = str(path.relative_to(ctx.run_dir))
    ctx.tracer.event("llm_transcript", object=name, agent=agent, path=relative,
                     calls=out.calls, tokens=out.tokens, cost=round(out.cost, 6),
                     stopped_reason=out.stopped_reason, seconds=out.seconds)
    return relative


def translate_with_llm(ctx: Context, state: ObjectState, spec: ObjectSpec, problem: str,
                       deterministic_sql: str | None, tokens_left: int,
                       calls_left: int | None = None) -> LLMOutcome:
    variables = {"object_name": spec["name"], "object_kind": spec["kind"],
                 "source_sql": spec["select_sql"],
                 "schema": llm_context.object_schema(ctx, state, spec),
                 "deterministic_sql": deterministic_sql, "deterministic_error": problem or None}
    calls = ctx.max_llm_calls_per_object if calls_left is None else calls_left
    return _run(ctx, "translator", variables, spec["name"], calls, tokens_left)


def fix_with_llm(ctx: Context, state: ObjectState, best: Attempt,
                 tokens_left: int) -> LLMOutcome:
    spec = state["spec"]
    schema = llm_context.object_schema(ctx, state, spec)
    variables = {
        "object_name": spec["name"], "object_kind": spec["kind"],
        "source_sql": spec["select_sql"], "candidate_sql": best["sql"],
        "attempt": len(state["attempts"]) + 1, "max_attempts": ctx.max_attempts,
        "failure": llm_context.failure(ctx, best),
        "diff": llm_context.diff_view(ctx, best),
        "history": llm_context.history(ctx, state, best),
        "schema": schema,
        "notes": llm_context.schema_notes(ctx, spec, schema),
        "functions": llm_functions.function_notes(ctx, state["attempts"]),
    }
    calls_left = ctx.max_llm_calls_per_object - (state.get("llm_calls") or 0)
    earlier = sum(1 for a in state["attempts"] if a["origin"].startswith("llm"))
    return _run(ctx, "fixer", variables, spec["name"], calls_left, tokens_left,
                already_tried=llm_context.tried(ctx, state), warmth=earlier)


def rewrite_call(ctx: Context, state: ObjectState, call: llm_call_rewrite.RefusedCall,
                 tokens_left: int) -> LLMOutcome:
    """Ask for one refused call alone (agents.llm_call_rewrite): the outcome's SQL is the whole
    query with the answer in place, its `expression` what the model wrote for the call."""
    variables = llm_call_rewrite.prompt_variables(ctx, state, call)
    vet = llm_call_rewrite.CallVet(ctx, state, call, {a["sql"] for a in state["attempts"]})
    calls_left = ctx.max_llm_calls_per_object - (state.get("llm_calls") or 0)
    outcome = _run(ctx, "function", variables, state["spec"]["name"], calls_left, tokens_left,
                   vet=vet, warmth=len(variables["tried"]))
    outcome.expression = vet.accepted if outcome.sql else None
    return outcome


def has_prompt(ctx: Context, agent: str) -> bool:
    """Whether the run's prompt set (as chosen for its model) has a prompt for `agent`: sets
    kept to compare against (small-v5) leave newer tasks out."""
    chosen = prompt_set_for_model(ctx.prompt_set, ctx.llm_model)
    return agent in load_prompt_sets().get(chosen, {})
