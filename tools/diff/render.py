"""Show a DiffReport: rich console output (dataset, columns, rows, diagnosis) and a one-file
HTML page. Pure presentation: everything shown comes from the report."""

from __future__ import annotations

import html
import json
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.markup import escape
from rich.table import Table

from tools.diff.report import DiffReport
from tools.records import Verdict

_SCRIPT_SAFE = "<\\/"
_STYLE = {Verdict.PARITY: "bold green", Verdict.PARITY_WITH_TOLERANCE: "bold yellow",
          Verdict.MISMATCH: "bold red"}


def _num(x: float | None) -> str:
    return "" if x is None else f"{x:.6g}"


def _cell(v: Any) -> str:
    return "NULL" if v is None else repr(v) if isinstance(v, str) else str(v)


def dataset_lines(r: DiffReport) -> list[str]:
    lines = [f"rows: source {r.rows_source:,} · target {r.rows_target:,} · matched "
             f"{r.rows_matched:,} · score {r.score:.6f}"]
    lines.append(f"pairing: {r.mode}" + (f" on {', '.join(r.key)}" if r.key else "")
                 + (" (key inferred)" if r.key_inferred else ""))
    if r.missing_columns or r.extra_columns:
        lines.append(f"columns missing in target: {r.missing_columns or 'none'}; extra in "
                     f"target: {r.extra_columns or 'none'}")
    for col, (a, b) in r.type_differences.items():
        lines.append(f"type: {col}: {a} → {b}")
    if r.vacuous:
        lines.append("vacuous: both sides are empty — parity that proves nothing")
    return lines


def columns_table(r: DiffReport) -> Table:
    t = Table(title="columns", show_lines=False)
    for head in ("column", "compared", "mismatched", "match rate", "max abs", "max rel",
                 "NULL mism.", "diagnosis"):
        t.add_column(head, justify="right" if head not in ("column", "diagnosis") else "left")
    for c in r.columns:
        style = "red" if c.mismatched else None
        t.add_row(escape(c.name), f"{c.compared:,}", f"{c.mismatched:,}", f"{c.match_rate:.4%}",
                  _num(c.max_abs_diff), _num(c.max_rel_diff), f"{c.null_mismatches:,}",
                  escape(c.diagnosis or ""), style=style)
    return t


def _rows_table(title: str, rows: list[dict], total: int) -> Table:
    t = Table(title=f"{title} ({len(rows)} of {total:,})")
    names = list(rows[0]) if rows else []
    for n in names:
        t.add_column(escape(n))
    for row in rows:
        t.add_row(*(escape(_cell(row.get(n))) for n in names))
    return t


def changed_table(r: DiffReport) -> Table:
    t = Table(title=f"changed cells ({len(r.changed)} shown, {r.changed_count:,} rows changed)")
    for head in ("key", "column", "source", "target"):
        t.add_column(head)
    for c in r.changed:
        key = ", ".join(f"{k}={_cell(v)}" for k, v in c["key"].items())
        t.add_row(escape(key), escape(c["column"]), escape(_cell(c["source"])),
                  escape(_cell(c["target"])))
    return t


def print_report(console: Console, r: DiffReport, notes: list[str]) -> None:
    style = _STYLE.get(r.verdict, "bold")
    console.print(f"[{style}]{r.verdict.upper()}[/]  {escape(r.summary())}")
    for line in dataset_lines(r):
        console.print(f"  {escape(line)}")
    for note in notes:
        console.print(f"  [dim]{escape(note)}[/]")
    console.print(columns_table(r))
    if r.only_in_source:
        console.print(_rows_table("rows only in source", r.only_in_source,
                                  r.only_in_source_count))
    if r.only_in_target:
        console.print(_rows_table("rows only in target", r.only_in_target,
                                  r.only_in_target_count))
    if r.changed:
        console.print(changed_table(r))
    for d in r.diagnosis:
        cols = f" [{', '.join(d.columns)}]" if d.columns else ""
        console.print(f"  [bold]diagnosis[/] {escape(d.cause)}{escape(cols)}: {escape(d.detail)}")
    console.print(f"  [dim]{r.engine}, {r.seconds:.2f} s[/]")


def _html_table(heads: list[str], rows: list[list[Any]]) -> str:
    th = "".join(f"<th>{html.escape(h)}</th>" for h in heads)
    body = "".join("<tr>" + "".join(f"<td>{html.escape(_cell(v) if not isinstance(v, str) else v)}"
                                    f"</td>" for v in row) + "</tr>" for row in rows)
    return f"<table><tr>{th}</tr>{body}</table>"


def write_html(path: Path, r: DiffReport, notes: list[str], title: str) -> None:
    """One self-contained page; the full report JSON is embedded for tools."""
    cols = [[c.name, f"{c.compared:,}", f"{c.mismatched:,}", f"{c.match_rate:.4%}",
             _num(c.max_abs_diff), _num(c.max_rel_diff), str(c.null_mismatches),
             c.diagnosis or ""] for c in r.columns]
    parts = [f"<h1>{html.escape(title)}</h1>",
             f"<p class='{r.verdict}'><b>{r.verdict}</b> — {html.escape(r.summary())}</p>",
             "<ul>" + "".join(f"<li>{html.escape(x)}</li>" for x in dataset_lines(r) + notes)
             + "</ul>", "<h2>Columns</h2>",
             _html_table(["column", "compared", "mismatched", "match rate", "max abs",
                          "max rel", "NULL mismatches", "diagnosis"], cols)]
    for head, rows in (("Rows only in source", r.only_in_source),
                       ("Rows only in target", r.only_in_target)):
        if rows:
            parts += [f"<h2>{head}</h2>", _html_table(list(rows[0]), [list(x.values())
                                                                       for x in rows])]
    if r.changed:
        parts += ["<h2>Changed cells</h2>", _html_table(
            ["key", "column", "source", "target"],
            [[json.dumps(c["key"]), c["column"], c["source"], c["target"]] for c in r.changed])]
    parts += ["<h2>Diagnosis</h2><ul>" + "".join(
        f"<li><b>{html.escape(d.cause)}</b>: {html.escape(d.detail)}</li>" for d in r.diagnosis)
        + "</ul>",
        f"<script type='application/json' id='report'>"
        # Raw JSON (script content is not HTML-decoded); "</" escaped so it cannot close it.
        f"{r.model_dump_json().replace('</', _SCRIPT_SAFE)}</script>"]
    css = ("body{font-family:sans-serif;margin:2em}table{border-collapse:collapse}"
           "td,th{border:1px solid #ccc;padding:2px 6px}.mismatch{color:#b00}"
           ".parity{color:#070}.parity_with_tolerance{color:#a60}")
    path.write_text(f"<!doctype html><html><head><meta charset='utf-8'><title>"
                    f"{html.escape(title)}</title><style>{css}</style></head><body>"
                    f"{''.join(parts)}</body></html>", encoding="utf-8")
