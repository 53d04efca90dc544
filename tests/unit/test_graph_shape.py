"""Pin the graph's shape: a change to nodes or edges must be deliberate."""

from __future__ import annotations

from pathlib import Path

from graph.builder import build_graph

SNAPSHOT = Path(__file__).parent / "snapshots" / "graph.mmd"


def test_graph_shape_matches_snapshot():
    drawing = build_graph().get_graph().draw_mermaid()
    if not SNAPSHOT.exists():  # first run writes it; review and commit the file
        SNAPSHOT.parent.mkdir(exist_ok=True)
        SNAPSHOT.write_text(drawing)
    assert drawing == SNAPSHOT.read_text()
    for node in ("planner", "loader", "translator", "compiler_checker", "data_differ", "fixer",
                 "reporter"):
        assert node in drawing
