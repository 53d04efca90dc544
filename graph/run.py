"""run_migration: one run end to end — run folder, spec, trace, checkpointer, connections,
the graph, and the explicit post-run steps (--apply, sandbox clean-up)."""

from __future__ import annotations

import json
import platform
import sqlite3
import subprocess
import time
from collections.abc import Callable
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path
from typing import Any

from langgraph.checkpoint.sqlite import SqliteSaver

from agents.llm import chat_model_from_context
from graph.builder import build_graph
from graph.context import Context
from graph.state import MigrationState
from graph.wave_pool import WavePool
from prompts.loader import prompt_set_hashes
from tools import stop  # interrupt (issue 14)
from tools.db.connections import Connections
from tools.errors import CutoverError
from tools.outcomes import forget_outcome
from tools.records import Report, Verdict
from tools.runlock import ProjectLock
from tools.runlog import CHECKPOINTS, EVENTS, SPEC
from tools.secrets import Redactor
from tools.trace import Tracer

Progress = Callable[[str, dict[str, Any]], None]
STOP_WAIT_S = 5.0
"""How long a stopped run waits for the objects in flight to end once their statements were
cancelled (they end at their next safe point, normally within milliseconds) before it closes
their connections; they are redone on --resume."""
PACKAGES = ("langgraph", "langchain-openai", "sqlglot", "sqlalchemy", "datacompy", "duckdb",
            "pyarrow", "pydantic")


@dataclass
class RunOutcome:
    run_id: str
    run_dir: Path
    state: MigrationState
    typed_report: Report | None
    """report.json read back through its model: what the CLI and the evals read."""

    @property
    def report(self) -> dict[str, Any] | None:
        """The plain JSON form of the same report (for scripts and tests that index it)."""
        return self.typed_report.as_json() if self.typed_report is not None else None


def _versions() -> dict[str, str]:
    out = {"python": platform.python_version()}
    for pkg in PACKAGES:
        try:
            out[pkg] = metadata.version(pkg)
        except metadata.PackageNotFoundError:
            out[pkg] = "missing"
    return out


def _git_rev() -> str | None:
    try:
        done = subprocess.run(["git", "rev-parse", "--short", "HEAD"], capture_output=True,
                              text=True, timeout=5, cwd=Path(__file__).parent)
        return done.stdout.strip() or None
    except (OSError, subprocess.SubprocessError):
        return None


def _prompt_hashes(prompt_set: str) -> dict[str, str] | str:
    try:
        return prompt_set_hashes(prompt_set)
    except CutoverError as exc:  # a bad prompt set only matters once the LLM is called
        return f"unavailable: {exc}"


def engine_label(ctx: Context) -> str:
    if ctx.llm_enabled:
        return f"llm:{ctx.llm_model or 'custom'} ({ctx.llm_mode}) + sqlglot + rules"
    return "deterministic (sqlglot + rule catalog; no LLM configured)"


def _write_spec(ctx: Context, redactor: Redactor, project: str) -> None:
    spec = {
        "run_id": ctx.run_id, "project": project, "project_dir": str(ctx.project_dir),
        "started": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()), "started_ts": time.time(),
        "source": {"url": ctx.source_url, "dialect": ctx.source_dialect},
        "target": {"url": ctx.target_url, "dialect": ctx.target_dialect},
        "engine": engine_label(ctx), "sandbox": ctx.sandbox,
        "settings": {"max_attempts": ctx.max_attempts, "loader": ctx.loader_mode,
                     "llm_mode": ctx.llm_mode, "llm_model": ctx.llm_model,
                     "llm_base_url": ctx.llm_base_url, "prompt_set": ctx.prompt_set,
                     "privacy": ctx.privacy, "float_tolerance": vars(ctx.float_tolerance)},
        "prompts": _prompt_hashes(ctx.prompt_set), "versions": _versions(),
        "git_rev": _git_rev(), "extra": ctx.extra,
    }
    (ctx.run_dir / SPEC).write_text(json.dumps(redactor.data(spec), indent=2, default=str),
                                    encoding="utf-8")


def run_migration(ctx: Context, *, project: str = "project", resume: bool = False,
                  progress: Progress | None = None) -> RunOutcome:
    """Run (or resume) one migration. CutoverErrors from planning reach the caller; per-object
    problems become verdicts in the report."""
    lock = ProjectLock(ctx.project_dir, ctx.run_id).acquire()  # before anything is written
    try:
        return _run_locked(ctx, project=project, resume=resume, progress=progress)
    finally:
        lock.release()


