"""report.html: one self-contained page (inline CSS, no scripts, no network)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, select_autoescape

from tools.trace_format import describe_event

_TEMPLATES = Path(__file__).parent


def render_html(report: dict[str, Any], events: list[dict[str, Any]]) -> str:
    env = Environment(loader=FileSystemLoader(_TEMPLATES),
                      autoescape=select_autoescape(["html", "j2"]))
    by_object: dict[str, list[dict[str, Any]]] = {}
    for event in events:
        if event.get("object"):
            by_object.setdefault(event["object"], []).append(
                {"seq": event.get("seq"), "node": event.get("node"), "kind": event["kind"],
                 "detail": describe_event(event)})
    return env.get_template("report.html.j2").render(r=report, events=by_object)
