"""What the CLI shows: progress, summaries, run lists, traces. Reads runs via tools.runlog."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from rich.console import Console
from rich.markup import escape
from rich.table import Table

from tools.errors import CutoverError
from tools.records import Report, ReportObject, Verdict
from tools.runlog import list_runs, load_run
from tools.trace_format import describe_event

COLORS = {Verdict.PARITY: "green", Verdict.PARITY_WITH_TOLERANCE: "green",
          Verdict.MISMATCH: "red", Verdict.COMPILE_ERROR: "red", Verdict.UNSUPPORTED: "yellow",
          Verdict.PARSE_ERROR: "red", Verdict.BLOCKED: "yellow", Verdict.SKIPPED: "dim"}


def at_parity(verdict: str) -> bool:
    """Nothing for the user to do: proven right, or skipped (a translate-only target)."""
    return Verdict.parity(verdict) or verdict == Verdict.SKIPPED


def all_at_parity(report: Report) -> bool:
    dbt_ok = report.dbt["ok"] if report.dbt else True
    return dbt_ok and all(at_parity(o.verdict) for o in report.objects)


def print_summary(console: Console, report: Report | None, run_dir: Path) -> None:
    if report is None:
        console.print(f"[yellow]The run stopped before its report; see {run_dir}[/]")
        return
    table = Table(title=f"run {report.run_id} · {report.source['dialect']} → "
                        f"{report.target['dialect']}")
    table.add_column("object", no_wrap=True)
    table.add_column("kind")
    table.add_column("verdict", no_wrap=True)
    table.add_column("tries", justify="right")
    table.add_column("fixed by", overflow="fold")
    for o in report.objects:
        color = COLORS.get(o.verdict, "white")
        fixes = ", ".join(step.removeprefix("rule:") for step in o.fixed_by)
        table.add_row(o.name, o.kind.replace("table_as_select", "ctas"),
                      f"[{color}]{o.verdict.value}[/]", str(o.attempts), fixes)
    console.print(table)
    counts = ", ".join(f"{v} {n}" for v, n in report.counts.items() if n)
    console.print(f"[bold]{report.total} objects[/]: {counts}; "
                  f"{report.needed_fixer} repaired by the fixer; {report.seconds:.1f} s")
    print_problems(console, report)
    console.print(f"Engine: {report.engine}")
    if report.dbt:
        print_dbt(console, report.dbt)
    console.print(f"Report: {run_dir / 'report.html'}")
    console.print(f"Trace:  cutover trace {report.run_id} --runs-dir {run_dir.parent}")


def print_dbt(console: Console, dbt: dict[str, Any]) -> None:
    """One line for the run's dbt project: build, tests, models at parity."""
    models = [m for m in dbt["models"] if m["layer"] != "staging"]
    if not dbt.get("built", True):  # a translate-only target: written for dbt elsewhere
        console.print(f"dbt: {dbt['project_dir']} written for dbt-{dbt['adapter']}, not built "
                      f"(translate-only target) · {len(dbt['models']) - len(models)} staging + "
                      f"{len(models)} models, none proven · {escape(dbt['how_to_build'])}")
    else:
        _print_built(console, dbt, models)
    if dbt.get("error"):
        console.print(f"[red]dbt: {escape(dbt['error'])}[/]")


def _print_built(console: Console, dbt: dict[str, Any], models: list[dict[str, Any]]) -> None:
    models_at_parity = sum(1 for m in models if at_parity(m["verdict"]))
    tests = sum(m["tests_passed"] for m in dbt["models"])
    failed = sum(m["tests_failed"] for m in dbt["models"])
    state = "[green]passed[/]" if dbt["ok"] else "[red]failed[/]"
    console.print(f"dbt: {dbt['project_dir']} · dbt build {state} in {dbt['build_seconds']:.1f} s"
                  f" · {len(dbt['models']) - len(models)} staging + {len(models)} models, "
                  f"{models_at_parity} at parity · {tests} tests passed, {failed} failed")


def print_problems(console: Console, report: Report) -> None:
    """Every object not at parity: its verdict, where it is, why, and each attempt tried."""
    problems = [o for o in report.objects if not at_parity(o.verdict)]
    if not problems:
        return
    console.print(f"[bold]Not at parity ({len(problems)}):[/]")
    for o in problems:
        color = COLORS.get(o.verdict, "white")
        console.print(f"  [{color}]{o.verdict.value}[/] [bold]{escape(o.name)}[/] "
                      f"({escape(o.file)}:{o.line}): {escape(problem_reason(o))}",
                      highlight=False)
        tried = [f"#{a['number']} {a['origin']} → {_attempt_outcome(a)}"
                 for a in o.attempt_log]
        console.print(f"      tried: {escape('; '.join(tried)) if tried else 'nothing'}",
                      highlight=False)


def problem_reason(obj: ReportObject) -> str:
    """One line saying why an object is not at parity."""
    attempts = obj.attempt_log
    last = attempts[-1] if attempts else None
    text = (obj.error or (last and (last.get("diff_summary")
                                          or (last.get("compile") or {}).get("error")))
            or "no reason recorded")
    return " ".join(str(text).split())


def _attempt_outcome(attempt: dict[str, Any]) -> str:
    compiled = attempt.get("compile")
    if compiled is not None and not compiled.get("ok"):
        return f"compile error ({compiled.get('error_kind') or 'error'})"
    return attempt.get("verdict") or (attempt.get("diff_summary") or "not diffed")[:60]


def project_of_run(runs_dir: Path, run_id: str) -> Path:
    return Path(load_run(runs_dir, run_id, with_events=False).spec["project_dir"])


def print_runs(console: Console, runs_dir: Path) -> None:
    runs = list_runs(runs_dir)
    if not runs:
        console.print(f"no runs in {runs_dir}")
        return
    table = Table(title=f"runs in {runs_dir}")
    for col in ("run", "project", "pair", "started", "status"):
        # a run id is what the user types next: never cut it short
        table.add_column(col, no_wrap=col == "run", overflow="fold")
    for r in runs:
        status = ("unfinished (resume with --resume)" if not r.finished else
                  ", ".join(f"{v} {n}" for v, n in r.report.counts.items() if n))  # type: ignore[union-attr]
        table.add_row(r.run_id, r.spec.get("project", ""), f"{r.spec['source']['dialect']} → "
                      f"{r.spec['target']['dialect']}", r.spec.get("started", ""), status)
    console.print(table)


def print_trace(console: Console, runs_dir: Path, run_id: str, obj: str | None,
                node: str | None) -> None:
    log = load_run(runs_dir, run_id)
    events = log.events_for(obj, node)
    if obj and not events and log.report and obj not in {o.name for o in log.report.objects}:
        raise CutoverError(f"run {run_id} has no object {obj!r}")
    t0 = events[0]["ts"] if events else 0
    for e in events:
        where = "/".join(x for x in (e.get("node"), e.get("object")) if x)
        console.print(f"[dim]{e['ts'] - t0:8.3f}s #{e.get('seq', ''):<5}[/] "
                      f"[cyan]{e['kind']:<12}[/] [bold]{escape(where):<32}[/] "
                      f"{escape(describe_event(e))}",
                      highlight=False, soft_wrap=True)
    console.print(f"[dim]{len(events)} events[/]")
