"""run_tool_loop with a scripted model and real SQLite/DuckDB adapters (no network)."""

from __future__ import annotations

import json
from typing import Any

import pytest
from langchain_core.messages import AIMessage, HumanMessage, ToolMessage

from agents.llm import (
    ScriptedChatModel,
    ToolLoopResult,
    build_chat_model,
    run_tool_loop,
    tool_call_message,
)
from prompts.loader import load_prompt
from tools.errors import ConfigError
from tools.llm_tools import ERROR_PREFIX, fixer_tools
from tools.trace import Tracer

SYSTEM_VARS = {"source_dialect": "sqlite", "target_dialect": "duckdb", "rows_cap": 5,
               "privacy": "normal"}
CASE = {"object_name": "half_qty", "object_kind": "view",
        "source_sql": "SELECT id, qty / 2 AS half FROM orders",
        "candidate_sql": "SELECT id, qty / 2 AS half FROM orders", "attempt": 2,
        "max_attempts": 5, "failure": {"kind": "mismatch", "message": "3 of 3 rows differ"},
        "diff": {"diagnosis": "integer division", "columns": [{"name": "half",
                                                               "match_rate": 0.0}]},
        "history": []}
FIXED = "SELECT id, qty // 2 AS half FROM orders"


def usage(total_in: int, total_out: int) -> dict[str, int]:
    return {"input_tokens": total_in, "output_tokens": total_out,
            "total_tokens": total_in + total_out}


def with_usage(message: AIMessage, inp: int = 100, out: int = 10) -> AIMessage:
    message.usage_metadata = usage(inp, out)  # type: ignore[assignment]
    return message


def loop(model: ScriptedChatModel, pair, tracer: Tracer, *, privacy: str = "normal",
         max_calls: int = 8, token_budget: int = 100_000) -> ToolLoopResult:
    source, target = pair
    prompt = load_prompt("fixer")
    tools = fixer_tools(source=source, target=target, source_dialect="sqlite",
                        target_dialect="duckdb", rows_cap=5, privacy=privacy)
    return run_tool_loop(model, prompt=prompt, system_vars={**SYSTEM_VARS, "privacy": privacy},
                         user_message=prompt.render_user(**SYSTEM_VARS, **CASE), tools=tools,
                         max_calls=max_calls, token_budget=token_budget, tracer=tracer,
                         object_name="half_qty")


def events(tracer: Tracer, kind: str) -> list[dict[str, Any]]:
    lines = tracer.path.read_text(encoding="utf-8").splitlines()
    return [e for e in map(json.loads, lines) if e["kind"] == kind]


def tool_messages(model: ScriptedChatModel, call: int) -> list[ToolMessage]:
    return [m for m in model.received[call] if isinstance(m, ToolMessage)]


# ------------------------------------------------------------------------------ happy path
def test_run_query_then_submit_returns_sql_and_traces_every_call(pair, tracer):
    model = ScriptedChatModel(script=[
        with_usage(tool_call_message("run_query", side="source", sql="SELECT qty / 2 FROM orders",
                                     limit=3), 300, 20),
        with_usage(tool_call_message("submit_sql", sql=FIXED + ";",
                                     explanation="sqlite / truncates integers"), 400, 30),
    ])
    result = loop(model, pair, tracer)

    assert result.stopped_reason == "submitted"
    assert result.sql == FIXED  # trailing semicolon stripped
    assert result.explanation == "sqlite / truncates integers"
    assert (result.calls, result.tokens) == (2, 750)
    assert (result.input_tokens, result.output_tokens) == (700, 50)
    assert model.bound_tools == ["transpile", "compile_on_target", "run_query", "describe_table",
                                 "compare_queries", "submit_sql"]
    # The second call saw the source rows the tool returned (3 // 2 = 1 on SQLite).
    [rows] = tool_messages(model, 1)
    assert "qty / 2" in rows.content and "\n1\n2\n3" in rows.content
    calls = events(tracer, "llm_call")
    assert [c["total_tokens"] for c in calls] == [320, 430]
    assert calls[0]["prompt_id"] == "fixer/v1"
    assert calls[0]["prompt_hash"] == load_prompt("fixer").sha256
    assert calls[0]["tool_calls"] == ["run_query"] and calls[0]["object"] == "half_qty"
    assert calls[0]["model"] == "scripted" and calls[0]["latency_s"] >= 0
    tools = events(tracer, "tool_call")
    assert [t["tool"] for t in tools] == ["run_query", "submit_sql"]
    assert all(t["ok"] for t in tools)
    # The source query ran through the adapter, so it is in the trace as SQL on the source.
    assert any(e["side"] == "source" and "qty / 2" in e["sql"] for e in events(tracer, "sql"))


