"""Procedures and SQL functions in the dbt project.

A procedure becomes one model per table it writes (`<procedure>__<table>`, a table holding the
table's content after the procedure ran), from its set-based rewrite (tools/procedures), its
parameters dbt vars whose defaults are the invocation's values. Its proof: the procedure runs
with those values on a scratch copy of the source, and the tables it leaves there are what the
built models are diffed against. A scalar SQL function becomes a dbt macro.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from functools import partial
from typing import Any

import pyarrow as pa
import sqlglot
from sqlglot import exp
from sqlglot.errors import SqlglotError

from tools import sql as sqltools
from tools.db.base import Adapter
from tools.dbt import refs
from tools.dbt.facts import infer
from tools.dbt.fix import FixResult, fix_query
from tools.dbt.functions import FunctionWork
from tools.dbt.plan import ProjectPlan, _columns, dbt_name
from tools.dbt.records import DbtModel
from tools.errors import CutoverError
from tools.procedures.checks import checked_sql
from tools.procedures.functions import composite_types, composite_widths, translate_function
from tools.procedures.mysql_routines import LANGUAGE as MYSQL
from tools.procedures.parse import Routine, parse_routines
from tools.procedures.random_stream import (
    MACRO,
    PROVEN_NOTE,
    HelperOnly,
    NotNumbered,
    bind_draws,
    helper_definitions,
    inout_result,
    number_draws,
    shadow_session,
    uses_draws,
)
from tools.procedures.random_stream import macro as random_macro
from tools.procedures.randomness import random_reason, random_routines
from tools.procedures.resultsets import ResultSets, result_sets, writes_tables
from tools.procedures.scratch import SCRATCH_SCHEMA, queries_on_scratch, run_on_scratch
from tools.procedures.setbased import SetBased, rewrite, var_name, with_params
from tools.procedures.tablecalls import table_functions


@dataclass
class ProcedureWork:
    """The procedures and functions of a run, rewritten, before the project is planned."""

    rewrites: list[tuple[Routine, SetBased]] = field(default_factory=list)
    functions: list[Routine] = field(default_factory=list)
    left_out: list[dict[str, str]] = field(default_factory=list)
    tables: list[Mapping[str, Any]] = field(default_factory=list)
    """Source tables the procedures read or write (staged and loaded like base tables)."""
    queries: dict[str, str] = field(default_factory=dict)
    """Model of a routine returning a query -> the call of the original that proves it."""
    types: list[str] = field(default_factory=list)
    """The codebase's CREATE TYPE statements (a SETOF result's columns; made on the copy)."""
    helpers: dict[str, list[str]] = field(default_factory=dict)
    """Procedure whose draws are numbered (random_stream) -> the definitions its original
    calls: its proof runs it with the shared deterministic random stream."""
    results: list[tuple[Routine, ResultSets]] = field(default_factory=list)
    """Read-only MySQL procedures: their result sets and OUT values as queries
    (tools/dbt/resultsets.py makes their models)."""
    inout: dict[str, tuple[Routine, list[Routine], str]] = field(default_factory=dict)
    """A helper procedure that draws and only sets INOUT values -> (it, the codebase's
    routines, why it has no table model): its model is the one row its CALL returns."""


def type_definitions(objects: Mapping[str, Mapping[str, Any]]) -> list[str]:
    """The codebase's `CREATE TYPE` statements, as written."""
    return [o["source_sql"] for o in objects.values()
            if re.match(r"(?is)^\s*create\s+type\b", o["source_sql"])]


def find_routines(objects: Mapping[str, Mapping[str, Any]], definitions: list[str],
                  dialect: str) -> list[Routine]:
    """Routines in the codebase (statements the planner left unsupported) and from the
    source catalog (`definitions`), each name once, the codebase's first."""
    found: dict[str, Routine] = {}
    texts = [o["source_sql"] for o in objects.values() if "CREATE" in o["source_sql"].upper()]
    for text in [*texts, *definitions]:
        try:
            routines = parse_routines(text, dialect)
        except CutoverError:
            continue
        for routine in routines:
            found.setdefault(routine.name, routine)
    return list(found.values())


