"""One `cutover run` of an eval's dbt project (procbench, sakila-routines): the run as a user
starts it, in a new process without the LLM, and the dbt.json it leaves."""

from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from evals.engines import dispose
from tools.errors import ConfigError


def run_dbt_project(project: Path, run_id: str, suite: str) -> tuple[dict[str, Any], float]:
    """(the run's dbt.json, the run's seconds); a run that wrote none is a ConfigError with
    the end of its output."""
    started = time.perf_counter()
    done = subprocess.run([sys.executable, "-m", "cutover", "run", str(project),
                           "--runs-dir", str(project / "runs"), "--run-id", run_id,
                           "--llm", "off"], capture_output=True, text=True, check=False)
    seconds = time.perf_counter() - started
    dbt_file = project / "runs" / run_id / "dbt.json"
    if not dbt_file.is_file():
        raise ConfigError(f"the {suite} run wrote no dbt.json: "
                          f"{(done.stderr or done.stdout).strip()[-400:]}")
    return json.loads(dbt_file.read_text(encoding="utf-8")), seconds


def dispose_all(endpoints: list[Any]) -> None:
    """Drop the eval's databases; clean-up must not hide the outcome."""
    for endpoint in endpoints:
        try:
            dispose(endpoint)
        except Exception:  # noqa: BLE001 - whatever clean-up meets, the outcome stands
            pass
