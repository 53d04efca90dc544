"""cutover.toml -> Context. The only place that reads the environment.

A bad config gets one clear error naming the key and the fix; unknown keys are refused (a typo
must not silently fall back to a default).
"""

from __future__ import annotations

import os
import re
import tomllib
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from graph.context import Context, Tolerance
from tools.db.urls import dialect_for, scheme
from tools.errors import ConfigError

CONFIG_NAME = "cutover.toml"
_ENV_REF = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)\}")


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class ProjectSection(_Strict):
    name: str = "project"
    codebase: list[str] = Field(default_factory=lambda: ["**/*.sql"])
    exclude: list[str] = Field(default_factory=list)


class EndpointSection(_Strict):
    url: str
    dialect: str | None = None
    seed: str | None = None
    """Demo/example only: a SQL script that builds the source file when it does not exist."""


class RunSection(_Strict):
    max_attempts: int = Field(5, ge=1, le=50)
    loader: Literal["copy", "verify-only"] = "copy"
    batch_rows: int = Field(50_000, ge=100)
    statement_timeout_s: float = Field(60.0, gt=0)
    keep_sandbox: bool = True


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
    rows_cap: int = Field(20, ge=0)
    privacy: Literal["normal", "mask", "strict"] = "normal"
    timeout_s: float = Field(120.0, gt=0)
    max_retries: int = Field(1, ge=0)
    max_tokens: int = Field(1024, ge=16)
    output: Literal["tools", "json_schema"] = "tools"
    price_per_mtok: dict[Literal["input", "output"], float] = Field(default_factory=dict)
    columns: dict[str, Literal["never", "allow"]] = Field(default_factory=dict)


class ProjectConfig(_Strict):
    project: ProjectSection = Field(default_factory=ProjectSection)
    source: EndpointSection
    target: EndpointSection
    run: RunSection = Field(default_factory=RunSection)
    diff: DiffSection = Field(default_factory=DiffSection)
    llm: LLMSection = Field(default_factory=LLMSection)


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


def expand_env(value: str, where: str, environ: dict[str, str] | None = None) -> str:
    env = os.environ if environ is None else environ

    def sub(match: re.Match[str]) -> str:
        name = match[1]
        if name not in env:
            raise ConfigError(f"{where} refers to ${{{name}}} but the environment variable "
                              f"{name} is not set; export it or write the value in the file")
        return env[name]

    return _ENV_REF.sub(sub, value)


def read_config(project_dir: Path) -> ProjectConfig:
    path = project_dir / CONFIG_NAME
    if not path.is_file():
        raise ConfigError(f"no {CONFIG_NAME} in {project_dir}: create one (see "
                          f"examples/shop/{CONFIG_NAME}) or point at the project folder")
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: not valid TOML: {exc}") from exc
    try:
        return ProjectConfig.model_validate(raw)
    except ValidationError as exc:
        raise ConfigError(_explain(path, exc)) from None


def _explain(path: Path, exc: ValidationError) -> str:
    lines = []
    for err in exc.errors():
        loc = list(err["loc"])
        key = f"[{loc[0]}] {'.'.join(str(p) for p in loc[1:])}" if len(loc) > 1 else f"[{loc[0]}]"
        if err["type"] == "extra_forbidden":
            lines.append(f"{key}: unknown key; remove it or check the spelling")
        elif err["type"] == "missing" and len(loc) == 1:
            lines.append(f"{key}: section required; add it with its url = \"...\"")
        elif err["type"] == "missing":
            lines.append(f"{key}: required; add it")
        else:
            lines.append(f"{key}: {err['msg']} (got {err.get('input')!r})")
    return f"{path}: " + "; ".join(lines)


FILE_SCHEMES = ("sqlite", "duckdb", "chdb", "spark")


def _resolve_file_url(url: str, project_dir: Path) -> str:
    """Relative paths of file-based engines are relative to the project folder; the query
    string (chdb/spark `?database=`) is kept."""
    if scheme(url) not in FILE_SCHEMES or "://" not in url:
        return url
    head, rest = url.split("://", 1)
    path, sep, query = rest.partition("?")
    if not path.startswith("/") or path.startswith("//") or path == "/:memory:":
        return url  # no path, an absolute path (////abs), or in-memory
    return f"{head}:///{(project_dir / path[1:]).resolve()}{sep}{query}"


def build_context(project_dir: Path, run_id: str, runs_dir: Path,
                  overrides: dict[str, Any] | None = None,
                  environ: dict[str, str] | None = None) -> tuple[Context, ProjectConfig]:
    """Read the project's config and turn it into the run's Context (no connections yet)."""
    project_dir = project_dir.resolve()
    cfg = read_config(project_dir)
    source_url = _resolve_file_url(expand_env(cfg.source.url, "[source] url", environ), project_dir)
    target_url = _resolve_file_url(expand_env(cfg.target.url, "[target] url", environ), project_dir)
    env = os.environ if environ is None else environ
    api_key = env.get(cfg.llm.api_key_env) if cfg.llm.model else None
    ctx = Context(
        run_id=run_id,
        run_dir=runs_dir / run_id,
        project_dir=project_dir,
        source_url=source_url,
        target_url=target_url,
        source_dialect=cfg.source.dialect or dialect_for(source_url),
        target_dialect=cfg.target.dialect or dialect_for(target_url),
        codebase=cfg.project.codebase,
        exclude=cfg.project.exclude,
        loader_mode=cfg.run.loader,
        batch_rows=cfg.run.batch_rows,
        max_attempts=cfg.run.max_attempts,
        statement_timeout_s=cfg.run.statement_timeout_s,
        keep_sandbox=cfg.run.keep_sandbox,
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
        llm_rows_cap=cfg.llm.rows_cap,
        privacy=cfg.llm.privacy,
        llm_column_policy={k.lower(): v for k, v in cfg.llm.columns.items()},
        llm_timeout_s=cfg.llm.timeout_s,
        llm_max_retries=cfg.llm.max_retries,
        llm_max_tokens=cfg.llm.max_tokens,
        llm_output=cfg.llm.output,
        llm_price_input_per_mtok=cfg.llm.price_per_mtok.get("input", 0.0),
        llm_price_output_per_mtok=cfg.llm.price_per_mtok.get("output", 0.0),
    )
    for key, value in (overrides or {}).items():
        if value is not None:
            setattr(ctx, key, value)
    return ctx, cfg


def seed_source(ctx: Context, cfg: ProjectConfig) -> bool:
    """Demo/example projects: build the source file from [source] seed if it is missing."""
    from tools.db.seed import build_if_missing

    assert cfg.source.seed is not None
    return build_if_missing(ctx.source_url, ctx.project_dir / cfg.source.seed)