def unreadable(definitions: list[str], dialect: str) -> list[dict[str, str]]:
    """The source catalog's definitions that do not read as a routine, each with why (they
    would otherwise vanish from the project without a word)."""
    out = []
    for definition in definitions:
        try:
            parse_routines(definition, dialect)
        except CutoverError as exc:
            words = definition.split(None, 3)
            name = words[2].split("(", 1)[0].strip("`\"") if len(words) > 2 else "?"
            out.append({"object": name, "reason": f"its catalog definition does not read: "
                        f"{str(exc).splitlines()[0]}"})
    return out


def invocations(objects: Mapping[str, Mapping[str, Any]], routines: list[Routine],
                dialect: str) -> dict[str, dict[str, str]]:
    """Invocation values found in the codebase: `SELECT f(1, 'x')`, `SELECT * FROM f(...)` or
    `CALL p(...)` with literal arguments only (ProcBench ships one beside each routine)."""
    by_name = {r.name: r for r in routines}
    found: dict[str, dict[str, str]] = {}
    for obj in objects.values():
        text = obj["source_sql"].strip().rstrip(";")
        if text[:4].upper() == "CALL":  # sqlglot keeps CALL as a command: read it as a SELECT
            text = "SELECT " + text[4:]
        try:
            tree = sqlglot.parse_one(text, read=dialect)
        except SqlglotError:
            continue
        for call in tree.find_all(exp.Anonymous):
            routine = by_name.get(str(call.this).lower())
            if routine is None or routine.name in found or len(call.expressions) > len(
                    routine.params) or not all(isinstance(a, exp.Literal | exp.Neg | exp.Null)
                                               for a in call.expressions):
                continue
            found[routine.name] = {p.name: a.sql(dialect=dialect)
                                   for p, a in zip(routine.params, call.expressions,
                                                   strict=False)}
    return found


def catalog_routines(source: Adapter, include: list[str]) -> list[str]:
    """The source's procedure / function definitions of the kinds `include` names
    ([source] include = ["procedures", "functions"]), where the adapter reads them."""
    reader = getattr(source, "routines", None)
    kinds = {"procedures": "procedure", "functions": "function"}
    wanted = {kinds[k] for k in include if k in kinds}
    if not (wanted and callable(reader)):
        return []
    out = []
    for definition in reader():
        try:  # MySQL's definitions are read by their own reader (mysql_routines)
            routines = parse_routines(definition, source.DIALECT)
        except CutoverError:
            routines = []
        kind = definition.split(None, 2)[1].lower() if definition.strip() else ""
        if any(r.kind in wanted for r in routines) or (not routines and kind in wanted):
            out.append(definition)  # unparsed: left out later, with the reason
    return out


def column_defaults(source: Adapter) -> dict[str, set[str]] | None:
    """The columns that declare a default, per table, on a PostgreSQL source (None elsewhere:
    not known, so a procedure's `VALUES (DEFAULT)` stays unsupported)."""
    if source.ENGINE != "postgres":
        return None
    found = source.read_arrow(
        "SELECT table_name, column_name FROM information_schema.columns "
        "WHERE table_schema = current_schema() AND column_default IS NOT NULL")
    out: dict[str, set[str]] = {}
    for table, column in zip(found.column(0).to_pylist(), found.column(1).to_pylist(),
                             strict=True):
        out.setdefault(table.lower(), set()).add(column.lower())
    return out


