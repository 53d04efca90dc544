"""Reply shapes: every common way a model writes a tool call or an answer is understood, and
the loop tells the truth (duplicates, truncation, retries counted).

The corpus in tests/fixtures/llm_replies/ holds replies as the real local model
(Qwen2.5-Coder-1.5B-Instruct on llama.cpp) wrote them, redacted; the shapes below are the ones
issue 12 lists.
"""

from __future__ import annotations

import json
from pathlib import Path

import httpx
import openai
import pytest
from langchain_core.messages import AIMessage, HumanMessage, ToolMessage

from agents.llm import LoopLimits, ScriptedChatModel, run_tool_loop
from agents.llm_replies import parse_reply
from prompts.loader import load_prompt
from tools.llm_tools import fixer_tools

TOOLS = {"run_query", "compile_on_target", "describe_table", "compare_queries", "transpile",
         "submit_sql"}
FIXED = "SELECT id, qty // 2 AS half FROM orders"
CORPUS = Path(__file__).parent.parent / "fixtures" / "llm_replies"

SHAPES = {
    "json_fence_submit": (
        'Here is the fix:\n```json\n{"name": "submit_sql", "arguments": {"sql": "' + FIXED
        + '", "explanation": "floor division"}}\n```', "submit_sql"),
    "json_fence_run_query": (
        '```json\n{"name": "run_query", "arguments": {"side": "source", "sql": '
        '"SELECT * FROM orders"}}\n```', "run_query"),
    "tool_call_tag": (
        '<tool_call>\n{"name": "submit_sql", "arguments": {"sql": "' + FIXED + '"}}\n</tool_call>',
        "submit_sql"),
    "openai_function_shape": (
        '{"function": {"name": "submit_sql", "arguments": "{\\"sql\\": \\"' + FIXED + '\\"}"}}',
        "submit_sql"),
    "parameters_key": (
        'I will call:\n{"name": "submit_sql", "parameters": {"sql": "' + FIXED + '"}}',
        "submit_sql"),
    "bare_arguments": ('```json\n{"sql": "' + FIXED + '", "explanation": "x"}\n```', "submit_sql"),
    "list_of_calls": ('[{"name": "compile_on_target", "arguments": {"sql": "' + FIXED + '"}}]',
                      "compile_on_target"),
}
SQL_SHAPES = {
    "sql_fence": "The fix:\n```sql\n" + FIXED + "\n```",
    "duckdb_fence": "```duckdb\n" + FIXED + ";\n```",
    "plain_fence": "```\n" + FIXED + "\n```",
    "one_line_fence": "```" + FIXED + "```",
    "bare_sql": FIXED + ";",
    "prose_then_sql": "Use floor division instead:\n" + FIXED,
}


@pytest.mark.parametrize("name", sorted(SHAPES))
def test_tool_call_shapes_in_text(name):
    text, tool = SHAPES[name]
    parsed = parse_reply(text, "duckdb", TOOLS, "submit_sql")
    assert [c.name for c in parsed.calls] == [tool], parsed
    if tool == "submit_sql":
        assert parsed.calls[0].args["sql"] == FIXED


@pytest.mark.parametrize("name", sorted(SQL_SHAPES))
def test_sql_answer_shapes(name):
    parsed = parse_reply(SQL_SHAPES[name], "duckdb", TOOLS, "submit_sql")
    assert parsed.sql == FIXED, parsed


@pytest.mark.parametrize("text", [
    "I am not sure what to do here.",
    "```python\nprint('hi')\n```",
    "```sql\nSELECT 1; SELECT 2\n```",          # two statements: not one answer
    "```sql\nDELETE FROM orders\n```",           # not a query
    '{"name": "drop_everything", "arguments": {}}',  # not a tool we offer
])
def test_no_answer_in_prose_or_non_queries(text):
    parsed = parse_reply(text, "duckdb", TOOLS, "submit_sql")
    assert parsed.calls == [] and parsed.sql is None


def test_the_last_of_several_sql_blocks_is_the_answer():
    text = "Broken:\n```sql\nSELECT qty / 2 FROM orders\n```\nFixed:\n```sql\n" + FIXED + "\n```"
    assert parse_reply(text, "duckdb", TOOLS, "submit_sql").sql == FIXED


def test_recorded_replies_of_the_real_model_all_parse():
    files = sorted(CORPUS.glob("*.json"))
    assert files, "the recorded corpus is missing"
    for path in files:
        record = json.loads(path.read_text(encoding="utf-8"))
        if record.get("tool_calls"):
            continue  # the server parsed these itself
        parsed = parse_reply(record["content"], "duckdb", TOOLS, "submit_sql")
        assert parsed.calls or parsed.sql, f"{path.name}: {record['content'][:200]}"


