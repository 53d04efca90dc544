"""The project's configuration as a model, and the run's Context built from it.

`ProjectConfig` is cutover.toml as a typed model; `context_from_config` turns one into the run's
Context (no connections yet). This is the config loader: the only place that reads the
environment (`${ENV}` references in URLs, the LLM key). It sits below the CLI so that evals,
which build their projects as models, make a Context the same way `cutover run` does; the CLI
(cutover/config.py) only finds and parses the TOML file and applies its flags.

A bad config gets one clear error naming the key and the fix; unknown keys are refused (a typo
must not silently fall back to a default).
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from graph.context import Context, Tolerance, default_workers
from tools.db.registry import dialect_for, is_embedded
from tools.errors import ConfigError

_ENV_REF = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)\}")


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class ProjectSection(_Strict):
    name: str = "project"
    codebase: list[str] = Field(default_factory=lambda: ["**/*.sql"])
    exclude: list[str] = Field(default_factory=list)
    encoding: str = "utf-8"
    """How the codebase's files are encoded (a file that does not decode is a verdict, never
    silently altered)."""


class EndpointSection(_Strict):
    url: str
    dialect: str | None = None
    seed: str | None = None
    """Demo/example only: a SQL script that builds the source file when it does not exist."""
    allow_privileged: bool = False
    """[source] only: accept a source role that can write or is a superuser."""
    include: list[Literal["views", "procedures", "functions"]] = Field(default_factory=list)
    """[source] only: catalog objects to migrate besides the codebase (dbt output)."""


class RunSection(_Strict):
    max_attempts: int = Field(5, ge=1, le=50)
    loader: Literal["copy", "verify-only"] = "copy"
    batch_rows: int = Field(50_000, ge=100)
    statement_timeout_s: float = Field(60.0, gt=0)
    keep_sandbox: bool = True
    workers: int | None = Field(None, ge=1, le=64)
    """Objects of one dependency level migrated at once; unset = one per core (at most 4)."""
    keep_samples: bool = True
    """false: no data value is written to the report, artifacts, trace or checkpoints (diff
    samples and value examples dropped, the source result not cached on disk)."""


class DiffSection(_Strict):
    float_abs: float = Field(1e-9, ge=0)
    float_rel: float = Field(1e-9, ge=0)
    sample_rows: int = Field(10, ge=0)
    tolerances: dict[str, str] = Field(default_factory=dict)

    @field_validator("tolerances")
    @classmethod
    def _tolerance_form(cls, value: dict[str, str]) -> dict[str, str]:
        for column, spec in value.items():
            parse_tolerance(spec, f"[diff.tolerances] {column}")
        return value


class LLMSection(_Strict):
    mode: Literal["auto", "off", "always"] = "auto"
    model: str | None = None
    base_url: str | None = None
    api_key_env: str = "OPENAI_API_KEY"
    temperature: float = 0.0
    prompt_set: str = "default"
    max_calls_per_object: int = Field(8, ge=1)
    max_tokens_per_run: int = Field(500_000, ge=1)
    max_tokens_per_object: int = Field(60_000, ge=1)
    """LLM tokens (prompt + reply, every request) one object may spend over all its calls."""
    rows_cap: int = Field(20, ge=0)
    privacy: Literal["normal", "mask", "strict"] = "normal"
    timeout_s: float = Field(120.0, gt=0)
    """Seconds one LLM request may take (not the database's statement timeout)."""
    max_retries: int = Field(1, ge=0)
    max_tokens: int = Field(1024, ge=16)
    output: Literal["tools", "json_schema"] = "tools"
    price_per_mtok: dict[Literal["input", "output"], float] = Field(default_factory=dict)
    """Price per million tokens, turned into cost per object and run."""
    columns: dict[str, Literal["never", "allow"]] = Field(default_factory=dict)
    """Per-column data policy for the LLM: "table.column" = "never" withholds its values."""


class OutputSection(_Strict):
    format: Literal["sql", "dbt"] = "sql"
    """sql: the translated SQL tree only; dbt: also a dbt project, built and proven."""
    dbt_dir: str = "dbt"
    """Where the dbt project goes, relative to the project folder."""
    procedures: dict[str, dict[str, str | int | float]] = Field(default_factory=dict)
    """procedure -> parameter -> value it is proven with (strings are SQL literals)."""


class TraceSection(_Strict):
    otlp_endpoint: str | None = None
    """OTLP/HTTP collector (e.g. http://127.0.0.1:4318): also export the run's spans there."""


class ProjectConfig(_Strict):
    project: ProjectSection = Field(default_factory=ProjectSection)
    source: EndpointSection
    target: EndpointSection
    run: RunSection = Field(default_factory=RunSection)
    diff: DiffSection = Field(default_factory=DiffSection)
    llm: LLMSection = Field(default_factory=LLMSection)
    output: OutputSection = Field(default_factory=OutputSection)
    trace: TraceSection = Field(default_factory=TraceSection)


def parse_tolerance(spec: str, where: str) -> Tolerance:
    """'abs:0.01' or 'rel:1e-6' or 'abs:0.01,rel:1e-6'."""
    abs_tol = rel_tol = 0.0
    for part in spec.split(","):
        kind, _, number = part.strip().partition(":")
        try:
            value = float(number)
        except ValueError:
            value = -1.0
        if kind not in ("abs", "rel") or value < 0:
            raise ConfigError(f"{where}: tolerance {spec!r} is not of the form 'abs:X' or "
                              f"'rel:Y' (e.g. 'abs:0.01')")
        abs_tol, rel_tol = (value, rel_tol) if kind == "abs" else (abs_tol, value)
    return Tolerance(abs_tol, rel_tol)


def expand_env(value: str, where: str, environ: Mapping[str, str] | None = None) -> str:
    env = os.environ if environ is None else environ

    def sub(match: re.Match[str]) -> str:
        name = match[1]
        if name not in env:
            raise ConfigError(f"{where} refers to ${{{name}}} but the environment variable "
                              f"{name} is not set; export it or write the value in the file")
        return env[name]

    return _ENV_REF.sub(sub, value)


def _resolve_file_url(url: str, project_dir: Path) -> str:
    """Relative paths of embedded (file-based) engines are relative to the project folder; the
    query string (chdb/spark `?database=`) is kept."""
    if "://" not in url or not is_embedded(url):
        return url
    head, rest = url.split("://", 1)
    path, sep, query = rest.partition("?")
    if not path.startswith("/") or path.startswith("//") or path == "/:memory:":
        return url  # no path, an absolute path (////abs), or in-memory
    return f"{head}:///{(project_dir / path[1:]).resolve()}{sep}{query}"


def context_from_config(cfg: ProjectConfig, project_dir: Path, run_id: str, runs_dir: Path,
                        environ: Mapping[str, str] | None = None) -> Context:
    """The run's Context from a project's config (no connections yet)."""
    project_dir = project_dir.resolve()
    if cfg.target.include:
        raise ConfigError("[target] include: unknown key; include belongs in [source]")
    env = os.environ if environ is None else environ
    source_url = _resolve_file_url(expand_env(cfg.source.url, "[source] url", env), project_dir)
    target_url = _resolve_file_url(expand_env(cfg.target.url, "[target] url", env), project_dir)
    api_key = env.get(cfg.llm.api_key_env) if cfg.llm.model else None
    return Context(
        run_id=run_id,
        run_dir=runs_dir / run_id,
        project_dir=project_dir,
        source_url=source_url,
        target_url=target_url,
        source_dialect=cfg.source.dialect or dialect_for(source_url),
        target_dialect=cfg.target.dialect or dialect_for(target_url),
        codebase=cfg.project.codebase,
        exclude=cfg.project.exclude,
        codebase_encoding=cfg.project.encoding,
        loader_mode=cfg.run.loader,
        batch_rows=cfg.run.batch_rows,
        max_attempts=cfg.run.max_attempts,
        statement_timeout_s=cfg.run.statement_timeout_s,
        allow_privileged_source=cfg.source.allow_privileged,
        keep_sandbox=cfg.run.keep_sandbox,
        keep_samples=cfg.run.keep_samples,
        float_tolerance=Tolerance(cfg.diff.float_abs, cfg.diff.float_rel),
        column_tolerances={c: parse_tolerance(s, f"[diff.tolerances] {c}")
                           for c, s in cfg.diff.tolerances.items()},
        sample_rows=cfg.diff.sample_rows,
        llm_mode=cfg.llm.mode,
        llm_model=cfg.llm.model,
        llm_base_url=cfg.llm.base_url,
        llm_api_key=api_key or ("not-needed" if cfg.llm.base_url else None),
        llm_temperature=cfg.llm.temperature,
        prompt_set=cfg.llm.prompt_set,
        max_llm_calls_per_object=cfg.llm.max_calls_per_object,
        max_tokens_per_run=cfg.llm.max_tokens_per_run,
        max_llm_tokens_per_object=cfg.llm.max_tokens_per_object,
        llm_rows_cap=cfg.llm.rows_cap,
        privacy=cfg.llm.privacy,
        llm_column_policy={k.lower(): v for k, v in cfg.llm.columns.items()},
        llm_timeout_s=cfg.llm.timeout_s,
        llm_max_retries=cfg.llm.max_retries,
        llm_max_tokens=cfg.llm.max_tokens,
        llm_output=cfg.llm.output,
        llm_price_input_per_mtok=cfg.llm.price_per_mtok.get("input", 0.0),
        llm_price_output_per_mtok=cfg.llm.price_per_mtok.get("output", 0.0),
        dbt_dir=(project_dir / cfg.output.dbt_dir).resolve() if cfg.output.format == "dbt"
        else None,
        source_include=list(cfg.source.include),
        procedure_args={p: {k: str(v) for k, v in a.items()}
                        for p, a in cfg.output.procedures.items()},
        workers=cfg.run.workers or default_workers(),
    )


def to_toml(cfg: ProjectConfig) -> str:
    """cutover.toml text for a config built in code (evals write it so that their project
    folders stay ordinary projects a user can re-run). Only keys set explicitly are written."""
    lines: list[str] = []
    for section, values in cfg.model_dump(exclude_unset=True, exclude_none=True).items():
        lines += [f"[{section}]"]
        nested = {k: v for k, v in values.items() if isinstance(v, dict)}
        lines += [f"{k} = {json.dumps(v)}" for k, v in values.items() if k not in nested]
        for name, table in nested.items():
            lines += ["", f"[{section}.{name}]", *(f"{json.dumps(k)} = {json.dumps(v)}"
                                                  for k, v in table.items())]
        lines.append("")
    return "\n".join(lines)