def prepare(routines: list[Routine], catalog: Mapping[str, Mapping[str, Any]],
            dialect: str, extra: Sequence[str] = (),
            defaults: Mapping[str, set[str]] | None = None,
            types: Sequence[str] = (), helpers_too: Sequence[Routine] = ()) -> ProcedureWork:
    """Rewrite the procedures; collect the source tables they (and `extra`: what the
    functions' invocation queries read) need staged. `defaults`: column_defaults();
    `types`: the codebase's CREATE TYPE statements (type_definitions); `helpers_too`: the
    other routines of the codebase (the functions a drawing helper calls are inlined)."""
    work = ProcedureWork(types=list(types))
    tables = table_functions(routines, dialect, composite_types(work.types, dialect))
    columns = {n: [c["name"] for c in t["columns"]] for n, t in catalog.items()}
    needed: list[str] = [t for t in dict.fromkeys(extra) if t in catalog]
    random = random_routines(routines)
    names = {r.name.lower() for r in routines}
    for routine in routines:
        helpers: list[str] | None = None
        if routine.kind == "procedure" and routine.name.lower() in random:
            try:  # each draw numbered, for a proof under a shared deterministic stream
                drawn = number_draws(routine, [*routines, *helpers_too], dialect)
            except HelperOnly as exc:  # its model is its CALL's one row (add_inout_models)
                work.inout[routine.name] = (routine, [*routines, *helpers_too],
                                            f"procedure: {exc}")
                continue
            except NotNumbered as exc:
                work.left_out.append({"object": routine.name, "reason": (
                    f"procedure: {random_reason(random[routine.name.lower()])}; the draws "
                    f"cannot be numbered for a shared deterministic stream: {exc}")})
                continue
            routine, helpers = drawn.routine, drawn.helpers
        if routine.kind == "function":
            work.functions.append(routine)
            query = translate_function(routine, dialect, dialect,
                                       tables=tables).query_source
            if query:  # a routine returning a query: the tables it reads are staged too
                needed += [t for t in sqltools.tables_read(sqltools.parse(query, dialect, ""))
                           if t in catalog and t not in needed]
            continue
        if routine.language == MYSQL and not writes_tables(routine):
            found = result_sets(routine, dialect)
            missing = [t for t in found.reads if t not in catalog]
            if found.unsupported or missing:
                reason = found.unsupported or f"reads {', '.join(missing)}, not source tables"
                work.left_out.append({"object": routine.name, "reason": f"procedure: {reason}"})
                continue
            work.results.append((routine, found))
            # the functions it calls read tables too: their expansion does, on the target
            needed += [t for t in [*found.reads, *_called_reads(found, routines, catalog)]
                       if t not in needed]
            continue
        plan = rewrite(routine, columns, dialect, defaults)
        missing = [t for t in plan.reads if t not in catalog]
        if plan.unsupported or missing:
            reason = plan.unsupported or f"reads {', '.join(missing)}, not source tables"
            if routine.language == MYSQL and (plan.unsupported or "").startswith(
                    "SELECT without INTO"):  # a result set beside its writes
                reason = (f"writes {', '.join(writes_tables(routine))} and returns a result "
                          f"set: neither read-only (result-set models) nor only writes "
                          f"(set-based models); {reason}")
            called = re.search(r"reads the table function (\w+)\(\)", reason)
            if called and called.group(1).lower() not in names:
                reason += (f"; no routine of the codebase is named {called.group(1)}, so the "
                           f"original fails on the source too")
            work.left_out.append({"object": routine.name, "reason": f"procedure: {reason}"})
            continue
        work.rewrites.append((routine, plan))
        if helpers is not None:
            work.helpers[routine.name] = helpers
        needed += [t for t in plan.reads if t not in needed]
    work.tables = [catalog[t] for t in needed]
    return work


def _called_reads(found: ResultSets, routines: Sequence[Routine],
                  catalog: Mapping[str, Any]) -> list[str]:
    """Source tables read by the codebase's functions a procedure's queries call."""
    functions = {r.name.lower(): r for r in routines if r.kind == "function"}
    called = {m.group(1).lower() for q in [*found.results, found.out or ""]
              for m in re.finditer(r"(\w+)\s*\(", q)} & set(functions)
    out: list[str] = []
    for name in sorted(called):
        for table in re.findall(r"(?is)\b(?:from|join)\s+`?(\w+)`?", functions[name].body):
            if table.lower() in catalog and table.lower() not in out:
                out.append(table.lower())
    return out


