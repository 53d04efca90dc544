"""A function the target lacks, asked of the whole-query fixer (prompt set small-v5, before
the call was asked for alone: see test_llm_call_rewrite.py): the fixer's prompt carries the
source engine's own documentation of it (MariaDB's help tables) and the target's matching
functions (DuckDB's duckdb_functions()), and the model's rewrite reaches parity — through the eval
runner on a real MariaDB source, with a loopback OpenAI-compatible server."""

from __future__ import annotations

from evals.runner import EvalSpec, run_eval
from tests.support.openai_server import ScriptedOpenAIServer, call, reply

FIXED = "SELECT id, SUBSTRING(name, 2, 2) AS middle FROM customers"


def test_prompt_shows_the_source_documentation_of_a_missing_function(mysql_url, tmp_path,
                                                                     monkeypatch):
    monkeypatch.setenv("OPENAI_API_KEY", "sk-loopback")
    script = [reply(tool_calls=[call("submit_sql", "c1", sql=FIXED, explanation="MID")])]
    with ScriptedOpenAIServer(script) as server:
        log = run_eval(EvalSpec(suite="functions-mysql", source=mysql_url, target="duckdb",
                                cases=["mid_name"], model="qwen2.5-coder-1.5b-instruct",
                                prompt_set="small-v5",
                                base_url=server.base_url, workdir=tmp_path))
        requests = server.chat_requests
    case = log["cases"][0]
    assert case["parity"] and case["llm_calls"] == 1, case["explanations"]
    system, user = (m["content"] for m in requests[0]["messages"][:2])
    assert "fails on duckdb or returns different data" in system  # fixer v5 (small set)
    assert "it does not run" in user
    assert "duckdb has no MID. mysql's documentation of MID:" in user
    assert "synonym for SUBSTRING(str,pos,len)" in user  # MariaDB's help_topic text
    assert "- substring(" in user  # named by the documentation, found in duckdb_functions()


def test_a_candidate_in_the_source_dialect_is_reread_and_translated(mysql_url, tmp_path,
                                                                   monkeypatch):
    """The model answers in MySQL's spelling (DATE_ADD(d, INTERVAL n DAY)), which DuckDB
    refuses; the fixer reads that candidate as MySQL and translates it, without a second
    call, and the data decides."""
    monkeypatch.setenv("OPENAI_API_KEY", "sk-loopback")
    mysql_spelling = ("SELECT c.id, DATE_ADD(c.joined, INTERVAL o.qty DAY) AS due "
                      "FROM customers AS c JOIN orders AS o ON o.id = c.id")
    script = [reply(tool_calls=[call("submit_sql", "c1", sql=mysql_spelling,
                                     explanation="DATE_ADD")])]
    with ScriptedOpenAIServer(script) as server:
        log = run_eval(EvalSpec(suite="functions-mysql", source=mysql_url, target="duckdb",
                                cases=["adddate_days"], model="qwen2.5-coder-1.5b-instruct",
                                prompt_set="small-v5",
                                base_url=server.base_url, workdir=tmp_path))
    case = log["cases"][0]
    assert case["parity"] and case["llm_calls"] == 1, case["explanations"]
    obj = case["raw"]["objects"][0]
    assert obj["fixed_by"][-1] == "llm-reread", obj