def _run_locked(ctx: Context, *, project: str, resume: bool,
                progress: Progress | None) -> RunOutcome:
    ctx.run_dir.mkdir(parents=True, exist_ok=True)
    redactor = Redactor([ctx.llm_api_key or ""])
    for url in (ctx.source_url, ctx.target_url):
        redactor.add(_password(url))
    ctx.tracer = Tracer(ctx.run_dir / EVENTS, redactor)
    if ctx.chat_model is None and ctx.llm_mode != "off" and ctx.llm_model:
        # The LLM's own timeout and completion cap ([llm] timeout_s / max_tokens), not the
        # databases' statement timeout.
        ctx.chat_model = chat_model_from_context(ctx)
    if not resume:
        _write_spec(ctx, redactor, project)
    ctx.connections = Connections(ctx.source_url, ctx.target_url, ctx.tracer,
                                  ctx.statement_timeout_s, ctx.sandbox, _workers(ctx),
                                  allow_privileged_source=ctx.allow_privileged_source)
    ctx.tracer.event("resume" if resume else "run_start", engine=engine_label(ctx))
    conn = sqlite3.connect(ctx.run_dir / CHECKPOINTS, check_same_thread=False)
    # The wave's objects run in this pool (Context.workers at once), which a stop empties.
    pool = WavePool(_workers(ctx), stopped=stop.requested)
    connections = ctx.connections

    def stop_objects() -> None:
        # Ctrl-C reaches the main thread only: queued objects never start, and the statements
        # of those in flight are cancelled (they end before the connections close, below).
        dropped = pool.stop()
        connections.interrupt_all()
        ctx.tracer.event("stop_objects", dropped=dropped)

    forget_interrupt = stop.on_request(stop_objects)
    try:
        graph = build_graph(checkpointer=SqliteSaver(conn))
        config = {"configurable": {"thread_id": ctx.run_id, **pool.runner_config()},
                  "recursion_limit": 1_000_000, "max_concurrency": _workers(ctx)}
        # A run killed before its first checkpoint (right after spec.json) has nothing to
        # continue from: resuming it starts it, rather than failing on an empty thread.
        started = resume and graph.get_state(config).created_at is not None
        if started:
            _reopen_unfinished(ctx, graph, config)
        payload: MigrationState | None = None if started else {}
        # durability="sync": each finished object's outcome is on disk before the next one
        # starts, so a killed run redoes only the objects in flight.
        for update in graph.stream(payload, config, context=ctx, stream_mode="updates",
                                   durability="sync"):
            for node, change in update.items():
                if progress is not None:
                    progress(node, change or {})
            stop.raise_if_requested()  # interrupt (issue 14): a safe point between steps
        state: MigrationState = graph.get_state(config).values
        _post_run(ctx, state)
        ctx.tracer.event("run_end")
    finally:
        forget_interrupt()
        pool.close(STOP_WAIT_S)
        ctx.connections.close()
        conn.close()
    report_path = ctx.run_dir / "report.json"
    report = Report.load(report_path) if report_path.exists() else None
    return RunOutcome(ctx.run_id, ctx.run_dir, state, report)


def _reopen_unfinished(ctx: Context, graph: Any, config: dict[str, Any]) -> None:
    """A resumed run redoes the objects whose verdict was not final (a lost connection, a
    timeout, an unreachable LLM: ObjectOutcome.retry) and the dependants they blocked, even
    when the run had finished. Their outcomes are removed from the state and the run folder,
    and the graph goes back to scheduling; every other outcome is kept."""
    values = graph.get_state(config).values
    outcomes, objects = values.get("outcomes") or {}, values.get("objects") or {}
    reopen = {name for name, outcome in outcomes.items() if outcome.get("retry")}
    grew = bool(reopen)
    while grew:
        blocked_by_them = {name for name, outcome in outcomes.items()
                           if name not in reopen and outcome["verdict"] == Verdict.BLOCKED
                           and reopen.intersection(objects[name]["depends_on"])}
        reopen |= blocked_by_them
        grew = bool(blocked_by_them)
    if not reopen:
        return
    for name in reopen:
        forget_outcome(ctx.run_dir, name)
    # As if the loader had just finished: `schedule` sends the reopened objects again.
    graph.update_state(config, {"outcomes": {name: None for name in reopen}}, as_node="loader")
    ctx.tracer.event("reopen", objects=sorted(reopen))