def add_functions(plan: ProjectPlan, work: ProcedureWork, args: Mapping[str, Any],
                  target: Adapter, source_dialect: str, target_dialect: str) -> None:
    """Scalar functions -> dbt macros; a routine that only returns a query -> a model of that
    query (vars for its parameters), proven against the query on the source."""
    types = composite_types(work.types, source_dialect)
    widths = composite_widths(work.types, source_dialect)
    tables = table_functions(work.functions, source_dialect, types)
    for routine in work.functions:
        done = translate_function(routine, source_dialect, target_dialect, types, widths,
                                  tables)
        if done.dbt_macro:
            plan.macros[routine.name] = done.dbt_macro
        elif done.kind == "query" and done.query_target and done.query_source:
            try:
                call = _query_model(plan, routine, done, args.get(routine.name) or {}, target,
                                    target_dialect)
                if call is not None:
                    work.queries[dbt_name(routine.name)] = call
            except CutoverError as exc:  # this routine's model fails on the target, not all
                plan.left_out.append({"object": routine.name, "reason": (
                    f"query routine: its model does not run on the target: "
                    f"{str(exc).splitlines()[0][:200]}")})
        else:
            plan.left_out.append({"object": routine.name, "reason": done.unsupported or
                                  "a table-valued function: a target table macro, no model"})


def add_function_models(plan: ProjectPlan, functions: FunctionWork, work: ProcedureWork,
                        routines: list[Routine], *, source: Adapter, source_url: str,
                        target: Adapter, target_dialect: str,
                        schema: dict[str, dict[str, str]],
                        source_dialect: str = "postgres") -> dict[str, pa.Table]:
    """A model per scalar function: its invocation query with the function expanded; the
    expected rows are the original query's, run with the original function on a scratch
    copy (every codebase function created there: one may call another)."""
    tables = {t["name"].lower(): t for t in work.tables}
    definitions = [r.source_sql for r in routines if r.kind == "function"]
    by_model = {dbt_name(f"{f.routine.name}__invocation"): f for f in functions.models}
    read = list(dict.fromkeys(t for f in functions.models for t in f.tables if t in tables))
    if not by_model:
        return {}
    # the expected rows first: a model nothing can be diffed against is not built (it would
    # claim nothing, and an expanded query can be slow where the original timed out). A
    # translate-only target builds nothing: its models are written, no original runs.
    results: dict[str, Any] = {}
    if target.RUNS_HERE:
        try:
            results = queries_on_scratch(source, source_url, [tables[t] for t in read],
                                         definitions,
                                         {n: f.invocation for n, f in by_model.items()})
        except CutoverError as exc:
            results = dict.fromkeys(by_model, exc)
    expected: dict[str, pa.Table] = {}
    for name, found in by_model.items():
        result = results.get(name)
        if target.RUNS_HERE and not isinstance(result, pa.Table):
            plan.left_out.append({"object": found.routine.name, "reason": (
                f"function: translated (macros/{found.routine.name}.sql) but not proven: "
                f"{result}")})
            continue
        fixed = fix_query(found.expanded_target, lambda sql: sql, result, target,
                          source_dialect=source_dialect, target_dialect=target_dialect,
                          source_sql=found.invocation, schema=schema) \
            if isinstance(result, pa.Table) else _unfixed(found.expanded_target)
        if fixed.verdict == "error":
            # a precondition the model asserts (tools/procedures/checks) fails here too
            plan.left_out.append({"object": found.routine.name, "reason": (
                f"function: its expanded invocation fails on the target (or does not finish "
                f"within the statement timeout): {fixed.error}")})
            continue
        try:
            body, depends = refs.model_body(fixed.sql, target_dialect, plan.references,
                                            "{{ config(materialized='table') }}")
            typed = _columns(target, fixed.sql)
        except CutoverError as exc:
            plan.left_out.append({"object": found.routine.name, "reason": (
                f"function: its invocation model does not run on the target: "
                f"{str(exc).splitlines()[0][:200]}")})
            continue
        columns = infer(fixed.sql, target_dialect, plan.known, [c for c, _ in typed])
        for fact, (_, ddl) in zip(columns, typed, strict=True):
            fact.data_type = ddl.lower()
        fixed_note = f" Fixed by rules: {', '.join(fixed.rules)}." if fixed.rules else ""
        precondition = checked_sql(fixed.sql, target_dialect)
        checked_note = f" Checked on the data: {precondition}." if precondition else ""
        plan.models.append(DbtModel(
            name=name, layer="marts", materialized="table", sql=body, columns=columns,
            depends_on=depends, source_object=found.routine.name, description=(
                f"The codebase's query calling {found.routine.name}, the function expanded "
                f"in place (its body as one expression: macros/{found.routine.name}.sql)."
                f"{fixed_note}{checked_note}"), precondition=precondition))
        if isinstance(result, pa.Table):
            expected[name] = result
    return expected


