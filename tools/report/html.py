"""report.html: one self-contained page (inline CSS, a small inline script for the filters, an
inline SVG for the lineage; no network)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, select_autoescape
from markupsafe import Markup

from tools.report.lineage import lineage_svg
from tools.trace_format import describe_event

_TEMPLATES = Path(__file__).parent
AT_PARITY = ("parity", "parity_with_tolerance", "skipped")


def problems_first(objects: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Objects not at parity first (in their run order), then the rest."""
    return sorted(objects, key=lambda o: o["verdict"] in AT_PARITY)


def render_html(report: dict[str, Any], events: list[dict[str, Any]]) -> str:
    env = Environment(loader=FileSystemLoader(_TEMPLATES),
                      autoescape=select_autoescape(["html", "j2"]))
    by_object: dict[str, list[dict[str, Any]]] = {}
    for event in events:
        if event.get("object"):
            by_object.setdefault(event["object"], []).append(
                {"seq": event.get("seq"), "node": event.get("node"), "kind": event["kind"],
                 "detail": describe_event(event)})
    objects = problems_first(report["objects"])
    kinds = sorted({o["kind"] for o in objects})
    return env.get_template("report.html.j2").render(
        r=report, objects=objects, kinds=kinds, events=by_object,
        lineage=Markup(lineage_svg(report["objects"])))  # built from escaped parts
