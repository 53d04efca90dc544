"""The LLM fixer against a real model server (skipped unless CUTOVER_TEST_LLM_URL is set).

    scripts/local-llm serve &
    CUTOVER_TEST_LLM_URL=$(scripts/local-llm url) \
        .venv/bin/pytest -q tests/integration/test_llm_real_model.py

One object no rule fixes (SQLite's likelihood() planner hint does not exist on DuckDB) runs
through `cutover run` with the model in `auto` mode. Whatever the model says, the run must end
cleanly with every request counted and transcribed, the reply understood (no `no_answer`
caused by its format). Whether a 1.5B model finds the fix is measured by
benchmarks/llm_traps.py, not asserted here.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from tests.support.projects import make_project

URL = os.environ.get("CUTOVER_TEST_LLM_URL")
MODEL = os.environ.get("CUTOVER_TEST_LLM_MODEL", "qwen2.5-coder-1.5b-instruct")
pytestmark = pytest.mark.skipif(not URL, reason="set CUTOVER_TEST_LLM_URL to a model server "
                                                "(scripts/local-llm serve) to run this test")


@pytest.mark.parametrize("output", ["tools", "json_schema"])
def test_the_real_model_gets_a_candidate_through_the_loop(tmp_path, output):
    # json_schema: the server holds the reply to the tool-call schema by a grammar
    project = make_project(tmp_path / "p", {
        "sql/hint.sql": "SELECT id, likelihood(qty > 2, 0.9) AS big FROM orders;"},
        config_extra=(f'\n[llm]\nmodel = "{MODEL}"\nbase_url = "{URL}"\ntimeout_s = 600\n'
                      f'max_calls_per_object = 3\nmax_tokens = 512\noutput = "{output}"\n'
                      f'price_per_mtok = {{input = 0.5, output = 1.5}}\n'))
    done = subprocess.run([sys.executable, "-m", "cutover", "run", str(project), "--run-id",
                           "real", "--runs-dir", "runs"], cwd=tmp_path, capture_output=True,
                          text=True, timeout=3600, env={**os.environ, "COLUMNS": "200"})
    assert done.returncode in (0, 1), done.stdout + done.stderr
    run_dir = tmp_path / "runs" / "real"
    report = json.loads((run_dir / "report.json").read_text())
    obj = report["objects"][0]
    assert obj["verdict"] in ("parity", "compile_error", "mismatch")
    events = [json.loads(line) for line in (run_dir / "events.jsonl").open()]
    calls = [e for e in events if e["kind"] == "llm_call"]
    assert calls and all(e["usage_reported"] or e["usage_estimated"] for e in calls)
    assert report["llm"]["calls"] == len(calls) and report["llm"]["tokens"] > 0
    assert report["llm"]["cost"] > 0
    transcripts = sorted((run_dir / "artifacts" / "llm").glob("*.json"))
    assert transcripts
    endings = [json.loads(p.read_text())["stopped_reason"] for p in transcripts]
    # every reply was read: the loop ended on a submission or a budget, never on format
    assert set(endings) <= {"submitted", "budget_calls", "budget_tokens"}, endings
    assert all(e["error"] is None for e in calls)
