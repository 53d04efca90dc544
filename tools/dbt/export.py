"""The dbt output of a finished run, end to end: plan the models (reading result types from the
run's sandbox), write the project, build it with dbt in-process on the target, diff every
model against its source object, and return the typed outcome (also written as dbt.json).

A translate-only target (no engine here: T-SQL, Oracle, ...) gets the same project in its
dialect, planned without an engine (sqlglot types the columns) and neither built nor proven:
no scratch copy runs the procedures, every model ends `skipped` saying so, and the outcome
says how to build it where the adapter and the server exist."""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from typing import Any, cast

import pyarrow as pa

from tools.db.base import Adapter
from tools.db.registry import adapter_class, open_adapter
from tools.db.translate_only import TranslateOnlyAdapter
from tools.dbt.dag import render_svg
from tools.dbt.functions import FunctionWork, plan_functions
from tools.dbt.plan import ProjectPlan, dbt_name, plan_project
from tools.dbt.procedures import (
    ProcedureWork,
    add_function_models,
    add_functions,
    add_inout_models,
    add_procedure_models,
    column_defaults,
    find_routines,
    invocations,
    prepare,
    prove_queries,
    type_definitions,
    unreadable,
)
from tools.dbt.profiles import PASSWORD_ENV, adapter_for, secrets_env
from tools.dbt.records import DbtOutcome, DbtRequest, ModelOutcome
from tools.dbt.resultsets import add_result_models
from tools.dbt.runner import BuildResult, dbt_build
from tools.dbt.verify import diff_model
from tools.dbt.writer import write_project
from tools.errors import CutoverError
from tools.procedures.functions import composite_types
from tools.procedures.random_stream import MACRO as RANDOM_MACRO
from tools.procedures.random_stream import PROOF_VAR, PROVEN_NOTE
from tools.secrets import Redactor
from tools.trace import NullTracer, Tracer

OUTCOME_FILE = "dbt.json"


def dbt_schema(sandbox: str) -> str:
    """Where dbt builds the models: a sibling of the run's sandbox, named after it, so the
    run's own candidates in the sandbox are left as the run verified them."""
    return f"{sandbox}_dbt"


def export_dbt_project(req: DbtRequest, tracer: Tracer | None = None,
                       progress: Callable[[str], None] | None = None) -> DbtOutcome:
    """Write, build and prove the run's dbt project. The run's connections must be closed
    (dbt opens the target itself). Failures become the outcome's error, never a crash."""
    tracer = tracer or NullTracer()
    say = progress or (lambda _msg: None)
    builds = adapter_class(req.target_url).RUNS_HERE
    # a translate-only project is built by its user: in a schema named after the project
    schema = dbt_schema(req.sandbox) if builds else dbt_name(req.project)
    try:
        kind = adapter_for(req.target_url, req.target_dialect)
        say("planning dbt models")
        plan, expected = _plan(req, tracer)
        write_project(plan, req.out_dir, target_url=req.target_url, schema=schema,
                      source_schema=req.sandbox if builds else None,
                      target_dialect=req.target_dialect)
    except CutoverError as exc:
        return _save(req, DbtOutcome(str(req.out_dir), "?", schema, False, 0.0, error=str(exc)))
    if not builds:
        return _save(req, _written_only(req, plan, kind, schema))
    say("dbt build")
    # the proof's build: numbered draws are the shared deterministic stream the originals ran
    # with on their scratch copies (the project itself keeps random() by default)
    build = dbt_build(req.out_dir, secrets_env(req.target_url),
                      variables={PROOF_VAR: True} if RANDOM_MACRO in plan.macros else None)
    tracer.event("dbt_build", ok=build.ok, seconds=build.seconds, models=len(build.models))
    outcome = DbtOutcome(str(req.out_dir), kind, schema, build.ok, build.seconds,
                         left_out=plan.left_out, build_log=build.log,
                         error=build.errors.get("dbt"))
    outcome.models = _outcomes(plan, build)
    say("diffing dbt models")
    _diff_all(req, plan, outcome, schema, tracer, expected)
    for model, done in zip(plan.models, outcome.models, strict=True):
        if PROVEN_NOTE in model.description and done.diff_summary:
            done.diff_summary += f"; {PROVEN_NOTE}"
    outcome.ok = build.ok and all(m.verdict.startswith("parity") for m in outcome.models
                                  if m.layer != "staging")
    verdicts = {m.name: (m.verdict if m.layer != "staging" else
                         "parity" if m.build_status == "success" else "error")
                for m in outcome.models}
    outcome.dag_svg = render_svg({m.name: m.depends_on for m in plan.models}, verdicts)
    return _save(req, outcome)