def _workers(ctx: Context) -> int:
    """Objects migrated at once. A SQLite target takes one writer at a time, so it gets one."""
    if ctx.target_url.startswith("sqlite"):
        return 1
    return max(1, ctx.workers)


def _password(url: str) -> str | None:
    from sqlalchemy.engine import make_url
    from sqlalchemy.exc import ArgumentError

    try:
        return make_url(url).password
    except ArgumentError:
        return None


def _post_run(ctx: Context, state: MigrationState) -> None:
    """The explicit steps after the graph: the dbt project (when asked), promote verified
    objects, then clean the sandbox."""
    if not (state.get("objects") and ctx.connections):
        return
    if ctx.dbt_dir is not None:
        _dbt_output(ctx, state)
    target = ctx.target()
    if not target.RUNS_HERE:
        return
    if ctx.apply:
        _apply(ctx, state, target)
    if not ctx.keep_sandbox:
        schemas = [ctx.sandbox]
        if ctx.dbt_dir is not None:  # where dbt built the models: a sibling of the sandbox
            from tools.dbt.export import dbt_schema

            schemas.insert(0, dbt_schema(ctx.sandbox))
        for schema in schemas:
            # the guard lets a target drop only the schema it is in: enter each one first
            target.create_sandbox(schema)
            target.drop_sandbox(schema)
            ctx.tracer.event("sandbox_dropped", sandbox=schema)


def _dbt_output(ctx: Context, state: MigrationState) -> None:
    """--dbt: write, build and prove the dbt project (tools/dbt), then add it to the report.
    dbt opens the target itself, so the run's connections are closed first (they reopen on
    the next use)."""
    from tools.catalog import foreign_keys
    from tools.dbt.export import export_dbt_project
    from tools.dbt.procedures import catalog_routines
    from tools.dbt.records import DbtRequest
    from tools.dbt.report import attach

    assert ctx.connections is not None and ctx.dbt_dir is not None
    fks = foreign_keys(ctx.source_url, ctx.source())
    definitions = catalog_routines(ctx.source(), ctx.source_include)
    ctx.connections.close()
    request = DbtRequest(
        project=json.loads((ctx.run_dir / SPEC).read_text(encoding="utf-8"))["project"],
        out_dir=ctx.dbt_dir, run_dir=ctx.run_dir, source_url=ctx.source_url,
        source_dialect=ctx.source_dialect, target_url=ctx.target_url,
        target_dialect=ctx.target_dialect, sandbox=ctx.sandbox,
        objects=state["objects"], order=state.get("order") or [],
        results={n: {**o, "status": str(o["verdict"])}
                 for n, o in (state.get("outcomes") or {}).items()},
        base_tables=state.get("base_tables") or [],
        foreign_keys=fks, tolerances=ctx.column_tolerances, default_float=ctx.float_tolerance,
        routine_definitions=definitions, procedure_args=ctx.procedure_args)
    for name, verdict in attach(ctx.run_dir, export_dbt_project(request, ctx.tracer),
                                ctx.tracer.redactor):
        ctx.tracer.event("routine_verdict", object=name, verdict=verdict)


def _apply(ctx: Context, state: MigrationState, target: Any) -> None:
    """--apply: copy loaded base tables, then every object at parity, to the real schema."""
    promotions: list[tuple[str, str, str]] = []
    if ctx.loader_mode == "copy":
        promotions += [(t["table"], "table_as_select",
                        f"SELECT * FROM {target.qualified(t['table'])}")
                       for t in state.get("loaded") or [] if t["ok"]]
    outcomes = state.get("outcomes") or {}
    for name in state.get("order") or []:
        result, spec = outcomes[name], state["objects"][name]
        if Verdict.parity(result["verdict"]) and spec["kind"] in ("view", "table_as_select"):
            promotions.append((name, spec["kind"], result["candidate_sql"] or ""))
    for name, kind, sql in promotions:
        try:
            target.promote(name, kind, sql)
            ctx.tracer.event("apply", object=name, object_kind=kind, ok=True)
        except CutoverError as exc:
            ctx.tracer.event("apply", object=name, object_kind=kind, ok=False, error=str(exc))
