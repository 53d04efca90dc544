"""The model DAG as an inline SVG: one column per depth (sources left, marts right), boxes
coloured by the model's verdict, an edge per ref()."""

from __future__ import annotations

from html import escape

_COLOURS = {"parity": "#d9f2d9", "parity_with_tolerance": "#e8f5c8", "mismatch": "#f8d0d0",
            "error": "#f8d0d0", "skipped": "#eeeeee"}
_BOX_W, _BOX_H, _GAP_X, _GAP_Y = 210, 26, 60, 12


def _depths(edges: dict[str, list[str]]) -> dict[str, int]:
    depth: dict[str, int] = {}

    def walk(node: str, seen: frozenset[str]) -> int:
        if node not in depth:
            parents = [p for p in edges.get(node, []) if p not in seen]
            depth[node] = 1 + max((walk(p, seen | {node}) for p in parents), default=-1)
        return depth[node]

    for node in edges:
        walk(node, frozenset())
    return depth


def render_svg(edges: dict[str, list[str]], verdicts: dict[str, str]) -> str:
    """`edges` maps each model to the models it refs; `verdicts` colours the boxes."""
    depth = _depths(edges)
    columns: dict[int, list[str]] = {}
    for node in sorted(depth, key=lambda n: (depth[n], n)):
        columns.setdefault(depth[node], []).append(node)
    pos = {n: (d * (_BOX_W + _GAP_X) + 5, i * (_BOX_H + _GAP_Y) + 5)
           for d, nodes in columns.items() for i, n in enumerate(nodes)}
    width = (max(columns, default=0) + 1) * (_BOX_W + _GAP_X)
    height = max((len(v) for v in columns.values()), default=1) * (_BOX_H + _GAP_Y) + 10
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
             f'font-family="sans-serif" font-size="12" role="img" aria-label="dbt model DAG">']
    for node, parents in edges.items():
        x2, y2 = pos[node]
        for parent in parents:
            if parent in pos:
                x1, y1 = pos[parent]
                parts.append(f'<line x1="{x1 + _BOX_W}" y1="{y1 + _BOX_H / 2}" x2="{x2}" '
                             f'y2="{y2 + _BOX_H / 2}" stroke="#888"/>')
    for node, (x, y) in pos.items():
        fill = _COLOURS.get(verdicts.get(node, "skipped"), "#ffffff")
        parts.append(f'<g><title>{escape(node)}: {escape(verdicts.get(node, "-"))}</title>'
                     f'<rect x="{x}" y="{y}" width="{_BOX_W}" height="{_BOX_H}" rx="4" '
                     f'fill="{fill}" stroke="#555"/><text x="{x + 6}" y="{y + 17}">'
                     f'{escape(node[:30])}</text></g>')
    parts.append("</svg>")
    return "".join(parts)
