"""build_graph: the migration StateGraph, its nodes wrapped with tracing."""

from __future__ import annotations

import copy
import functools
import traceback
from collections.abc import Callable
from typing import Any

from langgraph.graph import END, START, StateGraph
from langgraph.runtime import Runtime
from langgraph.types import RetryPolicy

from agents.compiler_checker import compiler_checker
from agents.data_differ import data_differ
from agents.fixer import fixer
from agents.loader import loader
from agents.object_progress import finish, next_pending
from agents.planner import planner
from agents.reporter import reporter
from agents.translator import translator
from graph import routing
from graph.context import Context
from graph.state import FINAL_VERDICTS, MigrationState
from tools import stop  # interrupt (issue 14)
from tools.errors import CutoverError, Interrupted

Node = Callable[[MigrationState, Runtime[Context]], dict[str, Any]]


def traced(node: Node) -> Node:
    """node_start/node_end events around a node, tagged with the object it works on."""

    @functools.wraps(node)
    def wrapper(state: MigrationState, runtime: Runtime[Context]) -> dict[str, Any]:
        tracer = runtime.context.tracer
        name = node.__name__
        obj = (None if name in ("planner", "loader", "reporter")
               else next_pending(state) if name == "translator" else state.get("current"))
        try:
            with tracer.node_span(node.__name__, obj):
                stop.raise_if_requested(f"{name} {obj or ''}".strip())  # interrupt (issue 14)
                update = node(state, runtime)
            # interrupt (issue 14): a node that ran while a stop was asked may hold an
            # interrupted query's error as a verdict; discard it so --resume redoes the node.
            stop.raise_if_requested(f"{name} {obj or ''}".strip())
            for done, result in (update.get("results") or {}).items():  # progress (issue 14)
                if result["status"] in FINAL_VERDICTS:
                    tracer.event("object_end", object=done, verdict=result["status"],
                                 attempts=len(result["attempts"]))
            return update
        except CutoverError:
            raise  # planner/loader problems the user must fix: the CLI explains them
        except Exception as exc:
            if stop.requested() or stop.is_interrupt(exc):  # interrupt (issue 14): not a bug
                raise Interrupted(f"{stop.reason()} during {name} {obj or ''}".strip()) from exc
            if obj is None or name not in PER_OBJECT:
                raise
            # A bug met on one object must not stop a run of hundreds: that object is
            # blocked with the error, the others go on.
            tracer.event("error", node=name, object=obj,
                         error=f"internal error: {type(exc).__name__}: {exc}",
                         traceback=traceback.format_exc(limit=8))
            result = copy.deepcopy(state["results"][obj])
            finish(result, "blocked", f"internal error in {name}: {type(exc).__name__}: {exc} "
                                      f"(a Cutover bug; details in the trace)")
            return {"current": obj, "results": {obj: result}}

    return wrapper


PER_OBJECT = frozenset({"translator", "compiler_checker", "data_differ", "fixer"})

# Retry only infrastructure hiccups: the default policy would also retry SQL syntax errors.
_NO_RETRY = RetryPolicy(max_attempts=1)


def build_graph(checkpointer: Any = None) -> Any:
    g = StateGraph(MigrationState, context_schema=Context)
    for node in (planner, loader, translator, compiler_checker, data_differ, fixer, reporter):
        # LangGraph's overloads cannot see that the traced wrapper keeps the node's signature.
        g.add_node(node.__name__, traced(node), retry_policy=_NO_RETRY)  # type: ignore[call-overload]
    g.add_edge(START, "planner")
    g.add_edge("planner", "loader")
    g.add_conditional_edges("loader", routing.route_after_loader)
    g.add_conditional_edges("translator", routing.route_after_translator)
    g.add_conditional_edges("compiler_checker", routing.route_after_compiler_checker)
    g.add_conditional_edges("data_differ", routing.route_after_data_differ)
    g.add_conditional_edges("fixer", routing.route_after_fixer)
    g.add_edge("reporter", END)
    return g.compile(checkpointer=checkpointer)
