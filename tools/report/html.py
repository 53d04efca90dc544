"""report.html: one self-contained page (inline CSS, a small inline script for the filters, an
inline SVG for the lineage; no network).

Up to INLINE_LIMIT objects every row and section is in the page as HTML. A larger run (the
10,000-object benchmark) would make a page the browser parses for many seconds, so its table
is drawn a page at a time (PAGE_SIZE rows) from JSON in the page — the filters and the search
run over all of it — and only the sections of the rows on show are in the document.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, select_autoescape
from markupsafe import Markup

from tools.records import Report, ReportObject, Verdict
from tools.report.lineage import lineage_svg
from tools.trace_format import describe_event

_TEMPLATES = Path(__file__).parent
INLINE_LIMIT = 500
"""Objects up to which the whole table and every section are written as HTML."""
PAGE_SIZE = 100
"""Rows per page of a paged table."""


def at_parity(verdict: Verdict) -> bool:
    """Not a problem for the report's reader: proven right, or skipped (translate-only)."""
    return verdict.is_parity or verdict == Verdict.SKIPPED


def problems_first(objects: list[ReportObject]) -> list[ReportObject]:
    """Objects not at parity first (in their run order), then the rest."""
    return sorted(objects, key=lambda o: at_parity(o.verdict))


def render_html(report: Report, events: list[dict[str, Any]], *,
                inline_limit: int = INLINE_LIMIT, page_size: int = PAGE_SIZE) -> str:
    env = Environment(loader=FileSystemLoader(_TEMPLATES),
                      autoescape=select_autoescape(["html", "j2"]))
    env.globals["Verdict"] = Verdict  # the template compares verdicts by name, not by spelling
    paged = len(report.objects) > inline_limit
    by_object: dict[str, list[dict[str, Any]]] = {}
    if not paged:  # a paged page leaves traces to `cutover trace --object`
        for event in events:
            if event.get("object"):
                by_object.setdefault(event["object"], []).append(
                    {"seq": event.get("seq"), "node": event.get("node"), "kind": event["kind"],
                     "detail": describe_event(event)})
    objects = problems_first(report.objects)
    kinds = sorted({o.kind for o in objects})
    return env.get_template("report.html.j2").render(
        r=report, objects=objects, kinds=kinds, events=by_object, paged=paged,
        page_size=page_size,
        lineage=Markup(lineage_svg(report.objects)))  # built from escaped parts
