"""fixer: turn a compile error or a DiffReport into the next candidate.

First the rule catalog (known semantic traps of the dialect pair, chosen from the diagnosis),
then — if configured — the LLM with tools. Each candidate goes back through compiler_checker
and data_differ, so the data decides whether a fix worked. Out of attempts or ideas, the
object is finalised with its best candidate and the verdict that candidate earned.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable
from typing import Any

from langgraph.runtime import Runtime

from agents import llm_tasks
from agents.object_progress import (
    ABSENT_ON_TARGET,
    attempt_score,
    best_attempt,
    current,
    finish,
    new_attempt,
)
from graph.context import Context
from graph.state import Attempt, MigrationState, ObjectResult
from tools.db import types
from tools.errors import CutoverError
from tools.rules.base import RuleContext
from tools.rules.catalog import apply_rule, candidates


def fixer(state: MigrationState, runtime: Runtime[Context]) -> dict[str, Any]:
    ctx = runtime.context
    name, result = current(state)
    spec = state["objects"][name]
    if len(result["attempts"]) >= ctx.max_attempts:
        return {"results": {name: _finalise(ctx, name, spec["kind"], result,
                                            f"attempt limit ({ctx.max_attempts}) reached")}}
    best = best_attempt(result["attempts"])
    tried_sql = {a["sql"] for a in result["attempts"]}
    if _wants_llm_translation(ctx, state, result):
        # llm mode "always": candidate 1 stayed sqlglot's; the LLM's own translation is the
        # next candidate, verified like any other, and the best verified candidate wins.
        result["rules_tried"].append(ALWAYS_MARK)
        outcome = _timed(result, lambda: llm_tasks.translate_with_llm(
            ctx, state, spec, _problem(best, result), best["sql"], _tokens_left(ctx, state),
            ctx.max_llm_calls_per_object - result["llm_calls"]))
        update = _account(result, outcome)
        if outcome.sql and outcome.sql not in tried_sql:
            new_attempt(result, "llm-translate", "llm mode 'always'", outcome.sql)
            ctx.tracer.event("sql_version", attempt=len(result["attempts"]),
                             origin="llm-translate", sql=outcome.sql)
            return {"results": {name: result}, **update}
    rule_ctx = _rule_context(ctx, state, spec["select_sql"], result, best)
    for rule in candidates(rule_ctx, set(result["rules_tried"])):
        result["rules_tried"].append(rule.id)
        try:
            sql = apply_rule(rule, best["sql"], rule_ctx)
        except Exception as exc:  # a broken rule must cost one candidate, not the whole run
            ctx.tracer.event("error", error=f"rule {rule.id} failed: {type(exc).__name__}: {exc}")
            sql = None
        if sql and sql not in tried_sql:
            reason = f"{_problem(best, result)} -> rule {rule.id}: {_first_sentence(rule.why)}"
            new_attempt(result, f"rule:{rule.id}", reason, sql)
            ctx.tracer.event("sql_version", attempt=len(result["attempts"]),
                             origin=f"rule:{rule.id}", sql=sql)
            return {"results": {name: result}}

    if ctx.llm_enabled and result["llm_calls"] < ctx.max_llm_calls_per_object \
            and (state.get("llm_tokens") or 0) < ctx.max_tokens_per_run:
        outcome = _timed(result, lambda: llm_tasks.fix_with_llm(
            ctx, state, spec, result, best, _tokens_left(ctx, state)))
        update = _account(result, outcome)
        if outcome.sql and outcome.sql not in tried_sql:
            new_attempt(result, "llm", outcome.explanation or "LLM fix", outcome.sql)
            ctx.tracer.event("sql_version", attempt=len(result["attempts"]), origin="llm",
                             sql=outcome.sql)
            return {"results": {name: result}, **update}
        why = f"LLM gave no new candidate ({outcome.stopped_reason})"
        return {"results": {name: _finalise(ctx, name, spec["kind"], result, why)}, **update}
    why = "no rule in the catalog applies" + ("" if ctx.llm_enabled else
                                              " and no LLM is configured")
    return {"results": {name: _finalise(ctx, name, spec["kind"], result, why)}}


ALWAYS_MARK = "llm:always-translate"
"""Kept in rules_tried once the always-mode LLM translation was asked for (asked once)."""


def _wants_llm_translation(ctx: Context, state: MigrationState, result: ObjectResult) -> bool:
    return (ctx.llm_mode == "always" and ctx.llm_enabled
            and ALWAYS_MARK not in result["rules_tried"]
            and result["llm_calls"] < ctx.max_llm_calls_per_object
            and _tokens_left(ctx, state) > 0)


def _tokens_left(ctx: Context, state: MigrationState) -> int:
    return ctx.max_tokens_per_run - (state.get("llm_tokens") or 0)


def _timed(result: ObjectResult, call: Callable[[], llm_tasks.LLMOutcome]) -> llm_tasks.LLMOutcome:
    """Run an LLM task and add its wall time to the object's seconds."""
    start = time.perf_counter()
    outcome = call()
    result["seconds"] = round(result["seconds"] + time.perf_counter() - start, 4)
    return outcome