# ------------------------------------------------------------------------------ the loop
def converse(model, pair, tracer, **kwargs):
    source, target = pair
    prompt = load_prompt("fixer", "small")
    variables = {"source_dialect": "sqlite", "target_dialect": "duckdb", "rows_cap": 5,
                 "privacy": "normal", "object_name": "half", "object_kind": "view",
                 "source_sql": "SELECT id, qty / 2 AS half FROM orders",
                 "candidate_sql": "SELECT id, qty / 2 AS half FROM orders", "attempt": 2,
                 "max_attempts": 5, "failure": {"kind": "mismatch", "message": "differs"},
                 "diff": None, "history": [], "schema": [], "notes": []}
    tools = fixer_tools(source=source, target=target, source_dialect="sqlite",
                        target_dialect="duckdb", rows_cap=5, privacy="normal")
    limits = kwargs.pop("limits", LoopLimits(max_calls=6, token_budget=100_000))
    return run_tool_loop(model, prompt=prompt, system_vars=variables,
                         user_message=prompt.render_user(**variables), tools=tools,
                         max_calls=limits.max_calls, token_budget=limits.token_budget,
                         tracer=tracer, object_name="half", limits=limits, dialect="duckdb",
                         **kwargs)


def test_json_in_text_drives_the_tools_and_submits(pair, tracer):
    model = ScriptedChatModel(script=[SHAPES["json_fence_run_query"][0],
                                      SHAPES["json_fence_submit"][0]])
    out = converse(model, pair, tracer)
    assert out.stopped_reason == "submitted" and out.sql == FIXED
    # the text tool call got a real tool answer with rows from the source
    answers = [m for m in model.received[1] if isinstance(m, ToolMessage)]
    assert answers and "columns:" in answers[0].content


def test_a_duplicate_is_answered_with_its_outcome_and_the_loop_goes_on(pair, tracer):
    tried = {"SELECT id, qty / 2 AS half FROM orders": "compiled and matched 0.0% of rows"}
    model = ScriptedChatModel(script=[
        '```sql\nSELECT id,  qty / 2 AS half FROM orders;\n```',  # same query, respaced
        SHAPES["json_fence_submit"][0]])
    out = converse(model, pair, tracer, already_tried=tried)
    assert out.stopped_reason == "submitted" and out.sql == FIXED and out.calls == 2
    told = [m.text for m in model.received[1] if isinstance(m, HumanMessage)][-1]
    assert "already tried" in told and "matched 0.0% of rows" in told


def test_the_submit_answer_says_what_happens_next(pair, tracer):
    model = ScriptedChatModel(script=[SHAPES["json_fence_submit"][0]])
    out = converse(model, pair, tracer)
    tool_answer = [m for m in out.transcript if m["role"] == "tool"][-1]["content"]
    assert "compiles this query on the target" in tool_answer
    assert "will now be compiled" not in tool_answer


def test_a_cut_off_reply_is_asked_to_continue(pair, tracer):
    cut = AIMessage(content="Let me think about the integer division. First, the",
                    response_metadata={"finish_reason": "length"})
    model = ScriptedChatModel(script=[cut, SHAPES["tool_call_tag"][0]])
    out = converse(model, pair, tracer)
    assert out.stopped_reason == "submitted"
    assert "cut off" in [m.text for m in model.received[1]][-1]


class _TimingOut(ScriptedChatModel):
    failures: int = 1

    def _generate(self, messages, stop=None, run_manager=None, **kwargs):
        if self.failures:
            self.failures -= 1
            self.received.append(list(messages))
            raise openai.APITimeoutError(request=httpx.Request("POST", "http://127.0.0.1/v1"))
        return super()._generate(messages, stop, run_manager, **kwargs)


def test_a_retried_timeout_is_counted_in_calls_tokens_and_cost(pair, tracer):
    model = _TimingOut(script=[SHAPES["json_fence_submit"][0]])
    limits = LoopLimits(max_calls=4, token_budget=100_000, max_retries=1,
                        price_input_per_mtok=2.0, price_output_per_mtok=10.0)
    out = converse(model, pair, tracer, limits=limits)
    assert out.stopped_reason == "submitted" and out.calls == 2 and out.retries == 1
    calls = [json.loads(line) for line in tracer.path.read_text().splitlines()
             if json.loads(line)["kind"] == "llm_call"]
    assert [c["usage_estimated"] for c in calls] == [True, False]
    assert calls[0]["input_tokens"] > 0 and calls[0]["error"]
    assert out.tokens == sum(c["total_tokens"] for c in calls)
    expected = (out.input_tokens * 2.0 + out.output_tokens * 10.0) / 1e6
    assert out.cost == pytest.approx(expected) and out.cost > 0


def test_timeouts_past_the_retries_end_as_connection_lost(pair, tracer):
    from tools.errors import ConnectionLost

    model = _TimingOut(script=[], failures=5)
    with pytest.raises(ConnectionLost, match="timeout_s"):
        converse(model, pair, tracer, limits=LoopLimits(max_calls=5, token_budget=10_000,
                                                        max_retries=2))
    assert len(model.received) == 3
