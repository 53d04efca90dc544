"""cutover.toml -> Context, for the CLI: find and parse the file, apply the command's flags.

The config model and the Context it makes live one layer down, in graph/config.py, where evals
build theirs too.
"""

from __future__ import annotations

import tomllib
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from graph.config import ProjectConfig, context_from_config
from graph.context import Context
from tools.errors import ConfigError

CONFIG_NAME = "cutover.toml"


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


def build_context(project_dir: Path, run_id: str, runs_dir: Path,
                  overrides: dict[str, Any] | None = None,
                  environ: Mapping[str, str] | None = None) -> tuple[Context, ProjectConfig]:
    """Read the project's config and turn it into the run's Context (no connections yet);
    `overrides` are the command's flags (None = not given)."""
    project_dir = project_dir.resolve()
    cfg = read_config(project_dir)
    ctx = context_from_config(cfg, project_dir, run_id, runs_dir, environ)
    for key, value in (overrides or {}).items():
        if value is not None:
            setattr(ctx, key, value)
    if ctx.dbt_dir is not None:  # a target no dbt project can be written for: said before
        from tools.dbt.profiles import adapter_for  # the run, not after it

        adapter_for(ctx.target_url, ctx.target_dialect)
    return ctx, cfg


def seed_source(ctx: Context, cfg: ProjectConfig) -> bool:
    """Demo/example projects: build the source file from [source] seed if it is missing."""
    from tools.db.seed import build_if_missing

    assert cfg.source.seed is not None
    return build_if_missing(ctx.source_url, ctx.project_dir / cfg.source.seed)
