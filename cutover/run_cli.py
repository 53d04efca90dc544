"""`cutover run` / `demo`: build the context, run the graph under the stop-signal handler and the
live progress display, and turn every way a run can end into one message and exit code."""

from __future__ import annotations

import gc
import traceback
from contextlib import nullcontext
from pathlib import Path
from typing import TYPE_CHECKING, Any

import typer

from cutover import config as cfgmod
from cutover.console import EXIT_INTERNAL, console, err, fail
from cutover.dialects import check_dialect
from cutover.interrupts import EXIT_INTERRUPTED, resume_hint, stop_on_signals, stopped_line
from cutover.otlp import OtlpExporter
from cutover.progress import RunProgress
from tools import stop
from tools.errors import CutoverError
from tools.secrets import redact

if TYPE_CHECKING:
    from graph.run import RunOutcome


def migrate(project_dir: Path, *, run_id: str, runs_dir: Path, resume: bool,
            overrides: dict[str, Any]) -> RunOutcome:
    from graph.run import run_migration

    run_dir = runs_dir / run_id
    hint = resume_hint(run_id, runs_dir)
    try:
        ctx, cfg = cfgmod.build_context(project_dir, run_id, runs_dir.resolve(), overrides)
        check_dialect(ctx.source_dialect, "[source] dialect")
        check_dialect(ctx.target_dialect, "[target] dialect")
        exporter = (OtlpExporter(cfg.trace.otlp_endpoint, run_id) if cfg.trace.otlp_endpoint
                    else nullcontext())
        with stop_on_signals():
            if cfg.source.seed:
                cfgmod.seed_source(ctx, cfg)
            try:
                with exporter, RunProgress(console):
                    return run_migration(ctx, project=cfg.project.name, resume=resume)
            finally:
                if isinstance(exporter, OtlpExporter) and exporter.error:
                    err.print(f"warning: {exporter.error}", markup=False, highlight=False)
    except KeyboardInterrupt as exc:  # tools.errors.Interrupted, or Ctrl-C before the handler
        _note_interrupt(run_dir, str(exc) or "SIGINT")
        started = (run_dir / "spec.json").exists()
        reason = stop.reason() if stop.requested() else str(exc) or "SIGINT"
        err.print(stopped_line(run_dir, reason, hint) if started
                  else "interrupted before the run started", highlight=False, markup=False,
                  soft_wrap=True)
        # Python's last garbage collection would walk every object the run made (3 s after a
        # 2,000-object run); everything that needs closing is closed, so leave it out.
        gc.freeze()
        raise typer.Exit(EXIT_INTERRUPTED) from None
    except CutoverError as exc:
        if (run_dir / "spec.json").exists():
            exc.args = (f"{exc}\n(run {run_id}: anything finished is kept in {run_dir}; after "
                        f"fixing the cause, `{hint}` continues it)",)
        fail(exc)
    except Exception as exc:  # a bug of ours: keep the details, tell the user how to go on
        crash = run_dir / "crash.txt"
        crash.parent.mkdir(parents=True, exist_ok=True)
        crash.write_text(redact(traceback.format_exc()), encoding="utf-8")
        fail(f"internal error ({type(exc).__name__}: {exc}). This is a bug in Cutover; the "
             f"details are in {crash}. Finished work is kept: `{hint}` continues the run.",
             code=EXIT_INTERNAL)


def _note_interrupt(run_dir: Path, reason: str) -> None:
    """An `interrupted` event in the run's trace, so the report and `cutover trace` show it."""
    from tools.runlog import EVENTS
    from tools.trace import Tracer

    if (run_dir / EVENTS).exists():
        Tracer(run_dir / EVENTS).event("interrupted", reason=reason, node=None, object=None)
