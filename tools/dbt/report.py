"""Add the dbt outcome to a run's report (report.json gets a `dbt` key, and each routine's object
the verdict of the models it became; report.md and report.html are rendered again from it),
after the reporter wrote the rest."""

from __future__ import annotations

import json
from pathlib import Path

from tools.dbt.records import DbtOutcome
from tools.dbt.routine_verdicts import known, routine_names, verdict_of
from tools.records import Report, Verdict
from tools.report.html import render_html
from tools.report.markdown import render_markdown
from tools.report.model import verdict_counts
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


def routine_objects(report: dict) -> list[tuple[str, str]]:
    """Give each routine's object and each CALL's (left `unsupported` by the run: not queries)
    the verdict of the routine's models (tools/dbt/routine_verdicts.py), and count again.
    Returns the objects changed, as (object, verdict)."""
    changed = []
    dialect = report["source"]["dialect"]
    for obj in report["objects"]:
        names = routine_names(obj["source_sql"], dialect)
        if obj["verdict"] != Verdict.UNSUPPORTED or not known(names, report["dbt"]):
            continue
        found = verdict_of(names, report["dbt"])
        obj["verdict"], obj["error"] = found.verdict.value, found.reason or None
        proofs = [m["diff_artifact"] for m in report["dbt"]["models"]
                  if m["name"] in found.models and m.get("diff_artifact")]
        obj["diff_artifact"] = obj["diff_artifact"] or (proofs[0] if proofs else None)
        changed.append((obj["name"], found.verdict.value))
    report["counts"] = verdict_counts(report["objects"])
    return changed


def attach(run_dir: Path, outcome: DbtOutcome, redactor: Redactor) -> list[tuple[str, str]]:
    """Returns the routine objects whose verdict the models gave, as (object, verdict)."""
    path = run_dir / REPORT
    if not path.is_file():
        return []
    report = json.loads(path.read_text(encoding="utf-8"))
    report["dbt"] = outcome.to_dict()
    changed = routine_objects(report)
    path.write_text(redactor.text(json.dumps(report, indent=2, default=str)), encoding="utf-8")
    typed = Report.model_validate(report)  # the renderers read the typed model
    (run_dir / "report.md").write_text(
        redactor.text(render_markdown(typed) + markdown_section(report["dbt"])),
        encoding="utf-8")
    html = render_html(typed, read_events(run_dir / EVENTS))
    (run_dir / "report.html").write_text(redactor.text(html), encoding="utf-8")
    return changed
