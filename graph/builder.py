"""build_graph: the outer migration graph — planner → loader → migrate (one per object, in
parallel waves) → reporter. The per-object steps live in graph/object_graph.py."""

from __future__ import annotations

from typing import Any

from langgraph.graph import END, START, StateGraph

from agents.loader import loader
from agents.planner import planner
from agents.reporter import reporter
from graph import routing
from graph.context import Context
from graph.object_graph import migrate, schedule
from graph.state import MigrationState, ObjectState
from graph.tracing import NO_RETRY, traced


def build_graph(checkpointer: Any = None) -> Any:
    g = StateGraph(MigrationState, context_schema=Context)
    for node in (planner, loader, reporter):
        g.add_node(node.__name__, traced(node), retry_policy=NO_RETRY)  # type: ignore[call-overload]
    g.add_node("schedule", schedule)
    g.add_node("migrate", migrate, input_schema=ObjectState, retry_policy=NO_RETRY)
    g.add_edge(START, "planner")
    g.add_edge("planner", "loader")
    g.add_edge("loader", "schedule")
    g.add_conditional_edges("schedule", routing.route_after_schedule, ["migrate", "reporter"])
    g.add_edge("migrate", "schedule")
    g.add_edge("reporter", END)
    return g.compile(checkpointer=checkpointer)
