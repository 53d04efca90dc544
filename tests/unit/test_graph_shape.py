"""Pin the graphs' shapes: a change to nodes or edges must be deliberate."""

from __future__ import annotations

from pathlib import Path

import pytest

from graph.builder import build_graph
from graph.object_graph import build_object_graph

SNAPSHOTS = Path(__file__).parent / "snapshots"


@pytest.mark.parametrize(("snapshot", "build", "nodes"), [
    ("graph.mmd", build_graph, ("planner", "loader", "schedule", "migrate", "reporter")),
    ("object_graph.mmd", build_object_graph,
     ("translator", "compiler_checker", "data_differ", "fixer")),
])
def test_graph_shape_matches_snapshot(snapshot, build, nodes):
    drawing = build().get_graph().draw_mermaid()
    path = SNAPSHOTS / snapshot
    if not path.exists():  # first run writes it; review and commit the file
        path.parent.mkdir(exist_ok=True)
        path.write_text(drawing)
    assert drawing == path.read_text()
    for node in nodes:
        assert node in drawing
