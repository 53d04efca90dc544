"""Pure routers: state in, next node name (or the Sends of the next wave) out. No I/O, no
Context, no agents.

Outer graph: planner → loader → schedule ⇄ migrate (one Send per object ready to run) →
reporter. An object is ready when every object it depends on has an outcome, so a wave holds
the objects of one dependency level and they run in parallel (Context.workers bounds it).

Inner graph (one object): translator → compiler_checker → data_differ → fixer ↺ compiler_checker.
A verdict, set by any node, ends it. The fixer counts its runs in ObjectState.fix_rounds and
finalises at Context.max_attempts candidates; the routers only read the verdict and the phase.
"""

from __future__ import annotations

from typing import Literal

from langgraph.types import Send

from graph.state import MigrationState, ObjectState
from tools.records import ObjectSpec, Verdict

END: Literal["__end__"] = "__end__"
"""LangGraph's END, typed as the literal the routers return."""


# --- outer graph -------------------------------------------------------------------------

def ready_objects(state: MigrationState) -> list[str]:
    """Objects without an outcome whose dependencies all have one, in dependency order."""
    done = state.get("outcomes") or {}
    objects = state.get("objects") or {}
    return [name for name in state.get("order") or [] if name not in done
            and all(dep in done for dep in objects[name]["depends_on"])]


def blocked_reason(state: MigrationState, spec: ObjectSpec) -> str | None:
    """Why an object cannot run at all, from the plan, the load and its dependencies' verdicts."""
    if spec["problem"]:
        return spec["problem"]
    if state.get("load_error"):
        failed = {r["table"].lower() for r in state.get("loaded") or [] if not r["ok"]}
        hit = [t for t in spec["reads_tables"] if t in failed]
        if hit:
            return f"base table(s) {', '.join(hit)} could not be loaded: {state['load_error']}"
    outcomes = state.get("outcomes") or {}
    for dep in spec["depends_on"]:
        verdict = Verdict(outcomes[dep]["verdict"])
        # 'skipped' happens only on a translate-only target, where every object is skipped: a
        # dependant is still translated (its translation is the deliverable), not blocked.
        if verdict.absent_on_target and verdict != Verdict.SKIPPED:
            return f"depends on {dep}, which ended as {verdict.value}"
    return None


def object_input(state: MigrationState, name: str) -> ObjectState:
    """The subgraph's input for one object: its spec and what it needs of the run so far."""
    spec = state["objects"][name]
    outcomes = state.get("outcomes") or {}
    involved = _codebase_reads(state["objects"], name)
    reads = {t.lower() for n in [name, *involved] for t in state["objects"][n]["reads_tables"]}
    return ObjectState(
        spec=spec, blocked=blocked_reason(state, spec),
        tables=[t for t in state.get("base_tables") or [] if t["name"].lower() in reads],
        objects={n: state["objects"][n] for n in involved},
        dep_verdicts={dep: outcomes[dep]["verdict"] for dep in spec["depends_on"]},
        llm_tokens_before=state.get("llm_tokens") or 0,
    )


def _codebase_reads(objects: dict[str, ObjectSpec], name: str) -> list[str]:
    """The codebase objects `name` reads, directly or through others (the LLM's context)."""
    seen: list[str] = []
    stack = list(objects[name]["depends_on"])
    while stack:
        dep = stack.pop()
        if dep in seen or dep not in objects:
            continue
        seen.append(dep)
        stack.extend(objects[dep]["depends_on"])
    return seen


def route_after_schedule(state: MigrationState) -> list[Send] | Literal["reporter"]:
    ready = ready_objects(state)
    if not ready:
        return "reporter"
    return [Send("migrate", object_input(state, name)) for name in ready]


# --- inner graph (one object) ------------------------------------------------------------

def _done(state: ObjectState) -> bool:
    return state.get("verdict") is not None


def route_after_translator(state: ObjectState) -> Literal["compiler_checker", "__end__"]:
    return END if _done(state) else "compiler_checker"


def route_after_compiler_checker(state: ObjectState) -> Literal["data_differ", "fixer",
                                                               "__end__"]:
    if _done(state):
        return END
    return "data_differ" if state.get("phase") == "compiled" else "fixer"


def route_after_data_differ(state: ObjectState) -> Literal["fixer", "__end__"]:
    return END if _done(state) else "fixer"


def route_after_fixer(state: ObjectState) -> Literal["compiler_checker", "__end__"]:
    return END if _done(state) else "compiler_checker"
