"""The `cutover` command: parses arguments and calls graph.run / tools. Nothing else.

Exit codes (every command): 0 all objects at parity / success, 1 some object not at parity
(or a translation that could not carry every statement), 2 usage or configuration error,
3 internal error (a Cutover bug; details saved), 130 interrupted (resume with --resume).

Heavy libraries (SQLAlchemy, sqlglot, LangGraph) are imported inside the commands that use
them, so `cutover --help` starts fast.
"""

from __future__ import annotations

import os
import secrets
import shutil
import sys
import time
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Literal

import typer

from cutover.console import console, err, fail
from cutover.diff_cli import diff_command
from cutover.eval_cli import eval_app
from cutover.interrupts import EXIT_INTERRUPTED
from tools.errors import CutoverError

if TYPE_CHECKING:
    from graph.run import RunOutcome

EXIT_CODES = ("Exit codes: 0 all at parity, 1 some object not at parity, 2 usage or config "
              "error, 3 internal error, 130 interrupted.")
app = typer.Typer(add_completion=False, no_args_is_help=True, pretty_exceptions_enable=False,
                  rich_markup_mode=None, context_settings={"help_option_names": ["-h", "--help"]},
                  help="Migrate a SQL codebase between databases and prove it with the data.\n\n"
                       + EXIT_CODES)
app.add_typer(eval_app, name="eval")

RunsDir = Annotated[Path, typer.Option("--runs-dir", help="Folder holding run folders.")]
EXAMPLES = Path(__file__).resolve().parents[1] / "examples"
DEMO_RUNS = Path("cutover-demo") / "runs"


def _version(value: bool) -> None:
    if value:
        from importlib.metadata import PackageNotFoundError, version

        try:
            typer.echo(f"cutover {version('cutover')}")
        except PackageNotFoundError:
            typer.echo("cutover (not installed as a package)")
        raise typer.Exit()


@app.callback()
def _main(version: Annotated[bool, typer.Option("--version", callback=_version, is_eager=True,
                                                help="Print the version and exit.")] = False
          ) -> None:
    """Migrate a SQL codebase between databases and prove it with the data."""


def new_run_id() -> str:
    return time.strftime("%Y%m%d-%H%M%S") + "-" + secrets.token_hex(2)


@app.command()
def run(
    project_dir: Annotated[Path, typer.Argument(help="Folder with cutover.toml.")] = Path("."),
    resume: Annotated[str | None, typer.Option(help="Resume this stopped run.")] = None,
    run_id: Annotated[str | None, typer.Option(help="Name the run (default: timestamp).")] = None,
    runs_dir: RunsDir = Path("runs"),
    max_attempts: Annotated[int | None, typer.Option(
        help="Override max_attempts of the [run] table (1-50).")] = None,
    apply: Annotated[bool, typer.Option("--apply", help="Promote objects at parity from the "
                                        "sandbox to the target's real schema.")] = False,
    llm: Annotated[Literal["auto", "off", "always"] | None, typer.Option(
        help="Override mode of the [llm] table.")] = None,
    allow_privileged_source: Annotated[bool, typer.Option(
        "--allow-privileged-source", help="Accept a source role that can write or is a "
        "superuser (refused by default; `cutover check` shows what the role can do).")] = False,
    dbt: Annotated[Path | None, typer.Option("--dbt", help="Also write the migration as a dbt "
                                             "project in DIR, build it and diff each model.")]
    = None,
    select: Annotated[list[str] | None, typer.Option(
        "--select", help="Only objects whose name matches NAME or GLOB (repeatable), and the "
        "codebase objects they read.")] = None,
) -> None:
    """Migrate PROJECT_DIR: translate, compile, diff and fix every object; write a report."""
    from cutover import overrides, views

    if resume:
        try:
            project_dir = views.project_of_run(runs_dir, resume)
        except CutoverError as exc:
            fail(exc)
    try:
        checked = overrides.validate(max_attempts=max_attempts, llm_mode=llm)
    except CutoverError as exc:
        fail(exc)
    _run_project(project_dir, run_id=resume or run_id or new_run_id(), runs_dir=runs_dir,
                 resume=bool(resume), overrides={
                     **checked, "apply": apply,
                     "allow_privileged_source": allow_privileged_source or None,
                     "dbt_dir": dbt.resolve() if dbt else None,
                     "select": list(select) if select else None})


def _run_project(project_dir: Path, *, run_id: str, runs_dir: Path, resume: bool,
                 overrides: dict) -> None:
    from cutover import views
    from cutover.run_cli import migrate  # heavy imports only for commands that run

    outcome: RunOutcome = migrate(project_dir, run_id=run_id, runs_dir=runs_dir, resume=resume,
                                  overrides=overrides)
    views.print_summary(console, outcome.typed_report, outcome.run_dir)
    if outcome.typed_report and not views.all_at_parity(outcome.typed_report):
        raise typer.Exit(1)


@app.command()
def demo(
    workdir: Annotated[Path, typer.Option("--dir", help="Where to put the demo project.")] =
    Path("cutover-demo"),
    example: Annotated[str, typer.Option(help="Example under examples/.")] = "shop",
    dbt: Annotated[bool, typer.Option("--dbt", help="Also write, build (dbt-duckdb) and prove "
                                      "the migration as a dbt project in DIR/dbt.")] = False,
) -> None:
    """Migrate the bundled example (SQLite → DuckDB) with no server and no LLM."""
    source = EXAMPLES / example
    if not (source / "cutover.toml").is_file():
        fail(f"no example {example!r} in {EXAMPLES}")
    if not (workdir / "cutover.toml").exists():
        shutil.copytree(source, workdir, dirs_exist_ok=True,
                        ignore=shutil.ignore_patterns("data", "runs"))
        console.print(f"Copied example [bold]{example}[/] to {workdir}/")
    _run_project(workdir, run_id=new_run_id(), runs_dir=workdir / "runs", resume=False,
                 overrides={"llm_mode": "off",
                            "dbt_dir": (workdir / "dbt").resolve() if dbt else None})


