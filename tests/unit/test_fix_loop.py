"""The fixer loop with a scripted chat model: repair through tools, attempt limit, budgets."""

from __future__ import annotations

import json

from langchain_core.messages import AIMessage
from langgraph.graph import END

from agents.llm import ScriptedChatModel
from graph import routing
from tests.support.projects import make_project

# SQLite's likelihood() is a planner hint with no DuckDB counterpart: sqlglot passes it through,
# DuckDB refuses it, and no rule in the catalog knows it — a job for the LLM.
HINTED = "SELECT id, likelihood(qty > 2, 0.9) AS big FROM orders;"
FIXED = "SELECT id, qty > 2 AS big FROM orders"


def _call(name, args, n):
    return AIMessage(content="", tool_calls=[{"name": name, "args": args, "id": f"call{n}"}],
                     usage_metadata={"input_tokens": 100, "output_tokens": 20,
                                     "total_tokens": 120})


def test_llm_repairs_a_compile_error_through_tools(tmp_path, run_project):
    project = make_project(tmp_path / "p", {"sql/hint.sql": HINTED})
    model = ScriptedChatModel(script=[
        _call("run_query", {"side": "target", "sql": FIXED, "limit": 3}, 1),
        _call("submit_sql", {"sql": FIXED, "explanation": "likelihood() is only a hint"}, 2),
    ])
    outcome = run_project(project, chat_model=model)
    obj = outcome.report["objects"][0]
    assert obj["verdict"] == "parity"
    assert obj["fixed_by"] == ["llm"]
    assert obj["attempt_log"][0]["compile"]["ok"] is False
    assert obj["llm_calls"] == 2 and obj["tokens"] == 240
    assert outcome.report["llm"] == {"calls": 2, "tokens": 240, "cost": 0.0}
    # the tool really ran on the target and its rows went back to the model
    tool_msgs = [m for m in model.received[-1] if m.type == "tool"]
    assert tool_msgs and "id" in tool_msgs[0].content
    events = [json.loads(line) for line in (outcome.run_dir / "events.jsonl").open()]
    llm_events = [e for e in events if e["kind"] == "llm_call"]
    assert len(llm_events) == 2 and all(e["prompt_id"].startswith("fixer/") for e in llm_events)
    assert all(e["prompt_hash"] for e in llm_events)
    assert any(e["kind"] == "tool_call" and e["tool"] == "run_query" for e in events)


def test_attempt_limit_stops_the_loop(tmp_path, run_project):
    project = make_project(tmp_path / "p", {"sql/hint.sql": HINTED})
    wrong = [f"SELECT id, qty > {k} AS big FROM orders" for k in (5, 6, 7, 8, 9, 10)]
    model = ScriptedChatModel(script=[
        _call("submit_sql", {"sql": sql, "explanation": "guess"}, i) for i, sql in enumerate(wrong)
    ])
    outcome = run_project(project, chat_model=model, max_attempts=3)
    obj = outcome.report["objects"][0]
    assert obj["attempts"] == 3
    assert obj["verdict"] == "mismatch"
    assert "attempt limit (3)" in obj["error"]
    assert len(model.received) == 2  # attempt 1 was the translation; 2 and 3 came from the LLM


def test_garbage_from_the_llm_ends_in_a_clear_verdict(tmp_path, run_project):
    project = make_project(tmp_path / "p", {"sql/hint.sql": HINTED})
    model = ScriptedChatModel(script=["I am not sure, maybe try harder?", "Still no idea."])
    outcome = run_project(project, chat_model=model)
    obj = outcome.report["objects"][0]
    assert obj["verdict"] == "compile_error"
    assert "LLM gave no new candidate" in obj["error"]


def _object(phase=None, verdict=None):
    return {"phase": phase, "verdict": verdict, "attempts": [{}]}


def test_inner_routers_are_pure_and_read_only_phase_and_verdict():
    assert routing.route_after_translator(_object("translated")) == "compiler_checker"
    assert routing.route_after_translator(_object(verdict="unsupported")) == END
    assert routing.route_after_compiler_checker(_object("compiled")) == "data_differ"
    assert routing.route_after_compiler_checker(_object("compile_failed")) == "fixer"
    assert routing.route_after_compiler_checker(_object(verdict="blocked")) == END
    assert routing.route_after_data_differ(_object("mismatch")) == "fixer"
    assert routing.route_after_data_differ(_object(verdict="parity")) == END
    assert routing.route_after_fixer(_object("translated")) == "compiler_checker"
    assert routing.route_after_fixer(_object(verdict="mismatch")) == END


def _spec(name, depends_on=(), problem=None):
    return {"name": name, "depends_on": list(depends_on), "problem": problem,
            "reads_tables": [], "problem_verdict": "blocked" if problem else None}


def test_schedule_sends_one_wave_per_dependency_level():
    state = {"order": ["a", "b", "c"], "objects": {
        "a": _spec("a"), "b": _spec("b"), "c": _spec("c", ["a", "b"])}, "outcomes": {}}
    wave = routing.route_after_schedule(state)
    assert [send.arg["spec"]["name"] for send in wave] == ["a", "b"]
    state["outcomes"] = {"a": {"verdict": "parity"}, "b": {"verdict": "compile_error"}}
    (c,) = routing.route_after_schedule(state)
    assert c.node == "migrate" and c.arg["dep_verdicts"] == {"a": "parity", "b": "compile_error"}
    assert c.arg["blocked"] == "depends on b, which ended as compile_error"
    state["outcomes"]["c"] = {"verdict": "blocked"}
    assert routing.route_after_schedule(state) == "reporter"


def test_llm_budgets_per_object_and_per_run(tmp_path, run_project):
    project = make_project(tmp_path / "p", {
        "sql/a.sql": HINTED,
        "sql/b.sql": "SELECT id, likelihood(qty > 3, 0.9) AS big FROM orders;",
    })
    # every reply is a probe that never submits: only the budgets can stop the loop
    probes = [_call("run_query", {"side": "target", "sql": "SELECT 1", "limit": 1}, i)
              for i in range(20)]
    model = ScriptedChatModel(script=probes)
    outcome = run_project(project, chat_model=model, max_llm_calls_per_object=3,
                          max_tokens_per_run=400, workers=1)  # a runs before b
    objects = {o["name"]: o for o in outcome.report["objects"]}
    assert objects["a"]["llm_calls"] == 3  # per-object call budget (3 x 120 tokens = 360)
    assert objects["a"]["verdict"] == "compile_error"
    # the run budget (400) leaves room for one more call, then stops the LLM entirely
    assert objects["b"]["llm_calls"] <= 1
    assert outcome.report["llm"]["tokens"] <= 400 + 120
