"""The real ChatOpenAI client against a scripted OpenAI-compatible server on loopback.

Proves the wire format end to end: tools are offered, tool calls parse, tool results go back
in the next request, and token counts come from the server's `usage` block.
No external service: the server runs in a thread of this process.
"""

from __future__ import annotations

import json
import socket
from typing import Any

import pytest

from agents.llm import build_chat_model, run_tool_loop
from prompts.loader import load_prompt
from tests.support.openai_server import ScriptedOpenAIServer, call, reply
from tools.errors import ConfigError, ConnectionLost
from tools.llm_tools import fixer_tools
from tools.trace import Tracer

SYSTEM_VARS = {"source_dialect": "sqlite", "target_dialect": "duckdb", "rows_cap": 5,
               "privacy": "normal"}
FIXED = "SELECT id, qty // 2 AS half FROM orders"



def run(base_url: str, pair, tracer: Tracer, *, streaming: bool = False,
        max_calls: int = 6):
    model = build_chat_model("scripted-model", base_url, "sk-test-key-123456", 0.0, 10.0)
    assert model is not None
    if streaming:
        model = model.model_copy(update={"streaming": True})
    source, target = pair
    prompt = load_prompt("fixer")
    tools = fixer_tools(source=source, target=target, source_dialect="sqlite",
                        target_dialect="duckdb", rows_cap=5, privacy="normal")
    return run_tool_loop(model, prompt=prompt, system_vars=SYSTEM_VARS,
                         user_message="Fix `half_qty`: SELECT id, qty / 2 AS half FROM orders",
                         tools=tools, max_calls=max_calls, token_budget=10_000, tracer=tracer,
                         object_name="half_qty")


def llm_events(tracer: Tracer) -> list[dict[str, Any]]:
    lines = tracer.path.read_text(encoding="utf-8").splitlines()
    return [e for e in map(json.loads, lines) if e["kind"] == "llm_call"]


def tool_results(request: dict[str, Any]) -> list[dict[str, Any]]:
    return [m for m in request["messages"] if m["role"] == "tool"]


SCRIPT = [
    reply(tool_calls=[call("run_query", "c1", side="source",
                           sql="SELECT id, qty / 2 AS half FROM orders")],
          prompt_tokens=900, completion_tokens=40),
    reply(content="SQLite truncates; DuckDB's / does not.",
          tool_calls=[call("compile_on_target", "c2", sql=FIXED)],
          prompt_tokens=1_100, completion_tokens=35),
    reply(tool_calls=[call("submit_sql", "c3", sql=FIXED, explanation="use // like SQLite's /")],
          prompt_tokens=1_200, completion_tokens=30),
]


@pytest.mark.parametrize("streaming", [False, True], ids=["plain", "streamed"])
def test_tool_loop_over_http_submits_and_counts_server_tokens(pair, tracer, streaming):
    with ScriptedOpenAIServer(list(SCRIPT)) as server:
        result = run(server.base_url, pair, tracer, streaming=streaming)

    assert result.stopped_reason == "submitted", result.error
    assert result.sql == FIXED and result.explanation == "use // like SQLite's /"
    assert (result.calls, result.tokens) == (3, 940 + 1_135 + 1_230)
    assert (result.input_tokens, result.output_tokens) == (3_200, 105)
    events = llm_events(tracer)
    assert [e["total_tokens"] for e in events] == [940, 1_135, 1_230]
    assert [e["input_tokens"] for e in events] == [900, 1_100, 1_200]
    assert all(e["model"] == "scripted-model" and e["usage_reported"] for e in events)
    assert events[0]["prompt_id"] == "fixer/v1" and events[0]["tool_calls"] == ["run_query"]

    first, second, third = server.chat_requests
    assert first["model"] == "scripted-model" and bool(first.get("stream")) == streaming
    assert {t["function"]["name"] for t in first["tools"]} >= {"run_query", "submit_sql"}
    assert first["messages"][0]["role"] == "system"
    # The rows run_query read on SQLite went back to the server as the tool result.
    [rows] = tool_results(second)
    assert rows["tool_call_id"] == "c1" and "half" in rows["content"]
    assert "\n1 | 1\n2 | 2\n3 | 3" in rows["content"]
    assert tool_results(third)[-1] == {"role": "tool", "tool_call_id": "c2",
                                       "content": "OK: compiles on duckdb"}
    # The key is sent as a header only; it never appears in a body the server saw.
    assert "sk-test-key-123456" not in json.dumps(server.requests)


def test_malformed_arguments_over_http_are_answered_not_raised(pair, tracer):
    script = [reply(tool_calls=[call("run_query", "bad", '{"side": "source", sql')]),
              reply(content=f"Here it is:\n```sql\n{FIXED}\n```")]
    with ScriptedOpenAIServer(script) as server:
        result = run(server.base_url, pair, tracer)
    assert result.stopped_reason == "submitted" and result.sql == FIXED
    [answer] = tool_results(server.chat_requests[1])
    assert answer["tool_call_id"] == "bad" and answer["content"].startswith("ERROR:")


def test_call_budget_over_http(pair, tracer):
    probe = reply(tool_calls=[call("describe_table", side="target", name="orders")])
    with ScriptedOpenAIServer([probe, probe, probe]) as server:
        result = run(server.base_url, pair, tracer, max_calls=2)
    assert result.stopped_reason == "budget_calls" and len(server.chat_requests) == 2


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_unreachable_endpoint_is_connection_lost_with_redacted_url(pair, tracer):
    url = f"http://user:hunter2secret@127.0.0.1:{free_port()}/v1"
    with pytest.raises(ConnectionLost) as caught:
        run(url, pair, tracer)
    message = str(caught.value)
    assert f"127.0.0.1:{url.rsplit(':', 1)[1].split('/')[0]}" in message
    assert "hunter2secret" not in message and "base_url" in message


def test_server_errors_are_infrastructure_not_bad_sql(pair, tracer):
    failing = reply(status=500, error="model crashed")
    with ScriptedOpenAIServer([failing, failing]) as server:  # the client retries once
        with pytest.raises(ConnectionLost, match="unavailable"):
            run(server.base_url, pair, tracer)
    with ScriptedOpenAIServer([reply(status=401, error="bad key")]) as server:
        with pytest.raises(ConfigError, match="refused the API key"):
            run(server.base_url, pair, tracer)


def test_bad_request_stops_the_loop_with_error(pair, tracer):
    with ScriptedOpenAIServer([reply(status=400, error="context length exceeded")]) as server:
        result = run(server.base_url, pair, tracer)
    assert result.stopped_reason == "error" and "context length" in (result.error or "")
