"""`[trace] otlp_endpoint`: a run's spans reach an OTLP/HTTP collector (a loopback receiver),
one per node and object, with verdict and attempts; a dead collector is a warning only."""

from __future__ import annotations

from pathlib import Path

from typer.testing import CliRunner

from cutover.cli import app
from cutover.otlp import OtlpExporter
from tests.support.otlp_receiver import otlp_receiver
from tests.support.projects import make_project

runner = CliRunner()
FILES = {"sql/a.sql": """
    CREATE VIEW paris AS SELECT id FROM customers WHERE city = 'Paris';
    CREATE VIEW hx AS SELECT typeof(qty) AS t FROM orders;
"""}


def _attr(span: dict, key: str) -> str | None:
    for item in span["attributes"]:
        if item["key"] == key:
            return next(iter(item["value"].values()))
    return None


def test_run_exports_spans_per_object_and_node(tmp_path: Path) -> None:
    with otlp_receiver() as collector:
        project = make_project(tmp_path / "p", FILES,
                               config_extra=f'\n[trace]\notlp_endpoint = "{collector.url}"\n')
        done = runner.invoke(app, ["run", str(project), "--runs-dir", str(tmp_path / "runs"),
                                   "--run-id", "o1"])
    assert done.exit_code == 1, done.output  # hx is a mismatch
    spans = collector.spans()
    (root,) = [s for s in spans if not s["parentSpanId"]]
    assert root["name"] == "cutover run o1"
    objects = {_attr(s, "cutover.object"): s for s in spans if s["name"].startswith("object ")}
    assert _attr(objects["paris"], "cutover.verdict") == "parity"
    assert _attr(objects["hx"], "cutover.verdict") == "mismatch"
    assert _attr(objects["hx"], "cutover.attempts") == "1"
    assert all(s["parentSpanId"] == root["spanId"] for s in objects.values())
    differ = [s for s in spans if s["name"] == "data_differ"]
    assert {s["parentSpanId"] for s in differ} == {objects["paris"]["spanId"],
                                                   objects["hx"]["spanId"]}
    assert {s["traceId"] for s in spans} == {root["traceId"]}
    assert any(s["name"] == "planner" and s["parentSpanId"] == root["spanId"] for s in spans)


def test_dead_collector_is_a_warning_not_a_failure(tmp_path: Path) -> None:
    project = make_project(tmp_path / "p", {"sql/a.sql": "CREATE VIEW v AS SELECT 1 AS x;"},
                           config_extra='\n[trace]\notlp_endpoint = "http://127.0.0.1:9"\n')
    done = runner.invoke(app, ["run", str(project), "--runs-dir", str(tmp_path / "runs")])
    assert done.exit_code == 0, done.output
    assert "warning: could not export the trace to http://127.0.0.1:9/v1/traces" in done.stderr


def test_interleaved_objects_keep_their_own_node_spans() -> None:
    """Two workers' events interleave: each node span belongs to its own object."""
    exporter = OtlpExporter("http://127.0.0.1:9", "o2")
    for kind, obj, ts in [("node_start", "a", 1), ("node_start", "b", 2), ("node_end", "a", 3),
                          ("node_end", "b", 4), ("object_end", "a", 5), ("object_end", "b", 6)]:
        exporter({"kind": kind, "object": obj, "node": "data_differ", "ts": ts,
                  "verdict": "parity", "attempts": 1})
    objects = {_attr(s, "cutover.object"): s for s in exporter.spans
               if s["name"].startswith("object ")}
    differ = {_attr(s, "cutover.object"): s for s in exporter.spans if s["name"] == "data_differ"}
    assert set(differ) == {"a", "b"}
    assert all(differ[o]["parentSpanId"] == objects[o]["spanId"] for o in ("a", "b"))
    assert differ["a"]["endTimeUnixNano"] == str(3 * 10**9)
