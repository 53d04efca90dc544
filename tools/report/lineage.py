"""The objects' dependency picture for report.html: an inline SVG (no scripts, no network).

Objects are placed in columns by depth (an object sits one column right of its deepest
dependency), coloured by verdict, each linking to its section of the page.
"""

from __future__ import annotations

from html import escape

from tools.records import ReportObject, Verdict

BOX_W, BOX_H, GAP_X, GAP_Y, PAD = 190, 24, 60, 10, 8
FILL = {Verdict.PARITY: "#d8f3dc", Verdict.PARITY_WITH_TOLERANCE: "#d8f3dc",
        Verdict.MISMATCH: "#fde2e1", Verdict.COMPILE_ERROR: "#fde2e1",
        Verdict.PARSE_ERROR: "#fde2e1", Verdict.UNSUPPORTED: "#fff1c2",
        Verdict.BLOCKED: "#fff1c2", Verdict.SKIPPED: "#e8e8e8"}


def _depths(objects: list[ReportObject]) -> dict[str, int]:
    """Column of each object: one right of its deepest dependency. Iterative (a chain of
    thousands of views must not hit Python's recursion limit); an edge back into the path
    being walked (a cycle) is cut."""
    deps = {o.name: [d for d in o.depends_on if d != o.name] for o in objects}
    depth: dict[str, int] = {}
    for root in deps:
        if root in depth:
            continue
        path, on_path = [(root, iter(deps[root]))], {root}
        while path:
            name, pending = path[-1]
            dep = next((d for d in pending if d in deps and d not in depth
                        and d not in on_path), None)
            if dep is not None:
                path.append((dep, iter(deps[dep])))
                on_path.add(dep)
                continue
            depth[name] = 1 + max((depth[d] for d in deps[name] if d in depth), default=-1)
            on_path.discard(name)
            path.pop()
    return depth


def lineage_svg(objects: list[ReportObject]) -> str:
    """SVG markup of the dependency graph; '' when no object depends on another."""
    if not any(o.depends_on for o in objects):
        return ""
    depth = _depths(objects)
    columns: dict[int, list[str]] = {}
    for o in objects:
        columns.setdefault(depth[o.name], []).append(o.name)
    place = {name: (PAD + col * (BOX_W + GAP_X), PAD + row * (BOX_H + GAP_Y))
             for col, names in columns.items() for row, name in enumerate(names)}
    width = PAD * 2 + (max(columns) + 1) * (BOX_W + GAP_X) - GAP_X
    height = PAD * 2 + max(len(n) for n in columns.values()) * (BOX_H + GAP_Y) - GAP_Y
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" class="lineage" width="{width}" '
             f'height="{height}" role="img" aria-label="object dependencies">']
    for o in objects:
        x2, y2 = place[o.name]
        for dep in o.depends_on:
            if dep in place and dep != o.name:
                x1, y1 = place[dep]
                parts.append(f'<line x1="{x1 + BOX_W}" y1="{y1 + BOX_H / 2}" x2="{x2}" '
                             f'y2="{y2 + BOX_H / 2}" stroke="#9aa3b2"/>')
    for o in objects:
        x, y = place[o.name]
        name = escape(o.name)
        label = name if len(o.name) <= 26 else escape(o.name[:25]) + "…"
        parts.append(f'<a href="#o-{name}"><rect x="{x}" y="{y}" width="{BOX_W}" '
                     f'height="{BOX_H}" rx="5" fill="{FILL.get(o.verdict, "#fff")}" '
                     f'stroke="#8a93a3"><title>{name}: {escape(o.verdict.value)}</title></rect>'
                     f'<text x="{x + 8}" y="{y + 16}" font-size="12">{label}</text></a>')
    parts.append("</svg>")
    return "".join(parts)
