"""A candidate that does not answer the object's columns never becomes the best attempt (issue 9
item 2): an LLM answering `SELECT 1 AS parity` once outscored the real translation and became
the final SQL. Now it ranks below every attempt, a compile failure included."""

from __future__ import annotations

from langchain_core.messages import AIMessage

from agents.llm import ScriptedChatModel
from tests.support.projects import make_project
from tools.records import Attempt, CompileResult, attempt_score

HINTED = "SELECT id, likelihood(qty > 2, 0.9) AS big FROM orders;"
JUNK = "SELECT 1 AS parity"


def _submit(sql: str) -> AIMessage:
    return AIMessage(content="", tool_calls=[{"name": "submit_sql", "id": "c1", "args": {
        "sql": sql, "explanation": "trust me"}}],
        usage_metadata={"input_tokens": 10, "output_tokens": 5, "total_tokens": 15})


def test_a_junk_llm_candidate_never_replaces_the_translation(tmp_path, run_project) -> None:
    project = make_project(tmp_path / "p", {"sql/hint.sql": HINTED})
    outcome = run_project(project, chat_model=ScriptedChatModel(script=[_submit(JUNK)]),
                          max_attempts=2)
    obj = outcome.report["objects"][0]
    log = obj["attempt_log"]
    assert [a["origin"] for a in log] == ["translate", "llm"]
    assert log[1]["compile"]["ok"] is True and log[1]["answers_columns"] is False
    # The translation (a compile error) stays the best attempt and the final SQL.
    assert obj["verdict"] == "compile_error"
    assert "LIKELIHOOD" in obj["final_sql"] and "parity" not in obj["final_sql"]
    assert "best attempt #1" in obj["error"]


def _attempt(n: int, ok: bool, score: float | None, answers: bool | None = None) -> Attempt:
    attempt = Attempt(number=n, origin="x", reason="", sql=f"q{n}", diff=None, diff_summary=None,
                      compile=CompileResult(ok=ok, error_kind=None if ok else "compile",
                                            error=None, statement=None, seconds=0.0),
                      diff_score=score, diff_artifact=None, verdict=None)
    if answers is not None:
        attempt["answers_columns"] = answers
    return attempt


def test_a_candidate_with_other_columns_ranks_below_everything() -> None:
    junk = attempt_score(_attempt(3, True, 1.0, answers=False))
    assert junk < attempt_score(_attempt(1, False, None))  # below a compile error
    assert junk < attempt_score(_attempt(2, True, 0.0, answers=True))