def _unfixed(sql: str) -> FixResult:
    """A model query nothing ran (a translate-only target): as written, no rule applied."""
    return FixResult(sql, verdict="skipped")


def _query_model(plan: ProjectPlan, routine: Routine, done: Any, given: Mapping[str, Any],
                 target: Adapter, target_dialect: str) -> str | None:
    """The model of a routine returning a query; returns the call of the original routine
    (source dialect) whose rows prove it, None when no model was made."""
    values = {p.name: str(given.get(p.name, p.default or "")) for p in routine.params}
    missing = [p for p, v in values.items() if not v]
    if missing:
        plan.left_out.append({"object": routine.name, "reason": (
            f"returns a query with parameters {', '.join(missing)}: give their values in "
            f"[output.procedures.{routine.name}] to make it a model")})
        return None
    try:
        body, depends = refs.model_body(done.query_target, target_dialect, plan.references,
                                        "{{ config(materialized='table') }}")
    except CutoverError as exc:
        plan.left_out.append({"object": routine.name, "reason": f"query routine: {exc}"})
        return None
    plan.vars.update({var_name(routine.name, p): v for p, v in values.items()})
    bound = done.bind(done.query_target, routine, values)
    typed = _columns(target, bound)
    columns = infer(bound, target_dialect, plan.known, [c for c, _ in typed])
    for fact, (_, ddl) in zip(columns, typed, strict=True):
        fact.data_type = ddl.lower()
    precondition = checked_sql(done.query_target, target_dialect)
    plan.models.append(DbtModel(
        name=dbt_name(routine.name), layer="marts", materialized="table", columns=columns,
        sql=done.bind(body, routine, None, namespaced=True), depends_on=depends,
        source_object=routine.name, precondition=precondition,
        description=f"The query {routine.kind} {routine.name} returns." + (
            f" Checked on the data: {precondition}." if precondition else "")))
    args = ", ".join(values[p.name] for p in routine.params)
    if (routine.returns or "").strip().upper().startswith("REFCURSOR"):
        return f"SELECT {routine.name}({args})"
    return f"SELECT * FROM {routine.name}({args})"


def prove_queries(plan: ProjectPlan, work: ProcedureWork, routines: list[Routine], *,
                  source: Adapter, source_url: str) -> dict[str, pa.Table]:
    """The expected rows of each query routine's model: the original routine called on a
    scratch copy (every codebase function created there). Its rewrite run on the source
    would only prove the translation of the rewrite, not the rewrite itself."""
    if not work.queries:
        return {}
    definitions = [*work.types, *(r.source_sql for r in routines if r.kind == "function")]
    cursors = {name for name, call in work.queries.items() if not call.startswith(
        "SELECT * FROM")}
    try:
        results = queries_on_scratch(source, source_url, work.tables, definitions,
                                     work.queries, cursors=cursors)
    except CutoverError as exc:
        results = dict.fromkeys(work.queries, exc)
    expected: dict[str, pa.Table] = {}
    for model in plan.models:
        if model.name not in work.queries:
            continue
        result = results.get(model.name)
        if isinstance(result, pa.Table):
            expected[model.name] = result
        else:
            plan.left_out.append({"object": model.source_object or model.name, "reason": (
                f"translated but not proven: {work.queries[model.name]}: {result}")})
    return expected


