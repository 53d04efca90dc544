"""translator: pick the next object and translate it — sqlglot first, failing loudly on
constructs it cannot carry; the LLM only where that path cannot finish (or when asked)."""

from __future__ import annotations

import copy
import time
from typing import Any

from langgraph.runtime import Runtime

from agents import llm_tasks
from agents.object_progress import ABSENT_ON_TARGET, finish, new_attempt, next_pending
from graph.context import Context
from graph.state import MigrationState, ObjectResult, ObjectSpec
from tools import sql as sqltools
from tools.errors import CutoverError, Unsupported


def translator(state: MigrationState, runtime: Runtime[Context]) -> dict[str, Any]:
    ctx = runtime.context
    name = next_pending(state)
    if name is None:
        return {"current": None}
    ctx.tracer.object = name
    spec = state["objects"][name]
    result: ObjectResult = copy.deepcopy(state["results"][name])
    result["status"] = "translating"
    blocked = _blocked_reason(state, spec, ctx.target().RUNS_HERE)
    if blocked:
        return _done(name, finish(result, spec["problem_verdict"] or "blocked", blocked), 0, 0)

    start = time.perf_counter()
    calls = tokens = 0
    try:
        sql = sqltools.transpile(spec["select_sql"], ctx.source_dialect, ctx.target_dialect,
                                 f"{spec['file']}:{spec['line']} ({name})")
        origin, reason = "translate", "sqlglot transpile"
    except Unsupported as exc:
        if not ctx.llm_enabled:
            return _done(name, finish(result, "unsupported", f"{exc} (no LLM configured to "
                                      f"translate it; see [llm] in cutover.toml)"), 0, 0)
        llm_sql, calls, tokens = _llm_translate(ctx, state, spec, str(exc), None)
        if llm_sql is None:
            return _done(name, finish(result, "unsupported", str(exc)), calls, tokens)
        sql, origin, reason = llm_sql, "llm-translate", f"sqlglot could not translate: {exc}"
    except CutoverError as exc:
        return _done(name, finish(result, "unsupported", str(exc)), 0, 0)

    # llm mode "always" keeps sqlglot's translation as candidate 1: the fixer asks the LLM for
    # its own translation only if this one fails verification, so the LLM cannot make it worse.
    new_attempt(result, origin, reason, sql)
    ctx.tracer.event("sql_version", attempt=len(result["attempts"]), origin=origin, sql=sql)
    result["seconds"] = round(result["seconds"] + time.perf_counter() - start, 4)
    if not ctx.target().RUNS_HERE:
        return _done(name, finish(result, "skipped", f"{ctx.target_dialect} has no engine on "
                                  f"this machine: translated only, not compiled or diffed"),
                     calls, tokens)
    return _done(name, result, calls, tokens)


def _done(name: str, result: ObjectResult, calls: int, tokens: int) -> dict[str, Any]:
    result["llm_calls"] += calls
    result["tokens"] += tokens
    return {"current": name, "results": {name: result}, "llm_calls": calls, "llm_tokens": tokens}


def _blocked_reason(state: MigrationState, spec: ObjectSpec, runs_here: bool) -> str | None:
    if spec["problem"]:
        return spec["problem"]
    if state.get("load_error"):
        failed = {r["table"].lower() for r in state.get("loaded") or [] if not r["ok"]}
        hit = [t for t in spec["reads_tables"] if t in failed]
        if hit:
            return f"base table(s) {', '.join(hit)} could not be loaded: {state['load_error']}"
    for dep in spec["depends_on"]:
        verdict = state["results"][dep]["status"]
        # On a translate-only target every object is 'skipped': a dependant is still
        # translated (its translation is the deliverable), not blocked by its dependency.
        if verdict in ABSENT_ON_TARGET and (runs_here or verdict != "skipped"):
            return f"depends on {dep}, which ended as {verdict}"
    return None


def _llm_translate(ctx: Context, state: MigrationState, spec: ObjectSpec, problem: str,
                   deterministic_sql: str | None) -> tuple[str | None, int, int]:
    tokens_left = ctx.max_tokens_per_run - (state.get("llm_tokens") or 0)
    if tokens_left <= 0:
        return None, 0, 0
    outcome = llm_tasks.translate_with_llm(ctx, state, spec, problem, deterministic_sql,
                                           tokens_left)
    return outcome.sql, outcome.calls, outcome.tokens
