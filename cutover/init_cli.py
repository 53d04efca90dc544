"""`cutover init`: write a commented cutover.toml from two URLs and a glob, checked by the same
loader a run uses (so what init writes always loads)."""

from __future__ import annotations

import json
from pathlib import Path

from tools.errors import ConfigError

TEMPLATE = """# cutover.toml, written by `cutover init`. Every key is documented in the README.
[project]
name = {name}
codebase = [{codebase}]      # SQL files to migrate (globs, relative to this folder)
# exclude = ["sql/scratch/**"]  # files to leave out

[source]                      # read-only: a read-only session plus Cutover's SQL guard
url = {source}
# dialect = {source_dialect}   # inferred from the URL; set it when the URL cannot say

[target]                      # writes stay inside the run's sandbox schema cutover_<run_id>
url = {target}
# dialect = {target_dialect}

[run]
max_attempts = 5              # candidates per object (the plain translation is the first)
loader = "copy"               # "verify-only" when the target already holds the base tables
keep_sandbox = true           # keep the sandbox after the run so it can be inspected

[diff]
float_abs = 1e-9              # |a - b| <= float_abs + float_rel * |a| counts as equal
float_rel = 1e-9
# tolerances = {{ avg_price = "abs:0.005" }}

[llm]                         # optional: any OpenAI-compatible endpoint
mode = "auto"                 # auto: only where the deterministic engine cannot finish; off
# model = "gpt-4o-mini"
# base_url = "http://127.0.0.1:8000/v1"
# api_key_env = "OPENAI_API_KEY"
"""


def write_config(project_dir: Path, source_url: str, target_url: str, codebase: list[str],
                 name: str | None = None, force: bool = False) -> Path:
    from cutover.config import CONFIG_NAME, read_config
    from tools.db.registry import dialect_for

    path = project_dir / CONFIG_NAME
    if path.exists() and not force:
        raise ConfigError(f"{path} exists; edit it, or pass --force to replace it")
    dialects = []
    for role, url in (("source", source_url), ("target", target_url)):
        try:
            dialects.append(dialect_for(url))
        except ConfigError as exc:
            raise ConfigError(f"{role} URL: {exc}") from None
    text = TEMPLATE.format(
        name=json.dumps(name or project_dir.resolve().name),
        codebase=", ".join(json.dumps(g) for g in codebase),
        source=json.dumps(source_url), target=json.dumps(target_url),
        source_dialect=json.dumps(dialects[0]), target_dialect=json.dumps(dialects[1]))
    project_dir.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    try:
        read_config(project_dir)  # what init writes must load
    except ConfigError:
        path.unlink()
        raise
    return path
