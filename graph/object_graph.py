"""The per-object subgraph, compiled once, and `migrate`: the outer node that runs it.

translator → compiler_checker → data_differ → fixer ↺ runs on its own ObjectState and is never
checkpointed; the outer graph sees only the ObjectOutcome it hands back, so the run's state
and checkpoints change once per object, not once per step. A run killed mid-object redoes
that object: each outcome is also written to the run folder the moment it is made
(tools/outcomes.py), and `migrate` hands back a kept outcome instead of redoing the object.
"""

from __future__ import annotations

import time
import warnings
from typing import Any

from langgraph.graph import START, StateGraph
from langgraph.runtime import Runtime

from agents.compiler_checker import compiler_checker
from agents.data_differ import data_differ
from agents.fixer import fixer
from agents.translator import translator
from graph import routing
from graph.context import Context
from graph.state import ObjectState
from graph.tracing import NO_RETRY, traced
from tools import stop
from tools.outcomes import read_outcome, write_outcome
from tools.records import ObjectOutcome, Verdict, as_json, fixed_by, plain_attempt


def build_object_graph() -> Any:
    g = StateGraph(ObjectState, context_schema=Context)
    for node in (translator, compiler_checker, data_differ, fixer):
        g.add_node(node.__name__, traced(node), retry_policy=NO_RETRY)  # type: ignore[call-overload]
    g.add_edge(START, "translator")
    g.add_conditional_edges("translator", routing.route_after_translator)
    g.add_conditional_edges("compiler_checker", routing.route_after_compiler_checker)
    g.add_conditional_edges("data_differ", routing.route_after_data_differ)
    g.add_conditional_edges("fixer", routing.route_after_fixer)
    # No checkpointer of its own: one object's steps are redone, not resumed.
    return g.compile(checkpointer=False)


OBJECT_GRAPH = build_object_graph()

TRANSIENT_TRIES = 3
"""Runs of one object within a run when a transient database failure ended it (a reconnect
between them); past that, its verdict stays resumable for `--resume`."""
RETRY_PAUSE_S = 1.0

# The durability="async" passed to the subgraph below is on purpose (see migrate).
warnings.filterwarnings("ignore", message="`durability` has no effect", category=UserWarning)


def outcome_of(state: ObjectState) -> ObjectOutcome:
    """The subgraph's final state as the one record the run keeps (no in-memory diffs)."""
    attempts = [plain_attempt(a) for a in state.get("attempts") or []]
    verdict = state.get("verdict") or Verdict.BLOCKED
    chosen = next((a for a in reversed(attempts) if a["sql"] == state.get("candidate_sql")),
                  None)
    error = state.get("error")
    if state.get("verdict") is None:
        error = "internal error: the object's loop ended without a verdict (a Cutover bug)"
    elif state.get("retry"):
        error = f"{error} (not final: `cutover run --resume` runs this object again)"
    return as_json(ObjectOutcome(
        name=state["spec"]["name"], verdict=verdict, candidate_sql=state.get("candidate_sql"),
        attempts=attempts, rules_tried=state.get("rules_tried") or [],
        diff_artifact=chosen["diff_artifact"] if chosen else None, error=error,
        llm_calls=state.get("llm_calls") or 0, tokens=state.get("tokens") or 0,
        seconds=state.get("seconds") or 0.0,
        fixed_by=fixed_by(attempts) if Verdict(verdict).is_parity else [],
        retry=state.get("retry"),
    ))


def migrate(state: ObjectState, runtime: Runtime[Context]) -> dict[str, Any]:
    """Run one object through its subgraph; return only its outcome and LLM spend."""
    ctx = runtime.context
    name = state["spec"]["name"]
    # An object never starts after a stop (graph/wave_pool.py drops the queued ones).
    stop.raise_if_requested(f"migrate {name}")
    kept = read_outcome(ctx.run_dir, name)
    # Finished before a kill: a resumed run does not redo it, unless its verdict was not final.
    if kept is not None and not kept.get("retry"):
        ctx.tracer.event("outcome_kept", object=name, verdict=kept["verdict"])
        ctx.tracer.event("object_end", object=name, verdict=str(kept["verdict"]),
                         attempts=len(kept["attempts"]), kept=True)
        return _update(kept)
    ctx.llm_spend.at_least(state.get("llm_tokens_before") or 0)
    # Each step is one super-step of the subgraph; the fixer finalises at max_attempts, and
    # this limit only stops a bug from looping for ever.
    limit = 4 * (ctx.max_attempts + 2)
    assert ctx.connections is not None, "graph.run opens the connections before any node runs"
    with ctx.connections.lease():  # this worker's own source and target sessions
        for tries in range(1, TRANSIENT_TRIES + 1):
            # durability is passed because the parent's "sync" would be inherited, and
            # LangGraph then waits on a checkpoint write this checkpointer-less subgraph
            # never makes.
            final = OBJECT_GRAPH.invoke(state, {"recursion_limit": limit}, context=ctx,
                                        durability="async")
            if final.get("retry") != "transient" or tries == TRANSIENT_TRIES:
                break
            # A dropped connection or a restarting server: the next ctx.source()/target()
            # reconnects, and the object starts again from its translation.
            ctx.tracer.event("object_retry", object=name, error=final.get("error"),
                             tries=tries)
            time.sleep(RETRY_PAUSE_S * tries)  # a restarting server needs a moment
    outcome = outcome_of(final)
    write_outcome(ctx.run_dir, outcome)
    # The live progress display counts these (cutover/progress.py).
    ctx.tracer.event("object_end", object=name, verdict=str(outcome["verdict"]),
                     attempts=len(outcome["attempts"]))
    return _update(outcome)


def _update(outcome: ObjectOutcome) -> dict[str, Any]:
    return {"outcomes": {outcome["name"]: outcome}, "llm_calls": outcome["llm_calls"],
            "llm_tokens": outcome["tokens"]}


def schedule(state: Any) -> dict[str, Any]:
    """Join point between waves: `route_after_schedule` sends the next wave (or reports)."""
    return {}
