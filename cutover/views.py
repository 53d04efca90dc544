"""What the CLI shows: progress, summaries, run lists, traces. Reads runs via tools.runlog."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.markup import escape
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from tools import sql as sqltools
from tools.errors import CutoverError
from tools.runlog import list_runs, load_run
from tools.trace_format import describe_event

COLORS = {"parity": "green", "parity_with_tolerance": "green", "mismatch": "red",
          "compile_error": "red", "unsupported": "yellow", "blocked": "yellow", "skipped": "dim"}
PARITY = ("parity", "parity_with_tolerance", "skipped")


def with_progress(console: Console, job: Callable[[Callable[[str, dict], None]], Any]) -> Any:
    """Run `job(progress_callback)` under a progress bar counting finished objects."""
    with Progress(TextColumn("{task.description}"), BarColumn(), TextColumn("{task.completed}/"
                  "{task.total}"), TimeElapsedColumn(), console=console, transient=False) as bar:
        task = bar.add_task("planning", total=None)
        done: set[str] = set()

        def on_update(node: str, change: dict[str, Any]) -> None:
            if node == "planner" and "objects" in change:
                bar.update(task, total=len(change["objects"]), description="loading base tables")
            for name, result in (change.get("results") or {}).items():
                if result["status"] in COLORS and name not in done:
                    done.add(name)
                    bar.advance(task)
                    color = COLORS[result["status"]]
                    bar.console.print(f"  [{color}]{result['status']:<22}[/] {name}"
                                      f"  [dim]{len(result['attempts'])} attempt(s)[/]")
                elif result["status"] not in COLORS:
                    bar.update(task, description=f"{node}: {name}")
            if node == "reporter":
                bar.update(task, description="report written")

        return job(on_update)


def all_at_parity(report: dict[str, Any]) -> bool:
    return all(o["verdict"] in PARITY for o in report["objects"])


def print_summary(console: Console, report: dict[str, Any] | None, run_dir: Path) -> None:
    if report is None:
        console.print(f"[yellow]The run stopped before its report; see {run_dir}[/]")
        return
    table = Table(title=f"run {report['run_id']} · {report['source']['dialect']} → "
                        f"{report['target']['dialect']}")
    table.add_column("object", no_wrap=True)
    table.add_column("kind")
    table.add_column("verdict", no_wrap=True)
    table.add_column("tries", justify="right")
    table.add_column("fixed by", overflow="fold")
    for o in report["objects"]:
        color = COLORS.get(o["verdict"], "white")
        fixes = ", ".join(step.removeprefix("rule:") for step in o["fixed_by"])
        table.add_row(o["name"], o["kind"].replace("table_as_select", "ctas"),
                      f"[{color}]{o['verdict']}[/]", str(o["attempts"]), fixes)
    console.print(table)
    counts = ", ".join(f"{v} {n}" for v, n in report["counts"].items() if n)
    console.print(f"[bold]{report['total']} objects[/]: {counts}; "
                  f"{report['needed_fixer']} repaired by the fixer; {report['seconds']:.1f} s")
    console.print(f"Engine: {report['engine']}")
    console.print(f"Report: {run_dir / 'report.html'}")
    console.print(f"Trace:  cutover trace {report['run_id']} --runs-dir {run_dir.parent}")


def project_of_run(runs_dir: Path, run_id: str) -> Path:
    return Path(load_run(runs_dir, run_id, with_events=False).spec["project_dir"])


def print_runs(console: Console, runs_dir: Path) -> None:
    runs = list_runs(runs_dir)
    if not runs:
        console.print(f"no runs in {runs_dir}")
        return
    table = Table()
    for col in ("run", "project", "pair", "started", "status"):
        table.add_column(col)
    for r in runs:
        status = ("unfinished (resume with --resume)" if not r.finished else
                  ", ".join(f"{v} {n}" for v, n in r.report["counts"].items() if n))  # type: ignore[index]
        table.add_row(r.run_id, r.spec.get("project", ""), f"{r.spec['source']['dialect']} → "
                      f"{r.spec['target']['dialect']}", r.spec.get("started", ""), status)
    console.print(table)


def print_trace(console: Console, runs_dir: Path, run_id: str, obj: str | None,
                node: str | None) -> None:
    log = load_run(runs_dir, run_id)
    events = log.events_for(obj, node)
    if obj and not events and log.report and obj not in {o["name"] for o in log.report["objects"]}:
        raise CutoverError(f"run {run_id} has no object {obj!r}")
    t0 = events[0]["ts"] if events else 0
    for e in events:
        where = "/".join(x for x in (e.get("node"), e.get("object")) if x)
        console.print(f"[dim]{e['ts'] - t0:8.3f}s #{e.get('seq', ''):<5}[/] "
                      f"[cyan]{e['kind']:<12}[/] [bold]{escape(where):<32}[/] "
                      f"{escape(describe_event(e))}",
                      highlight=False, soft_wrap=True)
    console.print(f"[dim]{len(events)} events[/]")


def translate_file(console: Console, err: Console, path: Path, read: str, write: str,
                   llm: Any = None) -> bool:
    """Print the translation; False when a statement is not translated or calls a function
    the target lacks. `llm` (cutover.translate_llm.Translator) retries those statements."""
    from tools.target_functions import missing_functions

    text = path.read_text(encoding="utf-8")
    ok = True
    try:
        statements = sqltools.split_statements(text, read, str(path))
    except CutoverError as exc:
        err.print(f"[red]error:[/] {escape(str(exc))}")
        return False
    for stmt in statements:
        where = f"{path}:{stmt.line}"
        out: str | None = None
        try:
            out = sqltools.transpile(stmt.sql, read, write, where)
            missing = missing_functions(out, write)
            problem = (f"{where}: calls {', '.join(missing)}, which {write} does not have"
                       if missing else "")
        except CutoverError as exc:
            problem = str(exc)
        if problem and llm is not None:
            answer, account = llm.translate(stmt.sql, read, write, problem, out, where)
            err.print(f"[yellow]llm[/] {escape(where)}: {escape(account)}", highlight=False)
            if answer and not missing_functions(answer, write):
                out, problem = answer, ""
        if problem:
            ok = False
            err.print(f"[red]untranslated[/] {escape(problem)}", highlight=False)
            console.print(f"-- CUTOVER: NOT TRANSLATED ({where}); see stderr", highlight=False,
                          markup=False)
            if out:
                console.print("-- " + out.replace("\n", "\n-- ") + ";", highlight=False,
                              markup=False)
            continue
        console.print(f"{out};", highlight=False, markup=False)
    return ok
