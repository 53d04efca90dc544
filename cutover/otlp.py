"""Optional OpenTelemetry export of a run's trace (`[trace] otlp_endpoint`), so runs show up
in Jaeger, Phoenix or Langfuse. events.jsonl stays the record: this only watches the events
(a tools.trace listener) and posts OTLP/HTTP JSON to ENDPOINT/v1/traces when the run ends.

Spans: one for the run, one per object (attributes cutover.verdict, cutover.attempts,
cutover.llm_tokens) and one per node execution under its object (or under the run for
planner / loader / reporter). A failed export is one warning, never a failed run.
"""

from __future__ import annotations

import json
import secrets
import time
import urllib.error
import urllib.request
from types import TracebackType
from typing import Any

from tools import trace


def _ns(ts: float) -> str:
    return str(int(ts * 1e9))


def _attrs(values: dict[str, Any]) -> list[dict[str, Any]]:
    out = []
    for key, value in values.items():
        if value is None:
            continue
        if isinstance(value, bool):
            out.append({"key": key, "value": {"boolValue": value}})
        elif isinstance(value, int):
            out.append({"key": key, "value": {"intValue": str(value)}})
        else:
            out.append({"key": key, "value": {"stringValue": str(value)}})
    return out


class OtlpExporter:
    """Context manager: collects spans from trace events; exports them on exit."""

    def __init__(self, endpoint: str, run_id: str, timeout_s: float = 10.0) -> None:
        self.url = endpoint.rstrip("/") + "/v1/traces"
        self.run_id = run_id
        self.timeout_s = timeout_s
        self.trace_id = secrets.token_hex(16)
        self.root_id = secrets.token_hex(8)
        self.started = time.time()
        self.spans: list[dict[str, Any]] = []
        self._objects: dict[str, dict[str, Any]] = {}
        # the node each object (None: the run's own nodes) is in: objects run in parallel
        # workers, and their events interleave
        self._open: dict[str | None, dict[str, Any]] = {}
        self.error: str | None = None

    def _span(self, name: str, parent: str, start: float, end: float,
              attributes: dict[str, Any], error: str | None = None) -> dict[str, Any]:
        span = {"traceId": self.trace_id, "spanId": secrets.token_hex(8),
                "parentSpanId": parent, "name": name, "kind": 1,
                "startTimeUnixNano": _ns(start), "endTimeUnixNano": _ns(end),
                "attributes": _attrs(attributes),
                "status": {"code": 2, "message": error} if error else {"code": 1}}
        self.spans.append(span)
        return span

    def _object(self, name: str, ts: float) -> dict[str, Any]:
        return self._objects.setdefault(name, {"id": secrets.token_hex(8), "start": ts,
                                               "tokens": 0})

    def __call__(self, event: dict[str, Any]) -> None:
        kind, ts, obj = event.get("kind"), float(event.get("ts") or time.time()), event.get(
            "object")
        if kind == "node_start":
            self._open[obj] = {"node": event.get("node"), "object": obj, "start": ts}
            if obj:
                self._object(obj, ts)
        elif kind == "node_end" and obj in self._open:
            node = self._open.pop(obj)
            parent = self._objects[node["object"]]["id"] if node["object"] else self.root_id
            self._span(str(node["node"]), parent, node["start"], ts,
                       {"cutover.node": node["node"], "cutover.object": node["object"]},
                       event.get("error"))
        elif kind == "llm_call" and obj:
            self._object(obj, ts)["tokens"] += int(event.get("total_tokens") or 0)
        elif kind == "object_end" and obj:
            info = self._object(obj, ts)
            span = self._span(f"object {obj}", self.root_id, info["start"], ts,
                              {"cutover.object": obj, "cutover.verdict": event.get("verdict"),
                               "cutover.attempts": event.get("attempts"),
                               "cutover.llm_tokens": info["tokens"]})
            span["spanId"] = info["id"]  # node spans already point at this id

    def payload(self, end: float, interrupted: bool) -> dict[str, Any]:
        root = {"traceId": self.trace_id, "spanId": self.root_id, "parentSpanId": "",
                "name": f"cutover run {self.run_id}", "kind": 1,
                "startTimeUnixNano": _ns(self.started), "endTimeUnixNano": _ns(end),
                "attributes": _attrs({"cutover.run_id": self.run_id,
                                      "cutover.objects": len(self._objects),
                                      "cutover.interrupted": interrupted}),
                "status": {"code": 1}}
        return {"resourceSpans": [{
            "resource": {"attributes": _attrs({"service.name": "cutover"})},
            "scopeSpans": [{"scope": {"name": "cutover"}, "spans": [root, *self.spans]}]}]}

    def export(self, interrupted: bool = False) -> None:
        body = json.dumps(self.payload(time.time(), interrupted)).encode()
        request = urllib.request.Request(self.url, data=body, method="POST",
                                         headers={"Content-Type": "application/json"})
        try:
            with urllib.request.urlopen(request, timeout=self.timeout_s) as response:
                response.read()
        except (urllib.error.URLError, OSError) as exc:
            self.error = f"could not export the trace to {self.url}: {exc}"

    def __enter__(self) -> OtlpExporter:
        trace.add_listener(self)
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        trace.remove_listener(self)
        self.export(interrupted=isinstance(exc, KeyboardInterrupt))
