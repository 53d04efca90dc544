"""An LLM outage is not a verdict (issue 9 item 2): objects whose LLM answered HTTP 500 end
with a resumable verdict, and `cutover run --resume` against the healthy endpoint asks the LLM
again — real HTTP calls — and finishes them. Objects that ended for good are not redone."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from tests.support.openai_server import ScriptedOpenAIServer, call, reply
from tests.support.projects import make_project

FIXED = "SELECT id, qty > 2 AS big FROM orders"


def _cutover(cwd: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "CUTOVER_LLM_KEY": "sk-outage-test", "COLUMNS": "200"}
    return subprocess.run([sys.executable, "-m", "cutover", *args], cwd=cwd, env=env,
                          capture_output=True, text=True, timeout=300)


def _objects(run_dir: Path) -> dict[str, dict]:
    report = json.loads((run_dir / "report.json").read_text())
    return {o["name"]: o for o in report["objects"]}


def test_objects_the_llm_could_not_answer_are_redone_by_resume(tmp_path: Path) -> None:
    # No script: every request is answered 500 ("script exhausted") until the script is set.
    with ScriptedOpenAIServer([]) as server:
        project = make_project(tmp_path / "p", {
            "sql/hint.sql": "SELECT id, likelihood(qty > 2, 0.9) AS big FROM orders;",
            "sql/plain.sql": "SELECT id, qty FROM orders;"},
            config_extra=f'\n[llm]\nmodel = "m"\nbase_url = "{server.base_url}"\n'
                         f'api_key_env = "CUTOVER_LLM_KEY"\nmax_retries = 1\n')
        first = _cutover(tmp_path, "run", str(project), "--run-id", "r", "--runs-dir", "runs")
        outage_requests = len(server.chat_requests)
        objects = _objects(tmp_path / "runs" / "r")
        assert outage_requests >= 1, first.stdout + first.stderr
        hint = objects["hint"]
        assert hint["verdict"] == "compile_error"
        assert "--resume" in (hint["error"] or ""), hint["error"]
        assert objects["plain"]["verdict"] == "parity"
        kept = (tmp_path / "runs" / "r" / "artifacts" / "hint" / "outcome.json")
        assert json.loads(kept.read_text())["retry"] == "llm_unreachable"

        # The endpoint is back.
        with server._lock:
            server.script = [
                reply(tool_calls=[call("submit_sql", "c1", sql=FIXED, explanation="no hint")])]
            server._position = 0
        resumed = _cutover(tmp_path, "run", "--resume", "r", "--runs-dir", "runs")
        resume_requests = len(server.chat_requests) - outage_requests
    assert resumed.returncode == 0, resumed.stdout + resumed.stderr
    assert resume_requests >= 1  # the resume really asked the LLM
    objects = _objects(tmp_path / "runs" / "r")
    assert objects["hint"]["verdict"] == "parity"
    assert objects["hint"]["fixed_by"] == ["llm"]
    assert objects["plain"]["verdict"] == "parity"
    events = [json.loads(line) for line in
              (tmp_path / "runs" / "r" / "events.jsonl").read_text().splitlines()]
    reopened = [e for e in events if e["kind"] == "reopen"]
    assert reopened and reopened[-1]["objects"] == ["hint"]  # `plain` was final: kept
