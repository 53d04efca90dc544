"""The per-object subgraph's pieces on their own: the fixer's limit, the outcome it hands back."""

from __future__ import annotations

from pathlib import Path

from langgraph.runtime import Runtime

from agents.fixer import fixer
from graph.context import Context
from graph.object_graph import outcome_of
from tools.records import Verdict


def _ctx(tmp_path: Path, max_attempts: int) -> Context:
    return Context(run_id="t", run_dir=tmp_path, project_dir=tmp_path, source_url="sqlite:///s",
                   target_url="duckdb:///t", source_dialect="sqlite", target_dialect="duckdb",
                   max_attempts=max_attempts)


def _attempt(n: int, ok: bool, score: float | None = None) -> dict:
    return {"number": n, "origin": "translate" if n == 1 else f"rule:r{n}", "reason": "",
            "sql": f"SELECT {n}", "verdict": None, "diff": None, "diff_artifact": None,
            "diff_summary": None if ok is False else f"{score} matched", "diff_score": score,
            "compile": {"ok": ok, "error_kind": None if ok else "syntax",
                        "error": None if ok else f"error {n}", "statement": None,
                        "seconds": 0.0}}


def _object(attempts: list[dict], rounds: int) -> dict:
    return {"spec": {"name": "o", "kind": "query", "select_sql": "SELECT 1"},
            "attempts": attempts, "fix_rounds": rounds, "candidate_sql": attempts[-1]["sql"]}


def test_fixer_finalises_at_the_context_limit_and_counts_its_rounds(tmp_path):
    state = _object([_attempt(n, ok=False) for n in (1, 2, 3)], rounds=2)
    update = fixer(state, Runtime(context=_ctx(tmp_path, max_attempts=3)))
    assert update["verdict"] == Verdict.COMPILE_ERROR
    assert update["fix_rounds"] == 3
    assert "attempt limit (3) reached" in update["error"]
    assert "best attempt #3" in update["error"]  # among equal failures, the latest


def test_outcome_names_the_best_candidates_diff_and_what_fixed_it(tmp_path):
    attempts = [_attempt(1, ok=False), _attempt(2, ok=True, score=0.5),
                _attempt(3, ok=True, score=1.0)]
    attempts[2]["diff_artifact"] = "artifacts/o/diff_3.json"
    state = {**_object(attempts, rounds=2), "verdict": Verdict.PARITY, "error": None}
    outcome = outcome_of(state)
    assert outcome["verdict"] == "parity" and type(outcome["verdict"]) is str
    assert outcome["fixed_by"] == ["rule:r2", "rule:r3"]
    assert outcome["diff_artifact"] == "artifacts/o/diff_3.json"
    assert all(a["diff"] is None for a in outcome["attempts"])


def test_verdict_vocabulary():
    assert Verdict.PARITY_WITH_TOLERANCE.is_parity and not Verdict.MISMATCH.is_parity
    assert Verdict.final("mismatch") and not Verdict.final("compile_failed")
    assert {v for v in Verdict if v.absent_on_target} == {
        Verdict.COMPILE_ERROR, Verdict.UNSUPPORTED, Verdict.PARSE_ERROR, Verdict.BLOCKED,
        Verdict.SKIPPED}
