"""A function call the target refused, asked of the LLM alone (agents/llm_call_rewrite.py):
through the eval runner on a real MariaDB source and DuckDB target, with a loopback
OpenAI-compatible server playing the model.

The prompt names the one call, its column types and MariaDB's documentation of the function;
an answer that still calls the refused function is refused within the same conversation, and
the accepted expression is put back into the translation, where the data decides."""

from __future__ import annotations

import json

from evals.runner import EvalSpec, run_eval
from tests.support.openai_server import ScriptedOpenAIServer, reply


def _answer(sql: str) -> dict:
    # The small model's habit: the tool call written as JSON in a fenced block.
    text = json.dumps({"name": "submit_sql", "arguments": {"sql": sql, "explanation": "x"}})
    return reply(content=f"```json\n{text}\n```")


def _run(mysql_url, tmp_path, case: str, script: list[dict]) -> tuple[dict, list[dict]]:
    with ScriptedOpenAIServer(script) as server:
        log = run_eval(EvalSpec(suite="functions-mysql", source=mysql_url, target="duckdb",
                                cases=[case], model="qwen2.5-coder-1.5b-instruct",
                                base_url=server.base_url, workdir=tmp_path))
        return log["cases"][0], server.chat_requests


def test_the_refused_call_is_asked_alone_and_put_back(mysql_url, tmp_path, monkeypatch):
    monkeypatch.setenv("OPENAI_API_KEY", "sk-loopback")
    case, requests = _run(mysql_url, tmp_path, "conv_binary", [
        _answer("SELECT CONV(qty, 10, 2) FROM orders"),   # still the refused function
        _answer("SELECT bin(qty) AS bits FROM orders"),
    ])
    assert case["parity"] and case["llm_calls"] == 2, case["explanations"]
    obj = case["raw"]["objects"][0]
    assert obj["fixed_by"][-1] == "llm-function", obj
    assert "BIN(qty) AS bits" in obj["final_sql"], obj["final_sql"]
    system, user = (m["content"] for m in requests[0]["messages"][:2])
    assert "You rewrite one mysql expression for duckdb. duckdb has no CONV function" in system
    assert "mysql expression: CONV(qty, 10, 2)" in user
    assert "Column types: qty int(11)" in user
    assert "mysql's documentation of CONV:" in user  # MariaDB's help_topic text
    # what the call gives on the source for some of the object's rows (privacy "normal")
    assert "What it gives on mysql for some rows:" in user and "qty=7 -> '111'" in user, user
    refused = [m["content"] for m in requests[1]["messages"] if m["role"] == "tool"]
    assert refused and "duckdb has no CONV" in refused[-1], requests[1]["messages"]


def test_an_answer_in_the_source_spelling_is_translated_in_place(mysql_url, tmp_path,
                                                                 monkeypatch):
    """MySQL's DATE_ADD(d, INTERVAL n DAY) for ADDDATE(d, n): DuckDB refuses it as written;
    the vet reads the expression as MySQL, translates it, and the data decides — one call."""
    monkeypatch.setenv("OPENAI_API_KEY", "sk-loopback")
    case, requests = _run(mysql_url, tmp_path, "adddate_days", [
        _answer("SELECT DATE_ADD(c.joined, INTERVAL o.qty DAY) FROM customers AS c"),
    ])
    assert case["parity"] and case["llm_calls"] == 1, case["explanations"]
    assert case["raw"]["objects"][0]["fixed_by"][-1] == "llm-function"
    assert "mysql expression: ADDDATE(c.joined, o.qty)" in requests[0]["messages"][1]["content"]


def test_a_wrong_rewrite_is_shown_with_its_data_on_the_next_round(mysql_url, tmp_path,
                                                                  monkeypatch):
    """The first expression compiles but gives other values; the second round asks for the
    same call again and shows what the first one gave (samples, as privacy allows)."""
    monkeypatch.setenv("OPENAI_API_KEY", "sk-loopback")
    case, requests = _run(mysql_url, tmp_path, "conv_binary", [
        _answer("SELECT CAST(qty AS VARCHAR) FROM orders"),
        _answer("SELECT bin(qty) FROM orders"),
    ])
    assert case["parity"] and case["llm_calls"] == 2, case["explanations"]
    second = requests[1]["messages"][1]["content"]
    assert "Already tried: CAST(qty AS TEXT) -> compiled, but the data differs" in second, second
    assert "expected" in second  # the differing values, shown in the default privacy mode


def test_strict_privacy_shows_no_source_values_for_the_call(mysql_url, tmp_path, monkeypatch):
    """In strict mode the lone-call prompt carries no source examples, and a wrong rewrite's
    outcome is counts only: no value of the data reaches the endpoint."""
    monkeypatch.setenv("OPENAI_API_KEY", "sk-loopback")
    with ScriptedOpenAIServer([_answer("SELECT CAST(qty AS VARCHAR) FROM orders"),
                               _answer("SELECT bin(qty) FROM orders")]) as server:
        log = run_eval(EvalSpec(suite="functions-mysql", source=mysql_url, target="duckdb",
                                cases=["conv_binary"], model="qwen2.5-coder-1.5b-instruct",
                                base_url=server.base_url, workdir=tmp_path,
                                llm={"privacy": "strict"}))
        sent = json.dumps(server.chat_requests)
        second = server.chat_requests[1]["messages"][1]["content"]
    assert log["cases"][0]["parity"], log["cases"][0]["explanations"]
    assert "What it gives on mysql" not in sent
    assert "Already tried: CAST(qty AS TEXT) -> compiled, but the data differs" in second
    assert "expected" not in second and "'111'" not in sent