def _account(result: ObjectResult, outcome: llm_tasks.LLMOutcome) -> dict[str, Any]:
    result["llm_calls"] += outcome.calls
    result["tokens"] += outcome.tokens
    return {"llm_calls": outcome.calls, "llm_tokens": outcome.tokens}


def _first_sentence(text: str) -> str:
    # split on a full stop followed by a space: "CAST(2.7 AS INTEGER)" must stay whole
    return re.split(r"(?<=[.!?])\s", text.strip(), maxsplit=1)[0]


def _problem(best: Attempt, result: ObjectResult) -> str:
    if best["compile"] is not None and not best["compile"]["ok"]:
        return f"compile error: {(best['compile']['error'] or '')[:160]}"
    return f"data differs: {(best['diff_summary'] or result['error'] or '')[:160]}"


def _rule_context(ctx: Context, state: MigrationState, select_sql: str, result: ObjectResult,
                  best: Attempt) -> RuleContext:
    compile_error = None
    causes: frozenset[str] = frozenset()
    columns: tuple[str, ...] = ()
    if best["compile"] is not None and not best["compile"]["ok"]:
        compile_error = best["compile"]["error"]
    elif result["diff"]:
        causes = frozenset(d["cause"] for d in result["diff"].get("diagnosis", []))
        columns = tuple(c["name"] for c in result["diff"].get("columns", []) if c["mismatched"])
    return RuleContext(
        source_dialect=ctx.source_dialect, target_dialect=ctx.target_dialect,
        schema=_schema(ctx, state, result["name"]), source_sql=select_sql, causes=causes,
        compile_error=compile_error, diff_columns=columns,
    )


def _schema(ctx: Context, state: MigrationState, name: str) -> dict[str, dict[str, str]]:
    """Column types of what the object reads: base tables from the source catalog, and the
    codebase objects it depends on as they now exist in the sandbox."""
    schema = {t["name"]: {c["name"]: c["canonical"] for c in t["columns"]}
              for t in state.get("base_tables") or []}
    target = ctx.target()
    for dep in state["objects"][name]["depends_on"]:
        if state["results"][dep]["status"] in ABSENT_ON_TARGET:
            continue
        try:
            empty = target.read_arrow(f"SELECT * FROM {target.qualified(dep)} LIMIT 0")
        except CutoverError:
            continue
        schema[dep] = {f.name: types.from_arrow(f.type) for f in empty.schema}
    return schema


def _finalise(ctx: Context, name: str, kind: str, result: ObjectResult, why: str) -> ObjectResult:
    """End the object with its best candidate; the verdict is the one that candidate earned."""
    best = best_attempt(result["attempts"])
    verdict = "compile_error" if attempt_score(best) < 0 else "mismatch"
    if best is not result["attempts"][-1] and verdict == "mismatch":
        _restore(ctx, kind, name, best["sql"])
    result["candidate_sql"] = best["sql"]
    if verdict == "compile_error":
        detail = best["compile"]["error"] if best["compile"] else None
    else:
        detail = best["diff_summary"]
    ctx.tracer.event("finalise", verdict=verdict, why=why, best_attempt=best["number"])
    return finish(result, verdict, f"{why}; best attempt #{best['number']}: {detail}")


def _restore(ctx: Context, kind: str, name: str, sql: str) -> None:
    """Dependants build on the sandbox object: make it the best candidate, not the last."""
    target = ctx.target()
    statement = target.create_object_sql(kind, name, sql)
    if statement:
        try:
            target.execute(statement)
        except CutoverError as exc:
            ctx.tracer.event("error", error=f"could not restore best candidate: {exc}")
