"""The wrapper every node runs in: node_start/node_end events tagged with the object, and a
per-object bug turned into that object's `blocked` verdict instead of a crashed run."""

from __future__ import annotations

import functools
import traceback
from collections.abc import Callable
from typing import Any

from langgraph.runtime import Runtime
from langgraph.types import RetryPolicy

from agents.object_progress import finished
from graph.context import Context
from tools import stop
from tools.errors import CutoverError, Interrupted
from tools.records import Verdict

Node = Callable[[Any, Runtime[Context]], dict[str, Any]]

PER_OBJECT = frozenset({"translator", "compiler_checker", "data_differ", "fixer"})

# Retry only infrastructure hiccups: the default policy would also retry SQL syntax errors.
NO_RETRY = RetryPolicy(max_attempts=1)


def traced(node: Node) -> Node:
    """node_start/node_end events around a node, tagged with the object it works on."""
    name = node.__name__

    @functools.wraps(node)
    def wrapper(state: Any, runtime: Runtime[Context]) -> dict[str, Any]:
        tracer = runtime.context.tracer
        obj = state["spec"]["name"] if name in PER_OBJECT else None
        where = f"{name} {obj or ''}".strip()
        try:
            with tracer.node_span(name, obj):
                stop.raise_if_requested(where)
                update = node(state, runtime)
            # A node that ran while a stop was asked for may hold an interrupted query's error
            # as a verdict: discard its work, so --resume redoes it (never `blocked`).
            stop.raise_if_requested(where)
            return update
        except CutoverError:
            raise  # planner/loader problems the user must fix: the CLI explains them
        except Exception as exc:
            if stop.requested() or stop.is_interrupt(exc):  # Ctrl-C is not a Cutover bug
                raise Interrupted(f"{stop.reason()} during {where}") from exc
            if name not in PER_OBJECT:
                raise
            # A bug met on one object must not stop a run of hundreds: that object is
            # blocked with the error, the others go on.
            tracer.event("error", node=name, object=obj,
                         error=f"internal error: {type(exc).__name__}: {exc}",
                         traceback=traceback.format_exc(limit=8))
            return finished(state, Verdict.BLOCKED, f"internal error in {name}: "
                            f"{type(exc).__name__}: {exc} (a Cutover bug; details in the trace)")

    return wrapper