def build_command(project_dir: str) -> str:
    return f"dbt build --project-dir {project_dir} --profiles-dir {project_dir}"


def _written_only(req: DbtRequest, plan: ProjectPlan, kind: str, schema: str) -> DbtOutcome:
    """The outcome of a project written for a translate-only target: nothing built, nothing
    diffed, so no model is at parity and each says why."""
    reason = (f"{req.target_dialect} is translate-only here: the project was written, not "
              f"built (dbt build not run) and not proven")
    hint = (f"build it where dbt-{kind} and the server exist: {build_command(str(req.out_dir))} "
            f"(the password in the environment variable {PASSWORD_ENV})")
    outcome = DbtOutcome(str(req.out_dir), kind, schema, False, 0.0, left_out=plan.left_out,
                         built=False, how_to_build=hint)
    outcome.models = [ModelOutcome(name=m.name, layer=m.layer, materialized=m.materialized,
                                   build_status="not built", verdict="skipped",
                                   reason=reason, precondition=m.precondition)
                      for m in plan.models]
    outcome.dag_svg = render_svg({m.name: m.depends_on for m in plan.models},
                                 {m.name: "skipped" for m in plan.models})
    return outcome


def _plan(req: DbtRequest, tracer: Tracer) -> tuple[ProjectPlan, dict[str, pa.Table]]:
    """The project's plan, with the procedures' models and their expected tables (from the
    scratch runs). Tables only procedures touch are loaded into the run's sandbox first.
    On a translate-only target the tables are only noted (nothing runs there) and nothing
    runs on a scratch copy: there is no build to compare with."""
    routines = find_routines(req.objects, req.routine_definitions, req.source_dialect)
    source = open_adapter(req.source_url, "source", tracer) if routines else None
    target = open_adapter(req.target_url, "target", tracer)
    try:
        target.create_sandbox(req.sandbox)  # re-enters the run's sandbox (idempotent)
        if not target.RUNS_HERE:  # the columns of the tables the models read, for sqlglot
            offline = cast(TranslateOnlyAdapter, target)
            offline.dialect_name = req.target_dialect
            for table in req.base_tables:
                offline.create_table(table["name"], table["columns"])
        work, functions = ProcedureWork(), FunctionWork()
        schema: dict[str, dict[str, str]] = {}
        if source is not None:
            catalog = {t["name"].lower(): t for t in source.tables()}
            schema = {n: {c["name"].lower(): c["canonical"] for c in t["columns"]}
                      for n, t in catalog.items()}
            functions = plan_functions(routines, req.objects, schema, req.source_dialect,
                                       req.target_dialect, given={
                                           k: {p.lower(): str(v) for p, v in vals.items()}
                                           for k, vals in req.procedure_args.items()},
                                       types=composite_types(type_definitions(req.objects)))
            work = prepare([r for r in routines if r.name not in functions.handled],
                           catalog, req.source_dialect,
                           extra=[t for f in functions.models for t in f.tables],
                           defaults=column_defaults(source),
                           types=type_definitions(req.objects),
                           helpers_too=[r for r in routines if r.name in functions.handled])
            loaded = {t["name"].lower() for t in req.base_tables}
            for table in work.tables:
                if table["name"].lower() not in loaded:
                    _load(source, target, table)
        plan = plan_project(req, target, work.tables)
        plan.left_out += work.left_out + functions.left_out + unreadable(
            req.routine_definitions, req.source_dialect)
        plan.macros.update(functions.macros)
        # values the codebase invokes a routine with, overridden by [output.procedures]
        args = {**invocations(req.objects, routines, req.source_dialect)}
        for name, given in req.procedure_args.items():
            args[name] = {**args.get(name, {}), **given}
        add_functions(plan, work, args, target, req.source_dialect,
                      req.target_dialect)
        expected: dict[str, pa.Table] = {}
        if source is not None and target.RUNS_HERE:
            expected |= prove_queries(plan, work, routines, source=source,
                                      source_url=req.source_url)
        if source is not None and functions.models:
            expected.update(add_function_models(
                plan, functions, work, routines, source=source, source_url=req.source_url,
                target=target, target_dialect=req.target_dialect, schema=schema,
                source_dialect=req.source_dialect))
        if source is not None and work.rewrites:
            expected |= add_procedure_models(
                plan, work, args, source=source, source_url=req.source_url,
                target=target, source_dialect=req.source_dialect,
                target_dialect=req.target_dialect, schema=schema)
        if source is not None and work.results:  # read-only MySQL procedures
            expected |= add_result_models(
                plan, work.results, functions, routines, work.tables, args, source=source,
                source_url=req.source_url, target=target, source_dialect=req.source_dialect,
                target_dialect=req.target_dialect, schema=schema)
        if source is not None and work.inout:
            expected |= add_inout_models(
                plan, work, args, source=source, source_url=req.source_url, target=target,
                source_dialect=req.source_dialect, target_dialect=req.target_dialect)
        return plan, expected
    finally:
        target.close()
        if source is not None:
            source.close()


