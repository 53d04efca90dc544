"""The `cutover` command: parses arguments and calls graph.run / tools. Nothing else."""

from __future__ import annotations

import os
import secrets
import shutil
import sys
import time
import traceback
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.markup import escape

from cutover import config as cfgmod
from cutover import views
from cutover.diff_cli import diff_command
from cutover.eval_cli import eval_app
from tools.errors import CutoverError
from tools.secrets import redact

app = typer.Typer(add_completion=False, no_args_is_help=True, pretty_exceptions_enable=False,
                  help="Migrate a SQL codebase between databases and prove it with the data.")
app.add_typer(eval_app, name="eval")
console = Console()
err = Console(stderr=True)

RunsDir = Annotated[Path, typer.Option("--runs-dir", help="Folder holding run folders.")]
EXAMPLES = Path(__file__).resolve().parents[1] / "examples"


def _fail(exc: BaseException, code: int = 2) -> None:
    err.print(f"[bold red]error:[/] {escape(str(exc))}", highlight=False)
    raise typer.Exit(code)


def new_run_id() -> str:
    return time.strftime("%Y%m%d-%H%M%S") + "-" + secrets.token_hex(2)


@app.command()
def run(
    project_dir: Annotated[Path, typer.Argument(help="Folder with cutover.toml.")] = Path("."),
    resume: Annotated[str | None, typer.Option(help="Resume this killed run.")] = None,
    run_id: Annotated[str | None, typer.Option(help="Name the run (default: timestamp).")] = None,
    runs_dir: RunsDir = Path("runs"),
    max_attempts: Annotated[int | None, typer.Option(help="Override [run] max_attempts.")] = None,
    apply: Annotated[bool, typer.Option("--apply", help="Promote objects at parity from the "
                                        "sandbox to the target's real schema.")] = False,
    llm: Annotated[str | None, typer.Option(help="Override [llm] mode: auto, off, always.")] = None,
) -> None:
    """Migrate PROJECT_DIR: translate, compile, diff and fix every object; write a report."""
    if resume:
        try:
            project_dir = views.project_of_run(runs_dir, resume)
        except CutoverError as exc:
            _fail(exc)
    _run_project(project_dir, run_id=resume or run_id or new_run_id(), runs_dir=runs_dir,
                 resume=bool(resume), overrides={"max_attempts": max_attempts, "apply": apply,
                                                 "llm_mode": llm})


def _run_project(project_dir: Path, *, run_id: str, runs_dir: Path, resume: bool,
                 overrides: dict) -> None:
    from graph.run import run_migration  # heavy imports only for commands that run

    try:
        ctx, cfg = cfgmod.build_context(project_dir, run_id, runs_dir.resolve(), overrides)
        if cfg.source.seed:
            cfgmod.seed_source(ctx, cfg)
        outcome = views.with_progress(console, lambda progress: run_migration(
            ctx, project=cfg.project.name, resume=resume, progress=progress))
    except CutoverError as exc:
        _fail(f"{exc}\n(run {run_id}: anything finished is kept in {runs_dir / run_id}; "
              f"after fixing the cause, `cutover run --resume {run_id}` continues it)"
              if (runs_dir / run_id / "spec.json").exists() else exc)
        return
    except Exception as exc:  # a bug of ours: keep the details, tell the user how to go on
        crash = runs_dir / run_id / "crash.txt"
        crash.parent.mkdir(parents=True, exist_ok=True)
        crash.write_text(redact(traceback.format_exc()), encoding="utf-8")
        _fail(f"internal error ({type(exc).__name__}: {exc}). This is a bug in Cutover; the "
              f"details are in {crash}. Finished work is kept: `cutover run --resume {run_id}` "
              f"continues the run.", code=3)
        return
    views.print_summary(console, outcome.report, outcome.run_dir)
    if outcome.report and not views.all_at_parity(outcome.report):
        raise typer.Exit(1)


@app.command()
def demo(
    workdir: Annotated[Path, typer.Option("--dir", help="Where to put the demo project.")] =
    Path("cutover-demo"),
    example: Annotated[str, typer.Option(help="Example under examples/.")] = "shop",
) -> None:
    """Migrate the bundled example (SQLite → DuckDB) with no server and no LLM."""
    source = EXAMPLES / example
    if not (source / "cutover.toml").is_file():
        _fail(f"no example {example!r} in {EXAMPLES}")
    if not (workdir / "cutover.toml").exists():
        shutil.copytree(source, workdir, dirs_exist_ok=True,
                        ignore=shutil.ignore_patterns("data", "runs"))
        console.print(f"Copied example [bold]{example}[/] to {workdir}/")
    _run_project(workdir, run_id=new_run_id(), runs_dir=workdir / "runs", resume=False,
                 overrides={"llm_mode": "off"})


@app.command()
def runs(runs_dir: RunsDir = Path("runs")) -> None:
    """List runs with their verdict counts."""
    views.print_runs(console, runs_dir)


@app.command()
def trace(
    run_id: Annotated[str, typer.Argument(help="Run id (see `cutover runs`).")],
    object_name: Annotated[str | None, typer.Option("--object", help="Only this object.")] = None,
    node: Annotated[str | None, typer.Option(help="Only this node.")] = None,
    llm: Annotated[bool, typer.Option("--llm", help="Show the LLM conversations (messages, "
                                      "replies, tokens, cost) instead of the timeline.")] = False,
    runs_dir: RunsDir = Path("runs"),
) -> None:
    """Print the run's timeline: nodes, SQL (with side), versions, diffs, LLM calls, errors."""
    try:
        if llm:
            from cutover.llm_views import print_llm_transcripts

            print_llm_transcripts(console, runs_dir, run_id, object_name)
            return
        views.print_trace(console, runs_dir, run_id, object_name, node)
    except CutoverError as exc:
        _fail(exc)


@app.command()
def translate(
    file: Annotated[Path, typer.Argument(help="SQL file to translate.")],
    from_dialect: Annotated[str, typer.Option("--from", help="sqlglot dialect of the file.")],
    to_dialect: Annotated[str, typer.Option("--to", help="sqlglot dialect to write.")],
    llm: Annotated[bool, typer.Option("--llm", help="Ask the LLM of the project's [llm] "
                                      "section for statements sqlglot cannot carry.")] = False,
    project: Annotated[Path, typer.Option(help="Project folder whose cutover.toml holds [llm] "
                                          "(with --llm).")] = Path("."),
) -> None:
    """Translate one file; exit 1 naming each construct it cannot carry and each function the
    target lacks (with --llm, after the LLM tried those statements)."""
    if not file.is_file():
        _fail(f"no such file: {file}")
    translator = None
    if llm:
        from cutover.translate_llm import translator_from_project

        try:
            translator = translator_from_project(project)
        except CutoverError as exc:
            _fail(exc)
    ok = views.translate_file(console, err, file, from_dialect, to_dialect, translator)
    if not ok:
        raise typer.Exit(1)


app.command("diff")(diff_command)


def main() -> None:  # pragma: no cover - console entry
    # Checkpoints hold plain data only; strict msgpack refuses anything else on resume.
    os.environ.setdefault("LANGGRAPH_STRICT_MSGPACK", "true")
    try:
        app()
    except KeyboardInterrupt:
        err.print("interrupted; resume with `cutover run --resume RUN_ID`")
        sys.exit(130)