def _planned(sql: str, rewritten: SetBased, values: dict[str, str], unproven: list[str],
             plan: ProjectPlan, target: Adapter, where: str, source_dialect: str,
             target_dialect: str) -> tuple[str, str, list[tuple[str, str]], str, list[str]]:
    """One table's rewrite on the target: translated, bound, typed, as a model body."""
    translated = sqltools.transpile(sql, source_dialect, target_dialect, where)
    bound = with_params(translated, rewritten.params, {**values, **{p: "NULL" for p in unproven}})
    typed = _columns(target, bound)
    body, depends = refs.model_body(translated, target_dialect, plan.references,
                                    "{{ config(materialized='table') }}")
    return translated, bound, typed, body, depends


def add_procedure_models(plan: ProjectPlan, work: ProcedureWork, args: Mapping[str, Any], *,
                         source: Adapter, source_url: str, target: Adapter, source_dialect: str,
                         target_dialect: str, schema: dict[str, dict[str, str]] | None = None
                         ) -> dict[str, pa.Table]:
    """Models for every rewritten procedure; returns the expected table per model (from the
    scratch run) for those that could be proven."""
    expected: dict[str, pa.Table] = {}
    schema = schema or {}
    for routine, rewritten in work.rewrites:
        given = {k.lower(): str(v) for k, v in (args.get(routine.name) or {}).items()}
        values = {p.name: given.get(p.name, p.default or "") for p in routine.params}
        unproven = [p for p, v in values.items() if not v]
        for param, value in values.items():
            plan.vars[var_name(routine.name, param)] = value or "NULL"
        models = []
        try:
            planned = [_planned(sql, rewritten, values, unproven, plan, target, routine.name,
                                source_dialect, target_dialect)
                       for sql in rewritten.tables.values()]
        except CutoverError as exc:  # one procedure's rewrite fails on the target, not all
            plan.left_out.append({"object": routine.name, "reason": (
                f"procedure: its rewrite does not run on the target: "
                f"{str(exc).splitlines()[0][:200]}")})
            continue
        for table, (_translated, bound, typed, body, depends) in zip(
                rewritten.tables, planned, strict=True):
            columns = infer(bound, target_dialect, plan.known, [c for c, _ in typed])
            for fact, (_, ddl) in zip(columns, typed, strict=True):
                fact.data_type = ddl.lower()
            models.append(DbtModel(
                name=dbt_name(f"{routine.name}__{table}"), layer="marts", materialized="table",
                sql=with_params(body, rewritten.params, None, routine.name), columns=columns,
                depends_on=depends, source_object=routine.name,
                description=f"{table} after procedure {routine.name} ran (set-based rewrite)."))
        plan.models += models
        if any(uses_draws(m.sql) for m in models):  # `{{ cutover_random(k) }}` needs its macro
            plan.macros[MACRO] = random_macro(target_dialect)
        if not target.RUNS_HERE:  # nothing is built to compare with: the user's procedure
            continue              # does not run, not even on a scratch copy
        if unproven:
            plan.left_out.append({"object": routine.name, "reason": (
                f"translated but not proven: no invocation value for {', '.join(unproven)} "
                f"([output.procedures.{routine.name}] in cutover.toml)")})
            continue
        call = f"CALL {routine.name}({', '.join(values[p.name] for p in routine.params)})"
        drawn = routine.name in work.helpers
        if drawn and any(uses_draws(q) for q in rewritten.tables.values()):
            for model in models:
                model.description += f" Draws random(): {PROVEN_NOTE}."
        try:
            left = run_on_scratch(source, source_url, [t for t in work.tables if t["name"].lower()
                                                       in rewritten.reads],
                                  routine.source_sql, call, list(rewritten.tables),
                                  shadow_session(work.helpers[routine.name], SCRATCH_SCHEMA)
                                  if drawn else ())
        except CutoverError as exc:
            plan.left_out.append({"object": routine.name,
                                  "reason": f"translated but not proven: {exc}"})
            continue
        for model, table, (translated, *_rest) in zip(models, rewritten.tables, planned,
                                                       strict=True):
            expected[model.name] = left[table]
            bind = partial(with_params, params=rewritten.params, values=values)
            fixed = fix_query(translated, bind, left[table], target, source_dialect=source_dialect,
                              target_dialect=target_dialect, source_sql=rewritten.tables[table],
                              schema=schema)
            if fixed.rules:
                body = refs.model_body(fixed.sql, target_dialect, plan.references,
                                       "{{ config(materialized='table') }}")[0]
                model.sql = with_params(body, rewritten.params, None, routine.name)
                model.description += f" Fixed by rules: {', '.join(fixed.rules)}."
    return expected


