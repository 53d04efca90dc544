"""Plan the dbt project of a finished run: which models, in which layer, materialised how,
reading what, with which column facts. Nothing is written here (writer.py does that)."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, cast

import pyarrow as pa

from tools.db import types as T
from tools.db.base import Adapter
from tools.db.translate_only import TranslateOnlyAdapter
from tools.dbt import refs
from tools.dbt.facts import Facts, infer, table_facts
from tools.dbt.records import ColumnFacts, DbtModel, DbtRequest
from tools.errors import CutoverError

MODEL_KINDS = {"view": "view", "table_as_select": "table", "insert_select": "incremental"}
"""Object kind -> materialisation; an INSERT ... SELECT appends, so it is incremental."""
AT_PARITY = ("parity", "parity_with_tolerance")


@dataclass
class ProjectPlan:
    source_name: str
    models: list[DbtModel] = field(default_factory=list)
    analyses: dict[str, str] = field(default_factory=dict)
    """Report queries at parity, written under analyses/ (compiled by dbt, never built)."""
    sources: list[Mapping[str, Any]] = field(default_factory=list)
    """The base tables read, as source tables (name, columns)."""
    left_out: list[dict[str, str]] = field(default_factory=list)
    references: dict[str, refs.Reference] = field(default_factory=dict)
    """lower-case table or object name -> how a model reads it."""
    known: Facts = field(default_factory=dict)
    """What is known of each table's / model's columns (for the tests)."""
    macros: dict[str, str] = field(default_factory=dict)
    """macro file name -> Jinja macro (SQL functions translated for dbt)."""
    vars: dict[str, str] = field(default_factory=dict)
    """dbt vars (procedure parameters) -> the invocation's SQL literal."""


def dbt_name(text: str) -> str:
    """A lower-case identifier dbt accepts as a project, source or model name."""
    name = re.sub(r"[^a-z0-9_]", "_", text.lower()).strip("_") or "project"
    return name if name[0].isalpha() else f"p_{name}"


def staging_name(source_name: str, table: str) -> str:
    return f"stg_{source_name}__{dbt_name(table)}"


def arrow_canonical(t: pa.DataType) -> str:
    """The canonical type of a result column as the target returned it."""
    checks = ((pa.types.is_boolean, T.BOOL), (pa.types.is_integer, T.INT),
              (pa.types.is_floating, T.FLOAT), (pa.types.is_date, T.DATE),
              (pa.types.is_time, T.TIME), (pa.types.is_binary, T.BLOB))
    if pa.types.is_decimal(t):
        return T.decimal(t.precision, t.scale)
    if pa.types.is_timestamp(t):
        return T.TIMESTAMPTZ if t.tz else T.TIMESTAMP
    return next((canonical for check, canonical in checks if check(t)), T.TEXT)


def _exported(req: DbtRequest, runs_here: bool = True
              ) -> tuple[list[str], list[dict[str, str]]]:
    """Objects that become models, in dependency order, and the others with the reason. On a
    translate-only target (`runs_here` False) every object ends skipped, translated: each
    one with its translation becomes a model (none is proven)."""
    chosen: list[str] = []
    left_out: list[dict[str, str]] = []
    exported = _exportable(runs_here)
    for name in req.order:
        spec, verdict = req.objects[name], req.results[name]["status"]
        if spec["kind"] not in MODEL_KINDS:
            continue
        missing = [d for d in spec["depends_on"] if d not in chosen]
        if verdict not in exported or not req.results[name].get("candidate_sql"):
            left_out.append({"object": name, "reason": f"the run's verdict is {verdict}: only "
                             f"objects {'at parity' if runs_here else 'translated'} become "
                             f"models"})
        elif missing:
            left_out.append({"object": name, "reason": f"depends on {', '.join(missing)}, "
                             f"which is not a model"})
        else:
            chosen.append(name)
    return chosen, left_out


def _exportable(runs_here: bool) -> tuple[str, ...]:
    """The verdicts of objects that become models (or analyses)."""
    return AT_PARITY if runs_here else ("skipped",)


def _config(materialized: str, unique_key: list[str]) -> str:
    args = [f"materialized='{materialized}'"]
    if unique_key:
        key = (f"'{unique_key[0]}'" if len(unique_key) == 1
               else "[" + ", ".join(f"'{k}'" for k in unique_key) + "]")
        args.append(f"unique_key={key}")
    return "{{ config(" + ", ".join(args) + ") }}"


def _columns(target: Adapter, sql: str) -> list[tuple[str, str]]:
    """(name, target DDL type) of a query's result, from the target itself (no rows read);
    on a translate-only target from sqlglot ("" where it cannot tell the type)."""
    if not target.RUNS_HERE:
        offline = cast(TranslateOnlyAdapter, target)
        return [(name, offline.ddl_type(kind) if kind else "")
                for name, kind in offline.result_columns(sql)]
    schema = target.read_arrow(f"SELECT * FROM ({sql}) AS cutover_q LIMIT 0").schema
    return [(f.name, target.ddl_type(arrow_canonical(f.type))) for f in schema]


