"""The comparison page: one self-contained HTML file with inline SVG plots.

No JavaScript, no web fonts, no CDN: the page must open from a CI artifact or an air-gapped
laptop. Plots: parity by suite and engine pair (with the spread over repeats as whiskers),
then attempts, tokens and seconds per case for A and B side by side.
"""

from __future__ import annotations

from html import escape
from pathlib import Path
from typing import Any

from evals.compare import (
    SUMMARY_KEYS,
    CaseDelta,
    case_deltas,
    format_cost,
    format_summary,
    label,
    summary_delta,
)

A_COLOUR, B_COLOUR = "#8a9bb0", "#2b6cb0"
_CSS = """
body{font:14px/1.4 system-ui,sans-serif;margin:2em;color:#1a202c;max-width:1100px}
h1{font-size:1.4em} h2{font-size:1.1em;margin-top:2em} table{border-collapse:collapse}
td,th{border-bottom:1px solid #e2e8f0;padding:3px 8px;text-align:left;font-size:13px}
.fixed{color:#276749;font-weight:600} .broken{color:#c53030;font-weight:600}
.key span{display:inline-block;width:12px;height:12px;margin:0 4px 0 12px;vertical-align:-1px}
code{font-size:12px}
"""


def _bars(title: str, rows: list[tuple[str, float | None, float | None]], *,
          unit: str = "", ranges: dict[tuple[int, int], tuple[float, float]] | None = None,
          fixed_max: float | None = None) -> str:
    """Grouped horizontal bars (A above B) for each row label; `ranges[(row, 0|1)]` draws
    a whisker from the smallest to the largest repeat."""
    values = [v for _, a, b in rows for v in (a, b) if v is not None]
    top = fixed_max or max(values + [1e-9])
    width, left, bar, gap = 620, 220, 9, 8
    height = len(rows) * (2 * bar + gap) + 30
    parts = [f'<svg role="img" aria-label="{escape(title)}" width="{left + width + 90}" '
             f'height="{height}" xmlns="http://www.w3.org/2000/svg">']
    for i, (name, a, b) in enumerate(rows):
        y = 10 + i * (2 * bar + gap)
        parts.append(f'<text x="{left - 6}" y="{y + bar + 3}" font-size="11" '
                     f'text-anchor="end">{escape(name[:34])}</text>')
        for j, (value, colour) in enumerate(((a, A_COLOUR), (b, B_COLOUR))):
            if value is None:
                continue
            w = max(0.5, width * value / top)
            yy = y + j * bar
            parts.append(f'<rect x="{left}" y="{yy}" width="{w:.1f}" height="{bar - 1}" '
                         f'fill="{colour}"><title>{escape(name)}: {value:g}{unit}</title></rect>')
            parts.append(f'<text x="{left + w + 4:.1f}" y="{yy + bar - 1}" font-size="10">'
                         f'{value:.3g}{unit}</text>')
            lo, hi = (ranges or {}).get((i, j), (value, value))
            if hi > lo:
                x1, x2 = left + width * lo / top, left + width * hi / top
                parts.append(f'<line x1="{x1:.1f}" x2="{x2:.1f}" y1="{yy + bar / 2:.1f}" '
                             f'y2="{yy + bar / 2:.1f}" stroke="#1a202c" stroke-width="1.5"/>')
    parts.append("</svg>")
    return f"<h2>{escape(title)}</h2>" + "".join(parts)


def _key(log_a: dict[str, Any], log_b: dict[str, Any]) -> str:
    return (f'<p class="key"><span style="background:{A_COLOUR}"></span>A: '
            f'{escape(label(log_a))}<span style="background:{B_COLOUR}"></span>B: '
            f'{escape(label(log_b))}</p>')


def _summary_table(log_a: dict[str, Any], log_b: dict[str, Any]) -> str:
    rows = []
    for key, item in summary_delta(log_a, log_b).items():
        if key == "mean_attempts":
            a, b = item["a"], item["b"]
            fa, fb = ("—" if a is None else f"{a:.2f}"), ("—" if b is None else f"{b:.2f}")
        else:
            fa, fb = format_summary(key, item["a"]), format_summary(key, item["b"])
        delta = "—" if item["delta"] is None else f"{item['delta']:+g}"
        rows.append(f"<tr><td>{key}</td><td>{fa}</td><td>{fb}</td><td>{delta}</td></tr>")
    return ("<h2>Summary (mean ± stdev over repeats)</h2><table><tr><th>metric</th><th>A</th>"
            "<th>B</th><th>B − A</th></tr>" + "".join(rows) + "</table>")


