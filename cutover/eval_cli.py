"""`cutover eval`: run suites, compare logs, list suites and logs. Parses arguments and calls
evals/; nothing else."""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from cutover.console import fail
from tools.errors import CutoverError

eval_app = typer.Typer(add_completion=False, no_args_is_help=True,
                       help="Score parity over benchmark migrations; compare variants.")
console = Console(soft_wrap=not sys.stdout.isatty())
err = Console(stderr=True)
STDOUT = Path("-")

Workdir = Annotated[Path, typer.Option("--workdir", help="Where eval projects, runs and logs "
                                       "go (one folder per eval).")]


def _fail(exc: BaseException | str, code: int = 2) -> None:
    fail(exc, code)


@eval_app.command("run")
def run_cmd(
    suite: Annotated[str, typer.Argument(help="tpch, tpcds, procbench, sakila-routines, a "
                                         "folder under evals/suites, or the path of your own "
                                         "suite folder/manifest.")],
    source: Annotated[str, typer.Option(help="sqlite, duckdb, clickhouse or a PostgreSQL/"
                                        "MySQL server URL (a fresh database is made).")],
    target: Annotated[str, typer.Option(help="Same choices as --source.")],
    scale: Annotated[float, typer.Option(help="Scale factor of tpch/tpcds.")] = 0.01,
    prompt_set: Annotated[str, typer.Option(help="Prompt set (prompts/prompt_sets.yaml).")] =
    "default",
    model: Annotated[str | None, typer.Option(help="LLM model at an OpenAI-compatible "
                                              "endpoint; none = deterministic engine.")] = None,
    base_url: Annotated[str | None, typer.Option(help="OpenAI-compatible endpoint.")] = None,
    api_key_env: Annotated[str, typer.Option(help="Env var holding the API key.")] =
    "OPENAI_API_KEY",
    repeat: Annotated[int, typer.Option(min=1, help="Repeats (report mean ± spread).")] = 1,
    baseline: Annotated[str | None, typer.Option(help="'sqlglot': transpile only, no fixing."
                                                 )] = None,
    max_attempts: Annotated[int, typer.Option(min=1, help="Candidates per object.")] = 5,
    case: Annotated[list[str] | None, typer.Option("--case", help="Only this case (repeat "
                                                   "the option for more).")] = None,
    json_path: Annotated[Path | None, typer.Option("--json", help="Also write the log here "
                                                   "('-': standard output).")] = None,
    html_path: Annotated[Path | None, typer.Option("--html", help="Write an HTML page of the "
                                                   "result.")] = None,
    workdir: Workdir = Path("eval-runs"),
) -> None:
    """Run SUITE from SOURCE to TARGET through the real migration graph and score it."""
    from cutover.progress import RunProgress
    from evals import html
    from evals.engines import EngineNotRunnable
    from evals.log import write_log
    from evals.runner import EvalSpec, run_eval

    os.environ.setdefault("LANGGRAPH_STRICT_MSGPACK", "true")
    if suite == "procbench":  # routines → a dbt project: scored per routine, not per query
        _procbench(source, target, scale, workdir, json_path)
        return
    if suite == "sakila-routines":  # MySQL routines → a dbt project, scored per routine
        _sakila_routines(source, target, workdir, json_path)
        return
    spec = EvalSpec(suite=suite, source=source, target=target, scale=scale,
                    prompt_set=prompt_set, model=model, base_url=base_url,
                    api_key_env=api_key_env, repeat=repeat, baseline=baseline,
                    max_attempts=max_attempts, cases=case, workdir=workdir)
    try:
        with RunProgress(err):  # cases are the run's objects: the same live display
            log = run_eval(spec, progress=lambda msg: err.print(escape(msg), highlight=False))
    except EngineNotRunnable as exc:
        _fail(f"not runnable: {exc}", code=4)
        return
    except CutoverError as exc:
        _fail(exc)
        return
    # with --json - the log alone goes to stdout (pipeable); the human summary to stderr
    out = err if json_path == STDOUT else console
    print_log(log, out)
    log_path = workdir / log["eval_id"] / "eval.json"  # where run_eval wrote it
    if json_path == STDOUT:
        sys.stdout.write(log_path.read_text(encoding="utf-8") + "\n")
    elif json_path:
        write_log(log, json_path)
    if html_path:
        html.write(None, log, html_path)
        out.print(f"HTML: {html_path}")
    out.print(f"Log: {log_path if json_path == STDOUT else json_path or log_path}")


def _procbench(source: str, target: str, scale: float, workdir: Path,
               json_path: Path | None) -> None:
    from evals.procbench import print_summary, run_procbench

    _routine_eval(lambda say: run_procbench(source, target, workdir, scale, say=say),
                  print_summary, workdir, json_path)


def _sakila_routines(source: str, target: str, workdir: Path, json_path: Path | None) -> None:
    from evals.sakila_routines import print_summary, run_sakila_routines

    _routine_eval(lambda say: run_sakila_routines(source, target, workdir, say=say),
                  print_summary, workdir, json_path)


def _routine_eval(run: Any, print_summary: Any, workdir: Path, json_path: Path | None) -> None:
    """A routine eval (procbench, sakila-routines): progress to stderr, its table, its log
    (to stdout with `--json -`)."""
    try:
        log = run(lambda msg: err.print(escape(msg), highlight=False))
    except CutoverError as exc:
        _fail(exc)
        return
    out = err if json_path == STDOUT else console
    print_summary(log, lambda line: out.print(escape(line), highlight=False))
    log_path = workdir / log["eval_id"] / "eval.json"
    if json_path == STDOUT:
        sys.stdout.write(log_path.read_text(encoding="utf-8") + "\n")
    elif json_path:
        json_path.write_text(log_path.read_text(encoding="utf-8"), encoding="utf-8")
    out.print(f"Log: {log_path}")


