"""Pure routers: state in, next node name out. No I/O, no Context.

The per-object loop is translator → compiler_checker → data_differ → (fixer → compiler_checker
…); a final verdict sends the run to the next object (translator) or, when none is left, to the
reporter. The fixer loop is bounded by ObjectResult.attempts against state['max_attempts'].
"""

from __future__ import annotations

from typing import Literal

from agents.object_progress import is_final, next_pending
from graph.state import MigrationState

Next = Literal["translator", "reporter"]


def _next_object(state: MigrationState) -> Next:
    return "translator" if next_pending(state) is not None else "reporter"


def _current_final(state: MigrationState) -> bool:
    name = state.get("current")
    return name is None or is_final(state["results"][name])


def route_after_loader(state: MigrationState) -> Next:
    return _next_object(state)


def route_after_translator(state: MigrationState) -> Literal["compiler_checker", "translator",
                                                            "reporter"]:
    if _current_final(state):
        return _next_object(state)
    return "compiler_checker"


def route_after_compiler_checker(state: MigrationState) -> Literal["data_differ", "fixer",
                                                                  "translator", "reporter"]:
    if _current_final(state):
        return _next_object(state)
    status = state["results"][state["current"]]["status"]  # type: ignore[index]
    return "data_differ" if status == "compiled" else "fixer"


def route_after_data_differ(state: MigrationState) -> Literal["fixer", "translator", "reporter"]:
    if _current_final(state):
        return _next_object(state)
    return "fixer"


def route_after_fixer(state: MigrationState) -> Literal["compiler_checker", "translator",
                                                       "reporter"]:
    if _current_final(state):
        return _next_object(state)
    result = state["results"][state["current"]]  # type: ignore[index]
    if len(result["attempts"]) > state.get("max_attempts", 5):
        # The fixer must finalise at the limit; never loop past it even if it did not.
        return _next_object(state)
    return "compiler_checker"
