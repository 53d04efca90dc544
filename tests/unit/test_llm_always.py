"""llm mode "always" can never make an object worse than the rules alone, and every LLM
conversation is kept as a redacted run artifact."""

from __future__ import annotations

import json

from langchain_core.messages import AIMessage

from agents.llm import ScriptedChatModel
from tests.support.projects import make_project

# DuckDB's typeof() names differ from SQLite's: half the rows (id > 3) mismatch, so sqlglot's
# translation scores 0.5 and no rule in the catalog fixes it.
HALF_RIGHT = "SELECT id, CASE WHEN id > 3 THEN typeof(id) ELSE 'x' END AS t FROM orders;"
WORSE = "SELECT id, typeof(id) AS t FROM orders"


def _submit(sql: str, n: int) -> AIMessage:
    return AIMessage(content="", tool_calls=[{"name": "submit_sql", "id": f"s{n}",
                                              "args": {"sql": sql, "explanation": "try"}}],
                     usage_metadata={"input_tokens": 50, "output_tokens": 10,
                                     "total_tokens": 60})


def test_an_object_at_parity_never_asks_the_llm(tmp_path, run_project):
    project = make_project(tmp_path / "p", {"sql/plain.sql": "SELECT id, qty FROM orders;"})
    model = ScriptedChatModel(script=[_submit("SELECT id, qty + 1 AS qty FROM orders", 1)])
    outcome = run_project(project, chat_model=model, llm_mode="always")
    obj = outcome.report["objects"][0]
    assert obj["verdict"] == "parity" and obj["attempts"] == 1
    assert obj["attempt_log"][0]["origin"] == "translate" and model.received == []


def test_a_worse_llm_candidate_loses_to_sqlglots(tmp_path, run_project):
    project = make_project(tmp_path / "p", {"sql/half.sql": HALF_RIGHT})
    model = ScriptedChatModel(script=[_submit(WORSE, 1), "no more ideas", "still none"])
    outcome = run_project(project, chat_model=model, llm_mode="always")
    obj = outcome.report["objects"][0]
    log = obj["attempt_log"]
    assert log[0]["origin"] == "translate" and log[0]["diff_score"] == 0.5
    assert log[1]["origin"] == "llm-translate" and log[1]["diff_score"] == 0.0
    assert obj["verdict"] == "mismatch"
    assert "CASE" in obj["final_sql"]  # candidate 1 ships, not the LLM's (it has no CASE)
    assert "best attempt #1" in obj["error"]


def test_each_conversation_is_saved_as_an_artifact(tmp_path, run_project):
    project = make_project(tmp_path / "p", {"sql/half.sql": HALF_RIGHT})
    model = ScriptedChatModel(script=[_submit(WORSE, 1), "no more ideas", "still none"])
    outcome = run_project(project, chat_model=model, llm_mode="always")
    saved = sorted((outcome.run_dir / "artifacts" / "llm").glob("*.json"))
    assert len(saved) == 2  # the always-mode translation, then the fixer's conversation
    first = json.loads(saved[0].read_text())
    assert first["agent"] == "translator" and first["stopped_reason"] == "submitted"
    assert [m["role"] for m in first["messages"]][:2] == ["system", "human"]
    second = json.loads(saved[1].read_text())
    assert second["stopped_reason"] == "no_answer"
    assert second["messages"][-1]["content"] == "still none"  # what the model said is kept
    events = [json.loads(line) for line in (outcome.run_dir / "events.jsonl").open()]
    announced = [e["path"] for e in events if e["kind"] == "llm_transcript"]
    assert announced == [str(p.relative_to(outcome.run_dir)) for p in saved]


def test_cost_per_object_and_run_and_trace_llm(tmp_path, run_project):
    from typer.testing import CliRunner

    from cutover.cli import app

    project = make_project(tmp_path / "p", {"sql/half.sql": HALF_RIGHT})
    model = ScriptedChatModel(script=[_submit(WORSE, 1), "no more ideas", "still none"])
    outcome = run_project(project, chat_model=model, llm_mode="always",
                          llm_price_input_per_mtok=3.0, llm_price_output_per_mtok=15.0)
    report = outcome.report
    inputs = sum(e["input_tokens"] for e in _events(outcome.run_dir, "llm_call"))
    outputs = sum(e["output_tokens"] for e in _events(outcome.run_dir, "llm_call"))
    expected = round((inputs * 3.0 + outputs * 15.0) / 1e6, 6)
    assert report["llm"]["cost"] == expected > 0
    obj = report["objects"][0]
    assert sum(t["cost"] for t in obj["llm_transcripts"]) == expected
    html = (outcome.run_dir / "report.html").read_text()
    assert "LLM conversation 2 (fixer, no_answer)" in html and "still none" in html
    shown = CliRunner().invoke(app, ["trace", outcome.run_dir.name, "--llm", "--runs-dir",
                                     str(outcome.run_dir.parent)], env={"COLUMNS": "200"})
    assert shown.exit_code == 0, shown.output
    assert "no_answer" in shown.output and "still none" in shown.output
    assert f"cost {expected}" in shown.output


def _events(run_dir, kind):
    lines = (run_dir / "events.jsonl").read_text().splitlines()
    return [e for e in map(json.loads, lines) if e["kind"] == kind]


def test_the_run_builds_its_model_with_the_llm_timeout_not_the_statement_timeout(tmp_path):
    from cutover.config import build_context
    from graph.run import run_migration

    project = make_project(tmp_path / "p", {"sql/plain.sql": "SELECT id, qty FROM orders;"},
                           config_extra='\n[llm]\nmodel = "m"\nbase_url = "http://127.0.0.1:9/v1"\n'
                                        'timeout_s = 42\nmax_tokens = 300\n')
    ctx, cfg = build_context(project, "t", tmp_path / "runs")
    run_migration(ctx, project=cfg.project.name)
    assert ctx.chat_model.request_timeout == 42 and ctx.chat_model.max_tokens == 300
