"""report.md: the summary a data engineer pastes into a ticket."""

from __future__ import annotations

from tools.records import Report


def render_markdown(report: Report) -> str:
    counts = ", ".join(f"{v}: {n}" for v, n in report.counts.items() if n)
    lines = [
        f"# Cutover run {report.run_id} — {report.project}",
        "",
        f"{report.source['dialect']} → {report.target['dialect']} · engine: "
        f"{report.engine} · {report.total} objects · {counts} · "
        f"{report.needed_fixer} needed the fixer · {report.seconds:.1f} s",
        "",
        "| object | kind | verdict | attempts | fixed by | seconds |",
        "| --- | --- | --- | --- | --- | --- |",
    ]
    for o in report.objects:
        lines.append(f"| {o.name} | {o.kind} | {o.verdict.value} | {o.attempts} | "
                     f"{', '.join(o.fixed_by) or '—'} | {o.seconds:.2f} |")
    problems = [o for o in report.objects if not o.verdict.is_parity]
    if problems:
        lines += ["", "## Not at parity", ""]
        lines += [f"- **{o.name}** ({o.file}:{o.line}) — {o.verdict.value}: {o.error}"
                  for o in problems]
    fixed = [o for o in report.objects if o.needed_fixer]
    if fixed:
        lines += ["", "## Repaired by the fixer", ""]
        for o in fixed:
            reasons = [a["reason"] for a in o.attempt_log[1:]]
            lines.append(f"- **{o.name}**: " + "; ".join(reasons))
    if report.plan_notes:
        lines += ["", "## Planner notes", ""] + [f"- {n}" for n in report.plan_notes]
    return "\n".join(lines) + "\n"
