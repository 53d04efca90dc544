"""Eval logs: one JSON file per eval (suite × pair × variant, all repeats).

Required fields (issue 5): suite, source, target, prompt_set (name + hashes), model, git_rev,
versions, cases (id, verdict, parses, compiles, parity, attempts, llm_calls, tokens, seconds)
and summary (cases, parity, compiles — each with its spread over repeats).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from tools.errors import ConfigError
from tools.secrets import redact

REQUIRED = ("suite", "source", "target", "prompt_set", "model", "git_rev", "versions", "cases",
            "summary")
CASE_FIELDS = ("id", "verdict", "parses", "compiles", "parity", "attempts", "llm_calls",
               "tokens", "seconds")


class LogError(ConfigError):
    """A file is not an eval log (or is damaged); the message names it."""


def write_log(log: dict[str, Any], path: Path) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    # Server URLs never enter the log, but error texts quote what drivers said: redact anyway.
    text = redact(json.dumps(log, indent=1, default=str, ensure_ascii=False))
    path.write_text(text, encoding="utf-8")
    return path


def read_log(path: Path) -> dict[str, Any]:
    if not path.is_file():
        raise LogError(f"no eval log at {path}; `cutover eval list` shows the logs")
    try:
        log = json.loads(path.read_text(encoding="utf-8"))
    except json.JSONDecodeError as exc:
        raise LogError(f"{path} is not JSON ({exc}); is it an eval log?") from None
    missing = [k for k in REQUIRED if k not in log] if isinstance(log, dict) else list(REQUIRED)
    if missing:
        raise LogError(f"{path} is not a Cutover eval log: it lacks {', '.join(missing)}")
    for case in log["cases"]:
        absent = [k for k in CASE_FIELDS if k not in case]
        if absent:
            raise LogError(f"{path}: case {case.get('id', '?')} lacks {', '.join(absent)}")
    return log


@dataclass(frozen=True)
class LogInfo:
    path: Path
    suite: str
    pair: str
    mode: str
    model: str | None
    prompt_set: str
    started: str
    parity: float | None
    cases: int


def list_logs(folder: Path) -> list[LogInfo]:
    """Eval logs under `folder` (recursively), newest first; unreadable files are skipped."""
    if not folder.is_dir():
        return []
    found = []
    for path in folder.rglob("*.json"):
        try:
            log = read_log(path)
        except (LogError, OSError, TypeError, KeyError):
            continue
        found.append(LogInfo(path, log["suite"], f"{log['source']}→{log['target']}",
                             log.get("mode", "?"), log.get("model"),
                             log["prompt_set"].get("name", "?"), log.get("started", ""),
                             log["summary"]["parity"]["mean"], log["summary"]["cases"]))
    return sorted(found, key=lambda i: i.started, reverse=True)
