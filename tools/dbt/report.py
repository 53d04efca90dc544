"""Add the dbt outcome to a run's report (report.json gets a `dbt` key; report.md and
report.html are rendered again from it), after the reporter wrote the rest."""

from __future__ import annotations

import json
from pathlib import Path

from tools.dbt.records import DbtOutcome
from tools.records import Report
from tools.report.html import render_html
from tools.report.markdown import render_markdown
from tools.runlog import EVENTS, REPORT, read_events
from tools.secrets import Redactor


def markdown_section(dbt: dict) -> str:
    built = dbt.get("built", True)
    state = (f"dbt build {'passed' if dbt['ok'] else 'FAILED'} in {dbt['build_seconds']:.1f} s"
             if built else "written, not built (a translate-only target): no model is proven")
    lines = ["", "## dbt project", "",
             f"{dbt['project_dir']} · dbt-{dbt['adapter']} · schema {dbt['schema']} · {state}",
             *(["", f"To build it: {dbt['how_to_build']}"] if not built else []),
             "", "| model | layer | materialized | build | tests | verdict | diff |",
             "| --- | --- | --- | --- | --- | --- | --- |"]
    for m in dbt["models"]:
        lines.append(f"| {m['name']} | {m['layer']} | {m['materialized']} | {m['build_status']} "
                     f"| {m['tests_passed']} passed, {m['tests_failed']} failed | {m['verdict']} "
                     f"| {m['diff_artifact'] or m.get('reason') or '—'} |")
    lines += [f"- not a model: **{x['object']}** — {x['reason']}" for x in dbt["left_out"]]
    if dbt.get("error"):
        lines.append(f"- error: {dbt['error']}")
    return "\n".join(lines) + "\n"


def attach(run_dir: Path, outcome: DbtOutcome, redactor: Redactor) -> None:
    path = run_dir / REPORT
    if not path.is_file():
        return
    report = json.loads(path.read_text(encoding="utf-8"))
    report["dbt"] = outcome.to_dict()
    path.write_text(redactor.text(json.dumps(report, indent=2, default=str)), encoding="utf-8")
    typed = Report.model_validate(report)  # the renderers read the typed model
    (run_dir / "report.md").write_text(
        redactor.text(render_markdown(typed) + markdown_section(report["dbt"])),
        encoding="utf-8")
    html = render_html(typed, read_events(run_dir / EVENTS))
    (run_dir / "report.html").write_text(redactor.text(html), encoding="utf-8")