def print_log(log: dict[str, Any], console: Console = console) -> None:
    from evals.compare import format_cost, format_rate, format_summary

    table = Table(title=f"{log['suite']}: {log['source']} → {log['target']} ({log['mode']})")
    for column in ("case", "verdict", "parity", "attempts", "tokens", "cost", "s", "why"):
        table.add_column(column, overflow="fold")
    last = max(c["repeat"] for c in log["cases"]) if log["cases"] else 0
    for c in (c for c in log["cases"] if c["repeat"] == last):
        table.add_row(c["id"], c["verdict"], str(c["parity"]), str(c["attempts"]),
                      str(c["tokens"]), format_cost(c.get("llm_cost") or 0.0),
                      f"{c['seconds']:.2f}", escape(c["explanations"]["parity"][:90]))
    console.print(table)
    s = log["summary"]
    llm = (f" · LLM calls {format_rate(s['llm_calls'], '.0f')}, tokens "
           f"{format_rate(s['tokens'], '.0f')}, cost {format_summary('llm_cost', s['llm_cost'])}"
           if "llm_cost" in s else "")
    console.print(f"cases {s['cases']} · parity {format_rate(s['parity'])} · compiles "
                  f"{format_rate(s['compiles'])} · mean attempts {s['mean_attempts']}{llm} · "
                  f"{log['seconds']:.1f} s" + (f" · reference errors: "
                                              f"{', '.join(s['reference_errors'])}"
                                              if s["reference_errors"] else ""))


@eval_app.command("compare")
def compare_cmd(
    log_a: Annotated[Path, typer.Argument(help="Eval log A (before).")],
    log_b: Annotated[Path, typer.Argument(help="Eval log B (after).")],
    html_path: Annotated[Path | None, typer.Option("--html", help="HTML page to write "
                                                   "(default: next to LOG_B).")] = None,
) -> None:
    """Print per-case deltas from A to B and write an HTML page with plots."""
    from evals import html
    from evals.compare import case_deltas, format_cost, format_summary, label, summary_delta
    from evals.log import read_log

    try:
        a, b = read_log(log_a), read_log(log_b)
    except CutoverError as exc:
        _fail(exc)
        return
    console.print(f"A: {escape(label(a))}\nB: {escape(label(b))}")
    table = Table(title="per case (A → B)")
    for column in ("case", "change", "parity", "attempts", "tokens", "cost", "verdict"):
        table.add_column(column)
    style = {"fixed": "green", "broken": "bold red"}
    for d in case_deltas(a, b):
        def cell(stats: Any, attr: str) -> str:
            value = getattr(stats, attr) if stats is not None else None
            return "—" if value is None else f"{value:.2f}"
        change = f"[{style[d.change]}]{d.change}[/]" if d.change in style else d.change
        verdicts = " → ".join("/".join(s.verdicts) if s else "—" for s in (d.a, d.b))
        table.add_row(d.id, change, f"{cell(d.a, 'parity')} → {cell(d.b, 'parity')}",
                      f"{cell(d.a, 'attempts')} → {cell(d.b, 'attempts')}",
                      f"{cell(d.a, 'tokens')} → {cell(d.b, 'tokens')}",
                      " → ".join(format_cost(s.cost if s else None) for s in (d.a, d.b)),
                      verdicts)
    console.print(table)
    for key, item in summary_delta(a, b).items():
        fa = format_summary(key, item["a"]) if isinstance(item["a"], dict) else str(item["a"])
        fb = format_summary(key, item["b"]) if isinstance(item["b"], dict) else str(item["b"])
        delta = "—" if item["delta"] is None else f"{item['delta']:+g}"
        console.print(f"{key:>13}: {fa}  →  {fb}   ({delta})")
    out = html_path or log_b.with_name(f"compare-{log_a.stem}-vs-{log_b.stem}.html")
    html.write(a, b, out)
    console.print(f"HTML: {out}")


@eval_app.command("list")
def list_cmd(workdir: Workdir = Path("eval-runs")) -> None:
    """List the suites and the eval logs under --workdir."""
    from evals.catalog import list_suites
    from evals.log import list_logs

    table = Table(title="suites")
    for column in ("suite", "source dialect", "cases", "description"):
        table.add_column(column, overflow="fold")
    for info in list_suites():
        table.add_row(info.name, info.source_dialect, str(info.cases or "—"),
                      escape(info.error or info.description[:80]))
    console.print(table)
    logs = list_logs(workdir)
    table = Table(title=f"eval logs in {workdir}")
    for column in ("started", "suite", "pair", "mode", "model", "parity", "log"):
        table.add_column(column, overflow="fold")
    for item in logs:
        table.add_row(item.started, item.suite, item.pair, item.mode,
                      item.model or "deterministic",
                      "—" if item.parity is None else f"{item.parity:.3f}", str(item.path))
    console.print(table if logs else f"no eval logs in {workdir}")


@eval_app.command("rescore")
def rescore_cmd(
    log_path: Annotated[Path, typer.Argument(help="Eval log to score again.")],
    out: Annotated[Path | None, typer.Option("--json", help="Write here ('-': standard "
                                             "output; default: in place).")] = None,
) -> None:
    """Re-score a stored log with the current scorers, without re-running anything."""
    from evals.log import read_log, write_log
    from evals.scorers import rescore

    try:
        log = rescore(read_log(log_path))
    except CutoverError as exc:
        _fail(exc)
        return
    if out == STDOUT:
        from tools.secrets import redact

        sys.stdout.write(redact(json.dumps(log, indent=1, default=str, ensure_ascii=False))
                         + "\n")
        print_log(log, err)
    else:
        write_log(log, out or log_path)
        print_log(log)