@app.command()
def runs(runs_dir: RunsDir = Path("runs")) -> None:
    """List runs with their verdict counts (also the demo's, in cutover-demo/runs)."""
    from cutover import views

    folders = [runs_dir]
    if runs_dir == Path("runs") and DEMO_RUNS.is_dir():
        folders.append(DEMO_RUNS)  # `cutover demo` keeps its runs inside its project folder
    for folder in folders:
        views.print_runs(console, folder)


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
    from cutover import views

    try:
        if llm:
            from cutover.llm_views import print_llm_transcripts

            print_llm_transcripts(console, runs_dir, run_id, object_name)
            return
        views.print_trace(console, runs_dir, run_id, object_name, node)
    except CutoverError as exc:
        fail(exc)


@app.command()
def translate(
    file: Annotated[Path, typer.Argument(help="SQL file to translate.")],
    from_dialect: Annotated[str, typer.Option("--from", help="sqlglot dialect of the file.")],
    to_dialect: Annotated[str, typer.Option("--to", help="sqlglot dialect to write.")],
    output: Annotated[Path | None, typer.Option("-o", "--output", help="Write the SQL here "
                                                "instead of standard output.")] = None,
    llm: Annotated[bool, typer.Option("--llm", help="Ask the LLM of the project's [llm] "
                                      "section for statements sqlglot cannot carry.")] = False,
    project: Annotated[Path, typer.Option(help="Project folder whose cutover.toml holds [llm] "
                                          "(with --llm).")] = Path("."),
) -> None:
    """Translate one file deterministically, comments kept, byte for byte to stdout or -o FILE;
    exit 1 naming each construct it cannot carry and each function the target lacks (with
    --llm, after the LLM tried those statements)."""
    from cutover.translate_cli import translate_to

    if not file.is_file():
        fail(f"no such file: {file}")
    try:
        translator = None
        if llm:
            from cutover.translate_llm import translator_from_project

            translator = translator_from_project(project)
        ok = translate_to(file, from_dialect, to_dialect, output, translator)
    except CutoverError as exc:
        fail(exc)
    if not ok:
        raise typer.Exit(1)


@app.command()
def init(
    source_url: Annotated[str, typer.Argument(help="Source database URL (read only).")],
    target_url: Annotated[str, typer.Argument(help="Target database URL.")],
    codebase: Annotated[list[str] | None, typer.Option(
        help="Glob of the SQL files (repeatable).")] = None,
    project_dir: Annotated[Path, typer.Option("--dir", help="Project folder.")] = Path("."),
    name: Annotated[str | None, typer.Option(help="Project name (default: folder name).")]
    = None,
    force: Annotated[bool, typer.Option(help="Replace an existing cutover.toml.")] = False,
) -> None:
    """Write a commented cutover.toml for SOURCE_URL -> TARGET_URL (then: cutover check)."""
    from cutover.init_cli import write_config

    try:
        path = write_config(project_dir, source_url, target_url, codebase or ["**/*.sql"],
                            name, force)
    except CutoverError as exc:
        fail(exc)
    console.print(f"wrote {path}; next: cutover check {project_dir}", markup=False)
    if any("@" in url and ":" in url.split("@")[0].split("//")[-1]
           for url in (source_url, target_url)):
        console.print("note: a password is in the file; prefer ${ENV_VAR} in the url "
                      "(expanded at run time, never logged)", markup=False)


@app.command()
def check(project_dir: Annotated[Path, typer.Argument(help="Folder with cutover.toml.")] =
          Path(".")) -> None:
    """Connect to both sides and show versions, dialects, whether the source session is
    read-only, the target's privileges and the sandbox a run would use. Writes nothing."""
    from cutover.check_cli import print_check

    try:
        print_check(project_dir)
    except CutoverError as exc:
        fail(exc)


app.command("diff")(diff_command)


def main() -> None:  # pragma: no cover - console entry
    # Checkpoints hold plain data only; strict msgpack refuses anything else on resume.
    os.environ.setdefault("LANGGRAPH_STRICT_MSGPACK", "true")
    try:
        app()
    except KeyboardInterrupt:
        err.print("interrupted", highlight=False)
        sys.exit(EXIT_INTERRUPTED)


QUICK_EXIT_COMMANDS = ("diff",)
"""Commands that leave nothing to write when they return: the report is written and closed,
the engines' connections are closed, and no thread is left running."""


def console_entry() -> None:  # pragma: no cover - the installed `cutover` script
    """main(), then for a command that leaves nothing behind an exit without tearing the
    interpreter down: freeing every module and DuckDB's and Arrow's buffers one by one takes
    ~0.13 s of a 1.2 s `cutover diff` (benchmarks/RESULTS.md), which a user waits for."""
    try:
        main()
    except SystemExit as exc:
        if sys.argv[1:2] and sys.argv[1] in QUICK_EXIT_COMMANDS:
            import logging

            code = exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
            if isinstance(exc.code, str):
                err.print(exc.code, highlight=False, markup=False)
            logging.shutdown()
            sys.stdout.flush()
            sys.stderr.flush()
            os._exit(code)
        raise
