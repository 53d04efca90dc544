"""The per-object and per-run LLM token budgets, through `cutover run` against a loopback
OpenAI-compatible server whose replies carry exact token counts.

Each object here calls SQLite's likelihood() planner hint, which DuckDB lacks and no rule
rewrites: only the LLM can fix it, and the scripted model never submits, so every object
spends tokens until a budget stops it. The budget is checked before each request, so an
object overshoots by at most the request that crossed it.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys

from tests.support.openai_server import ScriptedOpenAIServer, call, reply
from tests.support.projects import make_project

HINT = "SELECT id, likelihood(qty > 2, 0.9) AS big FROM orders;"
PROBE = "SELECT id, qty > 2 AS big FROM orders"
PER_REQUEST = 3_000 + 100  # prompt + completion tokens of every scripted reply


def _probing(count: int) -> list[dict]:
    """Replies that only ever compile a probe, never submit: tokens burn until a budget."""
    return [reply(tool_calls=[call("compile_on_target", f"c{i}", sql=PROBE)],
                  prompt_tokens=3_000, completion_tokens=100) for i in range(count)]


def _run(tmp_path, server, budgets: str, files: dict[str, str]) -> tuple[dict, list[dict]]:
    project = make_project(tmp_path / "p", files, config_extra=(
        f'\n[run]\nworkers = 1\n\n[llm]\nmodel = "local-model"\nbase_url = "{server.base_url}"\n'
        f'max_calls_per_object = 8\nprice_per_mtok = {{input = 2.0, output = 10.0}}\n'
        f'{budgets}'))
    done = subprocess.run([sys.executable, "-m", "cutover", "run", str(project), "--run-id",
                           "b1", "--runs-dir", "runs"], cwd=tmp_path, capture_output=True,
                          text=True, timeout=300, env={**os.environ, "COLUMNS": "200"})
    assert done.returncode == 1, done.stdout + done.stderr  # nothing reaches parity
    run_dir = tmp_path / "runs" / "b1"
    report = json.loads((run_dir / "report.json").read_text())
    events = [json.loads(line) for line in (run_dir / "events.jsonl").open()]
    return report, events


def test_each_object_stops_at_its_own_token_budget_and_says_so(tmp_path):
    # 5,000 per object: the first request (3,100) is under it, the second crosses it, and no
    # third is sent. Each object has its own budget, so the second object gets two requests too.
    with ScriptedOpenAIServer(_probing(6)) as server:
        report, events = _run(tmp_path, server, "max_tokens_per_object = 5000\n",
                              {"sql/a.sql": HINT, "sql/b.sql": HINT})
        sent = len(server.chat_requests)
    assert sent == 4
    objects = {o["name"]: o for o in report["objects"]}
    assert set(objects) == {"a", "b"}
    for obj in objects.values():
        assert obj["verdict"] == "compile_error"
        assert obj["llm_calls"] == 2 and obj["tokens"] == 2 * PER_REQUEST
        assert ("LLM token budget per object spent: 6,200 of 5,000 tokens "
                "([llm] max_tokens_per_object)") in obj["error"], obj["error"]
    assert report["llm"]["tokens"] == 4 * PER_REQUEST
    # priced: 4 × (3,000 × 2.0 + 100 × 10.0) per million
    assert report["llm"]["cost"] == round(4 * (3_000 * 2.0 + 100 * 10.0) / 1e6, 6)
    calls = [e for e in events if e["kind"] == "llm_call"]
    assert sorted(e["object"] for e in calls) == ["a", "a", "b", "b"]
    transcripts = [e for e in events if e["kind"] == "llm_transcript"]
    assert {e["stopped_reason"] for e in transcripts} == {"budget_tokens"}


def test_the_run_budget_is_shared_and_named_when_it_is_the_smaller(tmp_path):
    # 7,000 for the run, 60,000 per object: object a spends 6,200 (two requests; the second
    # crosses nothing yet), then one more request crosses the run's budget; object b, next,
    # is never sent to the model and says which budget stopped it.
    with ScriptedOpenAIServer(_probing(6)) as server:
        report, events = _run(tmp_path, server, "max_tokens_per_run = 7000\n",
                              {"sql/a.sql": HINT, "sql/b.sql": HINT})
        sent = len(server.chat_requests)
    assert sent == 3
    objects = {o["name"]: o for o in report["objects"]}
    assert objects["a"]["tokens"] == 3 * PER_REQUEST
    assert "LLM token budget per run spent: 9,300 of 7,000 tokens ([llm] max_tokens_per_run)" \
        in objects["a"]["error"], objects["a"]["error"]
    assert objects["b"]["llm_calls"] == 0 and objects["b"]["tokens"] == 0
    assert "([llm] max_tokens_per_run)" in objects["b"]["error"], objects["b"]["error"]
    held = [e for e in events if e["kind"] == "llm_budget"]
    assert held and "max_tokens_per_run" in held[-1]["spent"]