def _case_table(deltas: list[CaseDelta]) -> str:
    def cell(stats: Any, attr: str) -> str:
        value = getattr(stats, attr) if stats is not None else None
        return "—" if value is None else f"{value:.2f}"

    def cost(stats: Any) -> str:
        return format_cost(stats.cost if stats is not None else None)

    rows = []
    for d in deltas:
        verdicts = " → ".join("/".join(s.verdicts) if s else "—" for s in (d.a, d.b))
        rows.append(f'<tr><td><code>{escape(d.id)}</code></td><td class="{d.change}">'
                    f"{d.change}</td><td>{cell(d.a, 'parity')} → {cell(d.b, 'parity')}</td>"
                    f"<td>{cell(d.a, 'attempts')} → {cell(d.b, 'attempts')}</td>"
                    f"<td>{cell(d.a, 'tokens')} → {cell(d.b, 'tokens')}</td>"
                    f"<td>{cost(d.a)} → {cost(d.b)}</td>"
                    f"<td>{escape(verdicts)}</td></tr>")
    return ("<h2>Per case (A → B)</h2><table><tr><th>case</th><th>change</th><th>parity</th>"
            "<th>attempts</th><th>tokens</th><th>LLM cost</th><th>verdict</th></tr>"
            + "".join(rows) + "</table>")


def _range(stat: dict[str, Any]) -> tuple[float, float]:
    if stat.get("min") is None:
        return (0.0, 0.0)
    return (float(stat["min"]), float(stat["max"]))


def _empty_like(log: dict[str, Any]) -> dict[str, Any]:
    """Stand-in for A when a page shows one log: no cases, no numbers."""
    nothing = {"mean": None, "stdev": None, "min": None, "max": None, "n": 0}
    return {**log, "cases": [], "mode": "(none)", "eval_id": None, "git_rev": None,
            "summary": {k: dict(nothing) for k in SUMMARY_KEYS}}


def render(log_a: dict[str, Any] | None, log_b: dict[str, Any]) -> str:
    """The page comparing A with B; with A None, a page for B alone."""
    single = log_a is None  # issue 14: one eval's page is titled as such, not a comparison
    log_a = log_a if log_a is not None else _empty_like(log_b)
    deltas = case_deltas(log_a, log_b)
    pair = f"{log_a['suite']} · {log_a['source']}→{log_a['target']}"
    pair_b = f"{log_b['suite']} · {log_b['source']}→{log_b['target']}"
    pa, pb = log_a["summary"]["parity"], log_b["summary"]["parity"]
    if pair == pair_b:
        rows: list[tuple[str, float | None, float | None]] = [(pair, pa["mean"], pb["mean"])]
        ranges = {(0, 0): _range(pa), (0, 1): _range(pb)}
    else:
        rows = [(f"A: {pair}", pa["mean"], None), (f"B: {pair_b}", None, pb["mean"])]
        ranges = {(0, 0): _range(pa), (1, 1): _range(pb)}
    parity = _bars("Parity by suite and engine pair (whisker: min–max over repeats)", rows,
                   ranges=ranges, fixed_max=1.0)

    def per_case(attr: str) -> list[tuple[str, float | None, float | None]]:
        return [(d.id, getattr(d.a, attr) if d.a else None, getattr(d.b, attr) if d.b else None)
                for d in deltas]

    heading = (f"Cutover eval: {escape(pair_b)} ({escape(str(log_b.get('mode')))})" if single
               else "Cutover eval comparison")
    body = [f"<h1>{heading}</h1>{'' if single else _key(log_a, log_b)}",
            _summary_table(log_a, log_b), parity, _case_table(deltas),
            _bars("Attempts per object", per_case("attempts")),
            _bars("LLM tokens per object", per_case("tokens")),
            _bars("LLM cost per object (tokens × [llm] price_per_mtok)", per_case("cost")),
            _bars("Seconds per object", per_case("seconds"), unit=" s")]
    meta = (f"<p><small>A: {escape(str(log_a.get('eval_id')))} (git {log_a.get('git_rev')}), "
            f"B: {escape(str(log_b.get('eval_id')))} (git {log_b.get('git_rev')})</small></p>")
    if single:
        meta = (f"<p><small>eval {escape(str(log_b.get('eval_id')))} (git "
                f"{log_b.get('git_rev')})</small></p>")
    title = f"Cutover eval: {pair_b}" if single else f"Cutover eval comparison: {pair} vs {pair_b}"
    return (f"<!doctype html><html lang=en><meta charset=utf-8><title>"
            f"{escape(title)}</title><style>{_CSS}</style><body>{''.join(body)}{meta}</body>"
            f"</html>\n")


def write(log_a: dict[str, Any] | None, log_b: dict[str, Any], path: Path) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(render(log_a, log_b), encoding="utf-8")
    return path
