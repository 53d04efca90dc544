"""Run dbt in-process (dbt.cli.main.dbtRunner) on a written project and collect, per model,
its build status and its tests' outcomes, plus the build log as dbt prints it."""

from __future__ import annotations

import json
import os
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from tools.errors import CutoverError


@dataclass
class BuildResult:
    ok: bool
    seconds: float
    models: dict[str, str] = field(default_factory=dict)
    """model name -> dbt status ('success', 'error', 'skipped')."""
    tests: dict[str, list[tuple[str, str]]] = field(default_factory=dict)
    """model name -> [(test name, status)] of the tests attached to it."""
    errors: dict[str, str] = field(default_factory=dict)
    log: str = ""


@contextmanager
def _environment(values: dict[str, str]) -> Iterator[None]:
    """dbt reads env_var() from the process environment; the password goes there for the
    build only and is removed afterwards (it is never written to a file)."""
    saved = {k: os.environ.get(k) for k in values}
    os.environ.update(values)
    try:
        yield
    finally:
        for key, old in saved.items():
            if old is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = old


def dbt_build(project_dir: Path, env: dict[str, str] | None = None,
              command: str = "build", variables: dict[str, Any] | None = None
              ) -> BuildResult:
    """`dbt build` (models, then their tests) on the project, in this process."""
    try:
        from dbt.cli.main import dbtRunner
    except ImportError as exc:
        raise CutoverError("the dbt output needs dbt-core and its adapters: "
                           "pip install -e '.[dbt]'") from exc
    lines: list[str] = []

    def collect(event) -> None:  # dbt's structured log: keep what its console shows
        if event.info.level in ("info", "warn", "error") and event.info.msg:
            lines.append(event.info.msg)

    args = [command, "--project-dir", str(project_dir), "--profiles-dir", str(project_dir),
            "--log-path", str(project_dir / "logs"), "--target-path",
            str(project_dir / "target"), "--no-send-anonymous-usage-stats",
            "--no-version-check", "--no-use-colors", "--quiet", "--no-partial-parse",
            *(["--vars", json.dumps(variables)] if variables else [])]
    started = time.perf_counter()
    with _environment({"DO_NOT_TRACK": "1", **(env or {})}):
        outcome = dbtRunner(callbacks=[collect]).invoke(args)
    result = BuildResult(ok=bool(outcome.success), seconds=round(time.perf_counter() - started, 3),
                         log="\n".join(lines))
    if outcome.exception is not None:
        result.errors["dbt"] = str(outcome.exception)
        return result
    node_results: list[Any] = list(outcome.result or [])  # type: ignore[arg-type]
    for node_result in node_results:
        node = node_result.node
        status = str(node_result.status)
        if node.resource_type == "model":
            result.models[node.name] = status
            if node_result.message and status == "error":
                result.errors[node.name] = str(node_result.message)
        elif node.resource_type == "test":
            # the model whose .yml declares the test (a relationships test reads two)
            parent = getattr(node, "attached_node", None) or (node.depends_on.nodes or ["?"])[0]
            result.tests.setdefault(parent.split(".")[-1], []).append((node.name, status))
    return result
