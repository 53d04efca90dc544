"""fixer: turn a compile error or a DiffReport into the next candidate.

First the rule catalog (known semantic traps of the dialect pair, chosen from the best
attempt's own diagnosis), then — if configured — the LLM with tools. Each candidate goes back
through compiler_checker and data_differ, so the data decides whether a fix worked. Out of
attempts or ideas, the object is finalised with its best candidate and the verdict that
candidate earned. `fix_rounds` counts the fixer's runs; Context.max_attempts bounds the loop.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable
from typing import Any

from langgraph.runtime import Runtime

from agents import llm_call_rewrite, llm_tasks
from agents.object_progress import best_attempt, finished, with_new_attempt
from agents.source_translation import translate_sql
from graph.context import Context
from graph.state import ObjectState
from tools.db import types
from tools.errors import CutoverError
from tools.records import Attempt, Verdict
from tools.rules.base import RuleContext
from tools.rules.catalog import apply_rule, candidates


def fixer(state: ObjectState, runtime: Runtime[Context]) -> dict[str, Any]:
    ctx = runtime.context
    attempts = state["attempts"]
    rules_tried = list(state.get("rules_tried") or [])
    rounds: dict[str, Any] = {"fix_rounds": (state.get("fix_rounds") or 0) + 1,
                              "rules_tried": rules_tried}  # the loop below appends to it
    if len(attempts) >= ctx.max_attempts:
        return _finalise(ctx, state, f"attempt limit ({ctx.max_attempts}) reached") | rounds
    best = best_attempt(attempts)
    tried_sql = {a["sql"] for a in attempts}
    spent: dict[str, Any] = {}
    if _wants_llm_translation(ctx, state, rules_tried):
        # llm mode "always": candidate 1 stayed sqlglot's; the LLM's own translation is the
        # next candidate, verified like any other, and the best verified candidate wins.
        rules_tried.append(ALWAYS_MARK)
        calls = state.get("llm_calls") or 0
        outcome, spent = _llm(ctx, state, spent, lambda: llm_tasks.translate_with_llm(
            ctx, state, state["spec"], _problem(best, state), best["sql"],
            _allowance(ctx, state, {}).tokens, ctx.max_llm_calls_per_object - calls))
        if outcome.stopped_reason == llm_tasks.UNREACHABLE:
            return _unreachable(ctx, state, outcome) | rounds | spent
        if outcome.sql and outcome.sql not in tried_sql:
            update = with_new_attempt(state, "llm-translate", "llm mode 'always'", outcome.sql)
            ctx.tracer.event("sql_version", attempt=len(update["attempts"]),
                             origin="llm-translate", sql=outcome.sql)
            return update | rounds | spent
    reread = _reread_llm_candidate(ctx, state, rules_tried, tried_sql)
    if reread is not None:
        return reread | rounds | spent
    rule_ctx = _rule_context(ctx, state, best)
    for rule in candidates(rule_ctx, set(rules_tried)):
        rules_tried.append(rule.id)
        try:
            sql = apply_rule(rule, best["sql"], rule_ctx)
        except Exception as exc:  # a broken rule must cost one candidate, not the whole run
            ctx.tracer.event("error", error=f"rule {rule.id} failed: {type(exc).__name__}: {exc}")
            sql = None
        if sql and sql not in tried_sql:
            reason = f"{_problem(best, state)} -> rule {rule.id}: {_first_sentence(rule.why)}"
            update = with_new_attempt(state, f"rule:{rule.id}", reason, sql)
            ctx.tracer.event("sql_version", attempt=len(update["attempts"]),
                             origin=f"rule:{rule.id}", sql=sql)
            return update | rounds | spent

    if not ctx.llm_enabled:
        return _finalise(ctx, state, "no rule in the catalog applies and no LLM is "
                                     "configured") | rounds | spent
    held = _llm_held_back(ctx, state, spent)
    if held is not None:
        ctx.tracer.event("llm_budget", spent=held)
        return _finalise(ctx, state, f"no rule in the catalog applies; {held}") | rounds | spent
    rewritten = _llm_rewrite_call(ctx, state, spent, tried_sql)
    if rewritten is not None:
        candidate, spent = rewritten
        if candidate is not None:
            return candidate | rounds | spent
        held = _llm_held_back(ctx, state, spent)
        if held is not None:
            return _finalise(ctx, state, f"LLM gave no new candidate ({held})") | rounds | spent
    allowance = _allowance(ctx, state, spent)
    outcome, spent = _llm(ctx, state, spent, lambda: llm_tasks.fix_with_llm(
        ctx, state, best, allowance.tokens))
    if outcome.stopped_reason == llm_tasks.UNREACHABLE:
        return _unreachable(ctx, state, outcome) | rounds | spent
    if outcome.sql and outcome.sql not in tried_sql:
        update = with_new_attempt(state, "llm", outcome.explanation or "LLM fix", outcome.sql)
        ctx.tracer.event("sql_version", attempt=len(update["attempts"]), origin="llm",
                         sql=outcome.sql)
        return update | rounds | spent
    ending = _llm_held_back(ctx, state, spent) if outcome.stopped_reason.startswith("budget") \
        else None
    why = f"LLM gave no new candidate ({ending or outcome.stopped_reason})"
    return _finalise(ctx, state, why) | rounds | spent


def _llm_rewrite_call(ctx: Context, state: ObjectState, spent: dict[str, Any],
                      tried_sql: set[str]) \
        -> tuple[dict[str, Any] | None, dict[str, Any]] | None:
    """A function call the target refused, asked for alone (agents.llm_call_rewrite): the
    candidate update (or None when the model gave none) and the spend; None when no attempt
    failed on a refused call or the prompt set has no such task."""
    if not llm_tasks.has_prompt(ctx, "function"):
        return None
    call = llm_call_rewrite.refused_call(ctx, state)
    if call is None:
        return None
    allowance = _allowance(ctx, state, spent)
    outcome, spent = _llm(ctx, state, spent, lambda: llm_tasks.rewrite_call(
        ctx, state, call, allowance.tokens))
    if outcome.stopped_reason == llm_tasks.UNREACHABLE:
        return _unreachable(ctx, state, outcome), spent
    if not outcome.sql or outcome.sql in tried_sql or outcome.expression is None:
        return None, spent
    update = with_new_attempt(state, llm_call_rewrite.ORIGIN,
                              llm_call_rewrite.reason(call, outcome.expression), outcome.sql)
    ctx.tracer.event("sql_version", attempt=len(update["attempts"]),
                     origin=llm_call_rewrite.ORIGIN, sql=outcome.sql)
    return update, spent


def _reread_llm_candidate(ctx: Context, state: ObjectState, rules_tried: list[str],
                          tried_sql: set[str]) -> dict[str, Any] | None:
    """The model's last candidate, read as source-dialect SQL and translated, when the target
    refused it as written.

    Small models asked for target SQL often write the source's dialect
    (`DATE_ADD(d, INTERVAL n DAY)` for DuckDB): the idea is right, the spelling is not. The
    translator (sqlglot + the semantics library) respells it without another LLM call; the
    data still decides, like for any candidate. Tried once per model candidate."""
    last = state["attempts"][-1]
    mark = f"llm-reread:{last['number']}"
    if last["origin"] not in ("llm", "llm-translate") or mark in rules_tried \
            or last["compile"] is None or last["compile"]["ok"]:
        return None
    rules_tried.append(mark)
    try:
        sql = translate_sql(ctx, state, last["sql"], f"{state['spec']['name']} "
                                       f"(LLM candidate {last['number']})", [])
    except Exception:  # an unreadable candidate is the model's failure, already recorded
        return None
    if sql in tried_sql:
        return None
    update = with_new_attempt(state, "llm-reread", f"the model's candidate {last['number']} "
                              f"read as {ctx.source_dialect} SQL and translated", sql)
    ctx.tracer.event("sql_version", attempt=len(update["attempts"]), origin="llm-reread",
                     sql=sql)
    return update


ALWAYS_MARK = "llm:always-translate"
"""Kept in rules_tried once the always-mode LLM translation was asked for (asked once)."""


def _wants_llm_translation(ctx: Context, state: ObjectState, rules_tried: list[str]) -> bool:
    return (ctx.llm_mode == "always" and ctx.llm_enabled and ALWAYS_MARK not in rules_tried
            and _llm_held_back(ctx, state, {}) is None)


def _allowance(ctx: Context, state: ObjectState,
               spent: dict[str, Any]) -> llm_tasks.TokenAllowance:
    """Tokens the object may still spend: its own budget's rest or the run's, the smaller."""
    return llm_tasks.token_allowance(ctx, spent.get("tokens", state.get("tokens") or 0))


def _llm_held_back(ctx: Context, state: ObjectState, spent: dict[str, Any]) -> str | None:
    """Which budget stops the LLM from being asked again for this object, or None."""
    calls = spent.get("llm_calls", state.get("llm_calls") or 0)
    if calls >= ctx.max_llm_calls_per_object:
        return (f"LLM call budget per object spent: {calls} of {ctx.max_llm_calls_per_object} "
                f"calls ([llm] max_calls_per_object)")
    allowance = _allowance(ctx, state, spent)
    return allowance.exhausted() if allowance.tokens <= 0 else None


def _llm(ctx: Context, state: ObjectState, spent: dict[str, Any],
         call: Callable[[], llm_tasks.LLMOutcome]) -> tuple[llm_tasks.LLMOutcome, dict[str, Any]]:
    """Run an LLM task; count its calls, tokens and wall time on the object (and the run)."""
    start = time.perf_counter()
    outcome = call()
    ctx.llm_spend.add(outcome.tokens)
    seconds = spent.get("seconds", state.get("seconds") or 0.0)
    return outcome, {
        "llm_calls": spent.get("llm_calls", state.get("llm_calls") or 0) + outcome.calls,
        "tokens": spent.get("tokens", state.get("tokens") or 0) + outcome.tokens,
        "seconds": round(seconds + time.perf_counter() - start, 4)}


def _first_sentence(text: str) -> str:
    # split on a full stop followed by a space: "CAST(2.7 AS INTEGER)" must stay whole
    return re.split(r"(?<=[.!?])\s", text.strip(), maxsplit=1)[0]


def _problem(best: Attempt, state: ObjectState) -> str:
    if best["compile"] is not None and not best["compile"]["ok"]:
        return f"compile error: {(best['compile']['error'] or '')[:160]}"
    return f"data differs: {(best['diff_summary'] or state.get('error') or '')[:160]}"


def _rule_context(ctx: Context, state: ObjectState, best: Attempt) -> RuleContext:
    """The rules see the diagnosis of the attempt they will rewrite (the best one), not of
    whichever attempt ran last."""
    compile_error = None
    causes: frozenset[str] = frozenset()
    columns: tuple[str, ...] = ()
    if best["compile"] is not None and not best["compile"]["ok"]:
        compile_error = best["compile"]["error"]
    elif best["diff"] is not None:
        causes = frozenset(d.cause for d in best["diff"].diagnosis)
        columns = tuple(c.name for c in best["diff"].columns if c.mismatched)
    return RuleContext(
        source_dialect=ctx.source_dialect, target_dialect=ctx.target_dialect,
        schema=_schema(ctx, state), source_sql=state["spec"]["select_sql"], causes=causes,
        compile_error=compile_error, diff_columns=columns,
    )


def _schema(ctx: Context, state: ObjectState) -> dict[str, dict[str, str]]:
    """Column types of what the object reads: base tables from the source catalog, and the
    codebase objects it depends on as they now exist in the sandbox."""
    schema = {t["name"]: {c["name"]: c["canonical"] for c in t["columns"]}
              for t in state.get("tables") or []}
    target = ctx.target()
    for dep, verdict in (state.get("dep_verdicts") or {}).items():
        if Verdict(verdict).absent_on_target:
            continue
        try:
            empty = target.read_arrow(f"SELECT * FROM {target.qualified(dep)} LIMIT 0")
        except CutoverError:
            continue
        schema[dep] = {f.name: types.from_arrow(f.type) for f in empty.schema}
    return schema


def _finalise(ctx: Context, state: ObjectState, why: str) -> dict[str, Any]:
    """End the object with its best candidate; the verdict is the one that candidate earned."""
    attempts = state["attempts"]
    best = best_attempt(attempts)
    compiled = best["compile"] is not None and best["compile"]["ok"]
    verdict = Verdict.MISMATCH if compiled else Verdict.COMPILE_ERROR
    if best is not attempts[-1] and verdict == Verdict.MISMATCH:
        _restore(ctx, state["spec"]["kind"], state["spec"]["name"], best["sql"])
    if verdict == Verdict.COMPILE_ERROR:
        detail = best["compile"]["error"] if best["compile"] else None
    else:
        detail = best["diff_summary"]
    ctx.tracer.event("finalise", verdict=verdict.value, why=why, best_attempt=best["number"])
    return finished(state, verdict, f"{why}; best attempt #{best['number']}: {detail}",
                    candidate_sql=best["sql"])


def _unreachable(ctx: Context, state: ObjectState,
                 outcome: llm_tasks.LLMOutcome) -> dict[str, Any]:
    """The LLM endpoint failed (5xx, 429, timeout, refused): the best candidate so far stands,
    but the verdict is not final — `--resume` asks the LLM again once the endpoint is back."""
    why = f"the LLM could not be asked: {outcome.explanation}"
    return _finalise(ctx, state, why) | {"retry": "llm_unreachable"}


def _restore(ctx: Context, kind: str, name: str, sql: str) -> None:
    """Dependants build on the sandbox object: make it the best candidate, not the last."""
    target = ctx.target()
    statement = target.create_object_sql(kind, name, sql)
    if statement:
        try:
            target.execute(statement)
        except CutoverError as exc:
            ctx.tracer.event("error", error=f"could not restore best candidate: {exc}")