def _load(source: Adapter, target: Adapter, table: Mapping[str, Any]) -> None:
    """A table only a procedure touches, copied like the loader copies base tables (only
    noted on a translate-only target)."""
    target.create_table(table["name"], table["columns"], table.get("primary_key"))
    if not target.RUNS_HERE:
        return
    for batch in source.read_batches(f"SELECT * FROM {source.quote(table['name'])}",
                                     batch_rows=50_000):
        target.append_arrow(table["name"], batch)


def _outcomes(plan: ProjectPlan, build: BuildResult) -> list[ModelOutcome]:
    out = []
    for model in plan.models:
        tests = build.tests.get(model.name, [])
        out.append(ModelOutcome(
            name=model.name, layer=model.layer, materialized=model.materialized,
            build_status=build.models.get(model.name, "not built"),
            tests_passed=sum(1 for _, s in tests if s == "pass"),
            tests_failed=sum(1 for _, s in tests if s != "pass"),
            error=build.errors.get(model.name), precondition=model.precondition))
    return out


def _diff_all(req: DbtRequest, plan: ProjectPlan, outcome: DbtOutcome, schema: str,
              tracer: Tracer, expected: dict[str, pa.Table]) -> None:
    by_name = {m.name: m for m in outcome.models}
    built = [m for m in plan.models
             if m.source_object and by_name[m.name].build_status == "success"]
    if not built:
        return
    source = open_adapter(req.source_url, "source", tracer)
    target = open_adapter(req.target_url, "target", tracer)
    redactor = getattr(tracer, "redactor", None) or Redactor([])
    try:
        for model in built:
            try:
                diff_model(model, by_name[model.name], source=source, target=target,
                           schema=schema, run_dir=req.run_dir, tolerances=req.tolerances,
                           default_float=req.default_float, redactor=redactor,
                           expected=expected.get(model.name))
            except Exception as exc:  # one model's diff (e.g. a name twice) spoils no other
                by_name[model.name].verdict = "error"
                by_name[model.name].error = f"the diff failed: {type(exc).__name__}: " \
                    f"{str(exc).splitlines()[0][:200]}"
            tracer.event("dbt_diff", model=model.name, verdict=by_name[model.name].verdict)
    finally:
        source.close()
        target.close()


def _save(req: DbtRequest, outcome: DbtOutcome) -> DbtOutcome:
    req.run_dir.mkdir(parents=True, exist_ok=True)
    (req.run_dir / OUTCOME_FILE).write_text(json.dumps(outcome.to_dict(), indent=2),
                                            encoding="utf-8")
    return outcome
