"""Write a planned dbt project to disk: dbt_project.yml, profiles.yml, sources, staging /
intermediate / marts models with one .yml each, analyses."""

from __future__ import annotations

import re
import shutil
from pathlib import Path
from typing import Any

import yaml

from tools.dbt.plan import ProjectPlan
from tools.dbt.profiles import SOURCE_SCHEMA_ENV, profile
from tools.dbt.records import ColumnFacts, DbtModel

PROFILE = "cutover"
_GENERATED = ("models", "analyses", "macros", "dbt_project.yml", "profiles.yml", ".gitignore")


def _dump(data: Any) -> str:
    return yaml.safe_dump(data, sort_keys=False, width=100)


def _tests(fact: ColumnFacts) -> list[Any]:
    tests: list[Any] = []
    if fact.not_null:
        tests.append("not_null")
    if fact.unique:
        tests.append("unique")
    if fact.references:
        model, column = fact.references
        tests.append({"relationships": {"arguments": {"to": f"ref('{model}')",
                                                      "field": column}}})
    return tests


def _column_entry(fact: ColumnFacts) -> dict[str, Any]:
    entry: dict[str, Any] = {"name": fact.name}
    if not re.fullmatch(r"[a-z_][a-z0-9_]*", fact.name):
        entry["quote"] = True  # upper case or odd characters: the tests must quote it
    if fact.data_type:
        entry["data_type"] = fact.data_type
    tests = _tests(fact)
    if tests:
        entry["data_tests"] = tests
    return entry


def model_yaml(model: DbtModel) -> str:
    return _dump({"version": 2, "models": [{
        "name": model.name, "description": model.description,
        "columns": [_column_entry(c) for c in model.columns]}]})


def write_project(plan: ProjectPlan, out_dir: Path, *, target_url: str, schema: str,
                  source_schema: str | None, target_dialect: str = "") -> list[Path]:
    """Write the project; files Cutover generated before are replaced, others are kept.
    `source_schema`: where the source tables are on the target (None: nothing was loaded,
    so they are taken from the profile's schema unless the environment names another)."""
    out_dir.mkdir(parents=True, exist_ok=True)
    for name in _GENERATED:
        path = out_dir / name
        if path.is_dir():
            shutil.rmtree(path)
    written: list[Path] = []

    def put(rel: str, text: str) -> None:
        path = out_dir / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
        written.append(path)

    put("dbt_project.yml", _dump({
        "name": plan.source_name, "version": "1.0.0", "config-version": 2, "profile": PROFILE,
        "model-paths": ["models"], "analysis-paths": ["analyses"], "macro-paths": ["macros"],
        **({"vars": dict(plan.vars)} if plan.vars else {}),
        "target-path": "target", "clean-targets": ["target", "logs"],
        "models": {plan.source_name: {"staging": {"+materialized": "view"},
                                      "intermediate": {"+materialized": "view"},
                                      "marts": {"+materialized": "table"}}}}))
    put("profiles.yml", _dump({PROFILE: {"target": "cutover",
                                         "outputs": {"cutover": profile(target_url, schema,
                                                                        target_dialect)}}}))
    put(".gitignore", "target/\nlogs/\n")
    put(f"models/staging/_{plan.source_name}__sources.yml", _dump({"version": 2, "sources": [{
        "name": plan.source_name,
        "description": ("The source tables, as the migration run loaded them on the target."
                        if source_schema else "The source tables, as loaded on the target "
                        "(a translate-only target: the run loaded nothing there)."),
        "schema": f"{{{{ env_var('{SOURCE_SCHEMA_ENV}', "
                  f"{repr(source_schema) if source_schema else 'target.schema'}) }}}}",
        "tables": [{"name": t["name"], "columns": [{"name": c["name"]} for c in t["columns"]]}
                   for t in plan.sources]}]}))
    for model in plan.models:
        put(f"models/{model.layer}/{model.name}.sql", model.sql)
        put(f"models/{model.layer}/{model.name}.yml", model_yaml(model))
    for name, body in plan.analyses.items():
        put(f"analyses/{name}.sql", body)
    for name, body in plan.macros.items():
        put(f"macros/{name}.sql", body)
    return written