def test_system_and_user_messages_come_from_the_prompt(pair, tracer):
    model = ScriptedChatModel(script=[tool_call_message("submit_sql", sql=FIXED)])
    loop(model, pair, tracer)
    system, user = model.received[0][:2]
    assert "senior data engineer" in system.text and "sqlite" in system.text
    assert isinstance(user, HumanMessage) and "integer division" in user.text


def test_fenced_sql_answer_counts_as_submission(pair, tracer):
    model = ScriptedChatModel(script=[f"The cause is integer division.\n```sql\n{FIXED}\n```"])
    result = loop(model, pair, tracer)
    assert result.stopped_reason == "submitted" and result.sql == FIXED
    assert result.explanation == "The cause is integer division."


# ------------------------------------------------------------------------------ budgets
def test_call_budget_stops_the_loop(pair, tracer):
    probe = tool_call_message("describe_table", side="target", name="orders")
    model = ScriptedChatModel(script=[probe, probe, probe, probe])
    result = loop(model, pair, tracer, max_calls=3)
    assert result.stopped_reason == "budget_calls"
    assert result.calls == 3 and result.sql is None and model.position == 3


def test_token_budget_stops_the_loop(pair, tracer):
    probe = tool_call_message("describe_table", side="target", name="orders")
    model = ScriptedChatModel(script=[with_usage(probe, 500, 100) for _ in range(5)])
    result = loop(model, pair, tracer, token_budget=1_000)
    assert result.stopped_reason == "budget_tokens"
    assert (result.calls, result.tokens) == (2, 1_200)


def test_tokens_are_estimated_when_a_reply_reports_none(pair, tracer):
    model = ScriptedChatModel(script=[tool_call_message("submit_sql", sql=FIXED)])
    result = loop(model, pair, tracer)
    assert result.tokens > 0 and result.tokens == result.input_tokens + result.output_tokens


# ------------------------------------------------------------------------------ garbage
def test_prose_without_sql_is_nudged_once_then_no_answer(pair, tracer):
    model = ScriptedChatModel(script=["I think it is fine.", "Really, it is fine."])
    result = loop(model, pair, tracer)
    assert result.stopped_reason == "no_answer" and result.sql is None
    assert "submit_sql" in model.received[1][-1].text  # the nudge


def test_rejected_submissions_are_explained_to_the_model(pair, tracer):
    model = ScriptedChatModel(script=[
        tool_call_message("submit_sql", sql="   "),
        tool_call_message("submit_sql", sql="DROP TABLE orders"),
        tool_call_message("submit_sql", "c3", sql="SELECT ("),
        tool_call_message("submit_sql", sql=FIXED),
    ])
    result = loop(model, pair, tracer)
    assert result.stopped_reason == "submitted" and result.sql == FIXED and result.calls == 4
    replies = [tool_messages(model, i)[-1].content for i in (1, 2, 3)]
    assert all(r.startswith(ERROR_PREFIX) for r in replies)
    assert "non-empty" in replies[0] and "DROP" in replies[1]
    assert [t["ok"] for t in events(tracer, "tool_call")] == [False, False, False, True]


def test_malformed_and_unknown_tool_calls_become_error_text(pair, tracer):
    broken = AIMessage(content="", invalid_tool_calls=[
        {"name": "run_query", "args": "{side: source", "id": "bad1", "error": "bad JSON",
         "type": "invalid_tool_call"}])
    model = ScriptedChatModel(script=[
        broken,
        tool_call_message("drop_everything", sql="x"),
        tool_call_message("run_query", side="source"),  # sql missing
        tool_call_message("run_query", side="target", sql="SELECT * FROM nowhere"),
        tool_call_message("submit_sql", sql=FIXED),
    ])
    result = loop(model, pair, tracer)
    assert result.stopped_reason == "submitted"
    texts = [tool_messages(model, i)[-1].content for i in (1, 2, 3, 4)]
    assert "not valid JSON" in texts[0]
    assert "no tool named 'drop_everything'" in texts[1]
    assert "invalid arguments" in texts[2] and "sql" in texts[2]
    assert texts[3].startswith(f"{ERROR_PREFIX} compile") and "nowhere" in texts[3]
    assert tool_messages(model, 1)[-1].tool_call_id == "bad1"


def test_model_exception_stops_with_error(pair, tracer):
    model = ScriptedChatModel(script=[tool_call_message("describe_table", side="source",
                                                        name="orders")])
    result = loop(model, pair, tracer)  # the second call runs past the script
    assert result.stopped_reason == "error" and "script exhausted" in (result.error or "")
    assert events(tracer, "llm_call")[-1]["error"]


