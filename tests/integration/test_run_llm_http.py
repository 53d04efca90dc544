"""`cutover run` with the real ChatOpenAI client against an OpenAI-compatible server on
127.0.0.1: the tool-calling fix loop works over HTTP, tokens come from the server's `usage`,
and the API key never reaches a file."""

from __future__ import annotations

import json
import os
import subprocess
import sys

from tests.support.openai_server import ScriptedOpenAIServer, call, reply
from tests.support.projects import make_project

FIXED = "SELECT id, qty > 2 AS big FROM orders"
KEY = "sk-loopback-secret-0123456789"


def test_fix_loop_over_http(tmp_path):
    script = [
        reply(tool_calls=[call("compile_on_target", "c1", sql=FIXED)], prompt_tokens=300,
              completion_tokens=40),
        reply(tool_calls=[call("submit_sql", "c2", sql=FIXED, explanation="drop the hint")],
              prompt_tokens=350, completion_tokens=30),
    ]
    with ScriptedOpenAIServer(script) as server:
        project = make_project(tmp_path / "p", {
            "sql/hint.sql": "SELECT id, likelihood(qty > 2, 0.9) AS big FROM orders;"},
            config_extra=f'\n[llm]\nmodel = "local-model"\nbase_url = "{server.base_url}"\n'
                         f'api_key_env = "CUTOVER_LLM_KEY"\n')
        env = {**os.environ, "CUTOVER_LLM_KEY": KEY, "COLUMNS": "200"}
        done = subprocess.run([sys.executable, "-m", "cutover", "run", str(project),
                               "--run-id", "h1", "--runs-dir", "runs"], cwd=tmp_path, env=env,
                              capture_output=True, text=True, timeout=300)
        requests = server.chat_requests
    assert done.returncode == 0, done.stdout + done.stderr
    run_dir = tmp_path / "runs" / "h1"
    report = json.loads((run_dir / "report.json").read_text())
    obj = report["objects"][0]
    assert obj["verdict"] == "parity" and obj["fixed_by"] == ["llm"]
    assert report["llm"] == {"calls": 2, "tokens": 300 + 40 + 350 + 30, "cost": 0.0}
    assert "llm:local-model" in report["engine"]
    # the second request carried the compile tool's result back to the model
    tool_results = [m for m in requests[1]["messages"] if m["role"] == "tool"]
    assert tool_results and "ok" in tool_results[0]["content"].lower()
    events = [json.loads(line) for line in (run_dir / "events.jsonl").open()]
    calls = [e for e in events if e["kind"] == "llm_call"]
    assert [c["total_tokens"] for c in calls] == [340, 380]
    assert all(c["model"] and c["prompt_hash"] for c in calls)
    for path in run_dir.rglob("*"):
        if path.is_file():
            assert KEY.encode() not in path.read_bytes(), path