def plan_project(req: DbtRequest, target: Adapter,
                 extra_tables: Sequence[Mapping[str, Any]] = ()) -> ProjectPlan:
    """The project's models. `target` is the run's target adapter inside its sandbox (base
    tables loaded, objects created), used only to read result column types. `extra_tables`:
    source tables read by procedures, staged too."""
    plan = ProjectPlan(source_name=dbt_name(req.project))
    chosen, plan.left_out = _exported(req, target.RUNS_HERE)
    tables = {t["name"].lower(): t for t in [*req.base_tables, *extra_tables]}
    read = sorted({t for n in chosen for t in req.objects[n]["reads_tables"] if t in tables}
                  | {t for n in req.order if req.objects[n]["kind"] == "query"
                     and req.results[n]["status"] in _exportable(target.RUNS_HERE)
                     for t in req.objects[n]["reads_tables"] if t in tables}
                  | {t["name"].lower() for t in extra_tables})
    staging = {t: staging_name(plan.source_name, t) for t in read}
    references = plan.references
    references.update({t: refs.ref(model) for t, model in staging.items()})
    known = plan.known
    for table in read:
        info = tables[table]
        facts = table_facts(info, req.foreign_keys.get(table, []), staging)
        known[table] = facts
        plan.sources.append(info)
        plan.models.append(_staging_model(plan.source_name, info, staging[table], facts,
                                          target))
    dependants = {d for n in chosen for d in req.objects[n]["depends_on"]}
    for name in chosen:
        try:
            model = _object_model(req, name, "intermediate" if name in dependants else "marts",
                                  references, known, target)
        except CutoverError as exc:  # this object's model fails, not the project
            plan.left_out.append({"object": name, "reason": f"no model: {exc}"})
            continue
        plan.models.append(model)
        references[name] = refs.ref(model.name)
        known[name] = {c.name.lower(): c for c in model.columns}
        if not target.RUNS_HERE:  # its dependants read it by name: sqlglot must know it
            cast(TranslateOnlyAdapter, target).remember_query(
                name, req.results[name]["candidate_sql"])
    for name in req.order:
        spec, result = req.objects[name], req.results[name]
        if spec["kind"] == "query" and result["status"] in _exportable(target.RUNS_HERE) \
                and result.get("candidate_sql"):
            try:
                plan.analyses[name], _ = refs.model_body(result["candidate_sql"],
                                                         req.target_dialect, references)
            except CutoverError as exc:
                plan.left_out.append({"object": name, "reason": f"analysis not written: {exc}"})
    return plan


def _staging_model(source_name: str, table: Mapping[str, Any], model: str,
                   facts: dict[str, ColumnFacts], target: Adapter) -> DbtModel:
    cols = [c["name"] for c in table["columns"]]
    listed = ",\n        ".join(_column_sql(c) for c in cols)
    sql = ("with source as (\n"
           f"    select * from {{{{ source('{source_name}', '{table['name']}') }}}}\n"
           "),\n\nrenamed as (\n"
           f"    select\n        {listed}\n    from source\n)\n\nselect * from renamed\n")
    columns = []
    for col in table["columns"]:
        fact = facts[col["name"].lower()]
        fact.data_type = target.ddl_type(col["canonical"]).lower()
        columns.append(fact)
    return DbtModel(name=model, layer="staging", materialized="view", sql=sql, columns=columns,
                    description=f"The source table {table['name']}, one row per source row.")


def _column_sql(name: str) -> str:
    return name if re.fullmatch(r"[a-z_][a-z0-9_]*", name) else '"' + name.replace('"', '""') + '"'


def _object_model(req: DbtRequest, name: str, layer: str, references: dict[str, refs.Reference],
                  known: Facts, target: Adapter) -> DbtModel:
    spec, result = req.objects[name], req.results[name]
    sql = result["candidate_sql"]
    materialized = MODEL_KINDS[spec["kind"]]
    typed = _columns(target, sql)
    columns = infer(sql, req.target_dialect, known, [c for c, _ in typed])
    for fact, (_, ddl) in zip(columns, typed, strict=True):
        fact.data_type = ddl.lower()
    unique_key: list[str] = []
    if materialized == "incremental":
        into = tables_pk(req, spec["insert_into"] or "")
        names = {c.name.lower() for c in columns}
        unique_key = into if into and all(k in names for k in into) else []
    body, depends = refs.model_body(sql, req.target_dialect, references,
                                    _config(materialized, unique_key))
    return DbtModel(name=dbt_name(name), layer=layer, materialized=materialized,  # type: ignore[arg-type]
                    sql=body, columns=columns, depends_on=depends, source_object=name,
                    source_query=spec["source_query"], unique_key=unique_key,
                    description=f"Migrated from {spec['file']}:{spec['line']} ({spec['kind']}).")


def tables_pk(req: DbtRequest, table: str) -> list[str]:
    for info in req.base_tables:
        if info["name"].lower() == table.lower():
            return [c.lower() for c in info.get("primary_key") or []]
    return []