# ------------------------------------------------------------------------------ safety
def test_strict_privacy_sends_no_values(pair, tracer):
    model = ScriptedChatModel(script=[
        tool_call_message("run_query", side="source", sql="SELECT * FROM orders"),
        tool_call_message("compare_queries", source_sql="SELECT note FROM orders",
                          target_sql="SELECT upper(note) FROM orders"),
        tool_call_message("submit_sql", sql=FIXED),
    ])
    result = loop(model, pair, tracer, privacy="strict")
    assert result.stopped_reason == "submitted"
    sent = " ".join(m.text for m in model.received[-1])
    assert "widget" not in sent.lower() and "gadget" not in sent.lower()
    assert "rows: 3" in sent and "note string" in sent
    assert "equal as multisets: no" in sent


def test_normal_privacy_caps_rows(pair, tracer):
    model = ScriptedChatModel(script=[
        tool_call_message("run_query", side="target", sql="SELECT * FROM range(100)", limit=50),
        tool_call_message("submit_sql", sql=FIXED),
    ])
    loop(model, pair, tracer)
    [rows] = tool_messages(model, 1)
    assert "5 shown, more exist" in rows.content
    assert len(rows.content.splitlines()) == 3 + 5  # columns, rows, header + 5 rows


def test_writes_are_refused_on_both_sides(pair, tracer):
    model = ScriptedChatModel(script=[
        tool_call_message("run_query", side="source", sql="DELETE FROM orders"),
        tool_call_message("compile_on_target", sql="SELECT 1; DROP TABLE cutover_test.orders"),
        tool_call_message("submit_sql", sql=FIXED),
    ])
    loop(model, pair, tracer)
    assert tool_messages(model, 1)[-1].content.startswith(f"{ERROR_PREFIX} guard")
    assert tool_messages(model, 2)[-1].content.startswith(f"{ERROR_PREFIX} guard")
    assert pair[1].count_rows("orders") == 3


def test_transcript_is_redacted(pair, tracer):
    tracer.redactor.add("hunter2-very-secret")
    model = ScriptedChatModel(script=[
        tool_call_message("submit_sql", sql=FIXED, explanation="pw is hunter2-very-secret")])
    result = loop(model, pair, tracer)
    dumped = json.dumps(result.transcript)
    assert "hunter2-very-secret" not in dumped and "***" in dumped
    assert [m["role"] for m in result.transcript] == ["system", "human", "ai", "tool"]


# ------------------------------------------------------------------------------ factory
def test_build_chat_model_without_model_is_none():
    assert build_chat_model(None, None, None) is None


def test_build_chat_model_needs_an_endpoint_or_key():
    with pytest.raises(ConfigError, match="base_url"):
        build_chat_model("gpt-4o-mini", None, None)


def test_build_chat_model_configures_chat_openai():
    model = build_chat_model("local-model", "http://127.0.0.1:9/v1", None, 0.2, 7.0,
                             max_tokens=256)
    assert model is not None
    assert model.openai_api_base == "http://127.0.0.1:9/v1"  # type: ignore[attr-defined]
    # the client never retries behind the loop's back: the loop retries and counts each request
    assert model.max_retries == 0 and model.request_timeout == 7.0  # type: ignore[attr-defined]
    assert model.max_tokens == 256  # type: ignore[attr-defined]


# ------------------------------------------------------------------------------ vet
def test_a_vet_refuses_or_replaces_a_submission_within_the_conversation(pair, tracer):
    """The caller's vet sees each submission before the turn ends: a refusal goes back to the
    model at once (the loop goes on within budget), an acceptance may replace the SQL."""
    seen: list[str] = []

    def vet(sql: str) -> tuple[str | None, str | None]:
        seen.append(sql)
        if "qty / 2" in sql:
            return None, f"{ERROR_PREFIX} still divides as the target does"
        return sql.replace("half", "half_qty"), None

    model = ScriptedChatModel(script=[
        tool_call_message("submit_sql", sql="SELECT id, qty / 2 AS half FROM orders"),
        tool_call_message("submit_sql", sql=FIXED),
    ])
    source, target = pair
    prompt = load_prompt("fixer")
    result = run_tool_loop(model, prompt=prompt, system_vars=SYSTEM_VARS,
                           user_message=prompt.render_user(**SYSTEM_VARS, **CASE),
                           tools=fixer_tools(source=source, target=target,
                                             source_dialect="sqlite", target_dialect="duckdb",
                                             rows_cap=5, privacy="normal"),
                           max_calls=4, token_budget=100_000, tracer=tracer,
                           object_name="half_qty", vet=vet)
    assert result.stopped_reason == "submitted" and result.calls == 2
    assert result.sql == FIXED.replace("half", "half_qty")
    assert seen == ["SELECT id, qty / 2 AS half FROM orders", FIXED]
    [refusal] = tool_messages(model, 1)
    assert "still divides" in refusal.content
    assert [e["ok"] for e in events(tracer, "llm_vet")] == [False]