def add_inout_models(plan: ProjectPlan, work: ProcedureWork, args: Mapping[str, Any], *,
                     source: Adapter, source_url: str, target: Adapter, source_dialect: str,
                     target_dialect: str) -> dict[str, pa.Table]:
    """A helper procedure that draws random() and only sets its INOUT values (a random
    string maker) -> a model of the one row `CALL p(<invocation>)` returns, its draws
    numbered from 1; proven against that CALL run on a scratch copy with the shared
    deterministic random stream. Without an invocation it stays left out with its reason."""
    expected: dict[str, pa.Table] = {}
    for name, (routine, routines, reason) in work.inout.items():
        given = {k.lower(): str(v) for k, v in (args.get(routine.name) or {}).items()}
        values = {p.name: given.get(p.name, p.default or "") for p in routine.params}
        if not all(values.values()):
            plan.left_out.append({"object": name, "reason": reason})
            continue
        model = dbt_name(routine.name)
        try:
            outputs = inout_result(routine, routines, values, source_dialect)
            select = "SELECT " + ", ".join(f"{expr} AS {column}"
                                           for column, expr in outputs.items())
            translated = sqltools.transpile(select, source_dialect, target_dialect, name)
            typed = _columns(target, bind_draws(translated, proof=True))
            body = refs.model_body(translated, target_dialect, plan.references,
                                   "{{ config(materialized='table') }}")[0]
        except (NotNumbered, CutoverError) as exc:
            plan.left_out.append({"object": name, "reason": f"{reason}; no model of its CALL: "
                                  f"{str(exc).splitlines()[0][:200]}"})
            continue
        call = f"CALL {routine.name}({', '.join(values[p.name] for p in routine.params)})"
        if not target.RUNS_HERE:  # written, not proven: its CALL runs nowhere
            _inout_model(plan, model, body, translated, typed, routine, call, target_dialect)
            continue
        results = queries_on_scratch(
            source, source_url, [], [*helper_definitions(routine, routines), routine.source_sql],
            {model: call}, session=shadow_session([], SCRATCH_SCHEMA))
        result = results.get(model)
        if not isinstance(result, pa.Table):
            plan.left_out.append({"object": name, "reason": f"{reason}; its CALL did not run "
                                  f"on the scratch copy: {result}"})
            continue
        _inout_model(plan, model, body, translated, typed, routine, call, target_dialect)
        expected[model] = result
    return expected


def _inout_model(plan: ProjectPlan, model: str, body: str, translated: str,
                 typed: list[tuple[str, str]], routine: Routine, call: str,
                 target_dialect: str) -> None:
    columns = infer(translated, target_dialect, plan.known, [c for c, _ in typed])
    for fact, (_, ddl) in zip(columns, typed, strict=True):
        fact.data_type = ddl.lower()
    plan.models.append(DbtModel(
        name=model, layer="marts", materialized="table", sql=bind_draws(body, proof=False),
        columns=columns, source_object=routine.name, description=(
            f"The row `{call}` returns (procedure {routine.name} sets only its INOUT "
            f"values). Draws random(): {PROVEN_NOTE}.")))
    plan.macros[MACRO] = random_macro(target_dialect)
