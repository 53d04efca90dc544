"""Build the run report (the dict written to report.json) from the final state."""

from __future__ import annotations

import json
import time
from collections import Counter
from pathlib import Path
from typing import Any

import sqlglot
from sqlglot.errors import SqlglotError

from graph.state import Attempt, MigrationState, ObjectResult, ObjectSpec
from tools.llm_transcripts import cost_of, load_transcripts, render_messages, summary

VERDICT_ORDER = ("parity", "parity_with_tolerance", "mismatch", "compile_error", "unsupported",
                 "blocked", "skipped")


def final_statement(spec: ObjectSpec, sql: str | None, dialect: str) -> str | None:
    """The object as it should be created on the target, pretty-printed."""
    if not sql:
        return None
    if spec["kind"] == "view":
        text = f"CREATE VIEW {spec['name']} AS {sql}"
    elif spec["kind"] == "table_as_select":
        text = f"CREATE TABLE {spec['name']} AS {sql}"
    elif spec["kind"] == "insert_select":
        text = f"INSERT INTO {spec['insert_into']} {sql}"
    else:
        text = sql
    try:
        return sqlglot.transpile(text, read=dialect, write=dialect, pretty=True)[0] + ";"
    except SqlglotError:
        return text + ";"


def fixed_by(attempts: list[Attempt]) -> list[str]:
    """Origins of the attempts that each improved on everything before them."""
    best = None
    steps: list[str] = []
    for attempt in attempts:
        score = _score(attempt)
        if best is not None and score > best:
            steps.append(attempt["origin"])
        best = score if best is None else max(best, score)
    return steps


def _score(attempt: Attempt) -> float:
    if attempt["compile"] is None or not attempt["compile"]["ok"]:
        return -1.0
    return attempt["diff_score"] if attempt["diff_score"] is not None else 0.0


def _attempt_diffs(run_dir: Path, attempts: list[Attempt]) -> list[dict[str, Any]]:
    """Every attempt's diff (from its artifact), so the report shows what each fix answered."""
    out = []
    for attempt in attempts:
        artifact = attempt.get("diff_artifact")
        path = run_dir / artifact if artifact else None
        if path is not None and path.is_file():
            out.append({"attempt": attempt["number"], "origin": attempt["origin"],
                        "diff": json.loads(path.read_text(encoding="utf-8"))})
    return out


def _object_entry(spec: ObjectSpec, result: ObjectResult, dialect: str,
                  run_dir: Path) -> dict[str, Any]:
    steps = fixed_by(result["attempts"]) if result["status"].startswith("parity") else []
    return {
        "name": spec["name"], "kind": spec["kind"], "file": spec["file"], "line": spec["line"],
        "verdict": result["status"], "attempts": len(result["attempts"]),
        "seconds": result["seconds"], "needed_fixer": bool(steps), "fixed_by": steps,
        "depends_on": spec["depends_on"], "source_sql": spec["source_sql"],
        "final_sql": final_statement(spec, result["candidate_sql"], dialect),
        "error": result["error"], "llm_calls": result["llm_calls"], "tokens": result["tokens"],
        "attempt_log": result["attempts"], "diff": result["diff"],
        "diff_artifact": result["diff_artifact"],
        "attempt_diffs": _attempt_diffs(run_dir, result["attempts"]),
        # LLM conversations (issue 12): redacted transcripts saved by agents.llm_tasks
        "llm_transcripts": [summary(t) | {"text": render_messages(t)}
                            for t in load_transcripts(run_dir, spec["name"])],
    }


def build_report(state: MigrationState, spec_info: dict[str, Any], seconds: float,
                 run_dir: Path) -> dict[str, Any]:
    objects = state.get("objects") or {}
    results = state.get("results") or {}
    dialect = spec_info["target"]["dialect"]
    entries = [_object_entry(objects[n], results[n], dialect, run_dir)
               for n in state.get("order") or []]
    counts = Counter(e["verdict"] for e in entries)
    return {
        "run_id": spec_info["run_id"],
        "project": spec_info["project"],
        "source": spec_info["source"],
        "target": spec_info["target"],
        "engine": spec_info["engine"],
        "finished": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "seconds": round(seconds, 3),
        "counts": {v: counts.get(v, 0) for v in VERDICT_ORDER},
        "total": len(entries),
        "needed_fixer": sum(1 for e in entries if e["needed_fixer"]),
        "llm": {"calls": state.get("llm_calls") or 0, "tokens": state.get("llm_tokens") or 0,
                "cost": cost_of(load_transcripts(run_dir))},
        "base_tables": state.get("loaded") or [],
        "load_error": state.get("load_error"),
        "plan_notes": state.get("plan_notes") or [],
        "objects": entries,
    }
