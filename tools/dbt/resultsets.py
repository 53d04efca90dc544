"""Read-only MySQL procedures in the dbt project: a model per result set the procedure returns
(`<procedure>__result`, `__result_2`, ...) and one for its OUT values (`<procedure>__out`, one
row), from tools/procedures/resultsets.py; the IN parameters are dbt vars whose defaults are
the invocation's values, and the functions it calls are expanded in place (as a function's
invocation model expands them).

The proof: the original procedure (with every function of the codebase) is created on a
scratch copy of the tables it reads (tools/procedures/scratch_mysql.py) and CALLed with the
invocation's values; its result sets, in order, and `SELECT @out` are what the built models
are diffed against. A CALL that returns a different number of result sets (a guard clause
tripped) leaves the procedure translated but not proven.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import pyarrow as pa
import sqlglot

from tools.db.base import Adapter
from tools.dbt import refs
from tools.dbt.facts import infer
from tools.dbt.functions import FunctionWork, expand_query
from tools.dbt.plan import ProjectPlan, _columns, dbt_name
from tools.dbt.records import DbtModel
from tools.errors import CutoverError
from tools.procedures.inline import PARAM, Unsupported
from tools.procedures.parse import Routine
from tools.procedures.resultsets import ResultSets
from tools.procedures.scratch_mysql import run_on_mysql_scratch
from tools.procedures.setbased import var_name


def _bind(sql: str, routine: Routine, values: Mapping[str, str] | None) -> str:
    """Placeholders -> the invocation's literals, or `{{ var('<procedure>__p') }}`."""
    for p in routine.params:
        sql = sql.replace(PARAM.format(p.name), values[p.name] if values is not None
                          else f"{{{{ var('{var_name(routine.name, p.name)}') }}}}")
    return sql


def model_names(routine: Routine, found: ResultSets) -> list[str]:
    """`<p>__result`, `<p>__result_2`, ... then `<p>__out` when it has OUT values."""
    names = [dbt_name(f"{routine.name}__result" + (f"_{i + 1}" if i else ""))
             for i in range(len(found.results))]
    return names + ([dbt_name(f"{routine.name}__out")] if found.out else [])


def add_result_models(plan: ProjectPlan, results: Sequence[tuple[Routine, ResultSets]],
                      functions: FunctionWork, routines: Sequence[Routine],
                      tables: Sequence[Mapping[str, Any]], args: Mapping[str, Any], *,
                      source: Adapter, source_url: str, target: Adapter, source_dialect: str,
                      target_dialect: str, schema: dict[str, dict[str, str]]
                      ) -> dict[str, pa.Table]:
    """The models of each read-only procedure; returns the expected table per model (from
    its CALL on a scratch copy) for those proven."""
    expected: dict[str, pa.Table] = {}
    known = {r.name for r in routines}
    by_name = {t["name"].lower(): t for t in tables}
    definitions = [r.source_sql for r in routines if r.kind == "function"]
    for routine, found in results:
        given = {k.lower(): str(v) for k, v in (args.get(routine.name) or {}).items()}
        values = {p.name: given.get(p.name, p.default or ("NULL" if p.mode == "OUT" else ""))
                  for p in routine.params}
        missing = [p for p, v in values.items() if not v]
        if missing:
            plan.left_out.append({"object": routine.name, "reason": (
                f"procedure: no invocation value for {', '.join(missing)}: give them in "
                f"[output.procedures.{routine.name}] to make its models")})
            continue
        names = model_names(routine, found)
        queries = [*found.results, *([found.out] if found.out else [])]
        try:
            planned = []
            for name, query in zip(names, queries, strict=True):
                tree = sqlglot.parse_one(query, read=source_dialect)
                translated, reads = expand_query(tree, functions.inlined, known, schema,
                                                 source_dialect, target_dialect, name)
                bound = _bind(translated, routine, values)
                typed = _columns(target, bound)
                body, depends = refs.model_body(translated, target_dialect, plan.references,
                                                "{{ config(materialized='table') }}")
                planned.append((name, bound, typed, _bind(body, routine, None), depends,
                                reads))
        except (CutoverError, Unsupported, sqlglot.errors.SqlglotError) as exc:
            plan.left_out.append({"object": routine.name, "reason": (
                f"procedure: its result-set models do not run on the target: "
                f"{str(exc).splitlines()[0][:200]}")})
            continue
        for p in routine.params:
            if p.mode != "OUT":
                plan.vars[var_name(routine.name, p.name)] = values[p.name]
        notes = " ".join(f"Guard: {n}." for n in found.notes)
        models = []
        for at, (name, bound, typed, body, depends, _reads) in enumerate(planned):
            columns = infer(bound, target_dialect, plan.known, [c for c, _ in typed])
            for fact, (_, ddl) in zip(columns, typed, strict=True):
                fact.data_type = ddl.lower()
            what = (f"result set {at + 1} of" if at < len(found.results)
                    else "the OUT values of")
            models.append(DbtModel(
                name=name, layer="marts", materialized="table", sql=body, columns=columns,
                depends_on=depends, source_object=routine.name,
                description=f"{what.capitalize()} procedure {routine.name} (one CALL with "
                            f"the vars' values). {notes}".strip()))
        plan.models += models
        if not target.RUNS_HERE:  # written, not proven: the procedure runs nowhere
            continue
        read = list(dict.fromkeys(t for *_x, reads in planned for t in reads if t in by_name))
        outputs = {p.name: (values[p.name] if p.mode == "INOUT" else None)
                   for p in routine.params if p.mode in ("OUT", "INOUT")}
        call = f"CALL {routine.name}(" + ", ".join(
            f"@cutover_out_{p.name}" if p.mode in ("OUT", "INOUT") else values[p.name]
            for p in routine.params) + ")"
        try:
            got, _ = run_on_mysql_scratch(source, source_url, [by_name[t] for t in read],
                                          [*definitions, routine.source_sql], call, [],
                                          outputs)
        except CutoverError as exc:
            plan.left_out.append({"object": routine.name,
                                  "reason": f"translated but not proven: {exc}"})
            continue
        shapes = [t.num_columns for t in got.result_sets]
        if shapes != [len(m.columns) for m in models[:len(found.results)]]:
            # a guard clause stopped it (its message is a result set of one column): the
            # models are not what this invocation returns, so nothing is diffed
            plan.left_out.append({"object": routine.name, "reason": (
                f"translated but not proven: `{call}` returned {len(shapes)} result set(s) of "
                f"{shapes} columns on the scratch copy, the models {len(found.results)}"
                + (f" ({'; '.join(found.notes)})" if found.notes else ""))})
            continue
        for model, table in zip(models, [*got.result_sets, *([got.out] if got.out else [])],
                                strict=True):
            # MySQL names an unaliased column by its text (`COUNT(*)`): the model's names,
            # in the same order, are what the diff matches
            if table.num_columns == len(model.columns):
                table = table.rename_columns([c.name for c in model.columns])
            expected[model.name] = table
    return expected
