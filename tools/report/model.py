"""Build the run report (tools.records.Report, written as report.json) from the run's plan and
the per-object outcomes."""

from __future__ import annotations

import json
import time
from collections import Counter
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

import sqlglot
from sqlglot.errors import SqlglotError

from tools.llm_transcripts import cost_of, load_transcripts, render_messages, summary
from tools.records import VERDICT_ORDER, Attempt, ObjectOutcome, ObjectSpec, Report


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


def _attempt_diffs(run_dir: Path, attempts: list[Attempt]) -> list[dict[str, Any]]:
    """Every attempt's diff (from its artifact), so the report shows what each fix answered."""
    out = []
    for attempt in attempts:
        diff = _read_json(run_dir, attempt.get("diff_artifact"))
        if diff is not None:
            out.append({"attempt": attempt["number"], "origin": attempt["origin"], "diff": diff})
    return out


def _read_json(run_dir: Path, artifact: str | None) -> dict[str, Any] | None:
    path = run_dir / artifact if artifact else None
    if path is None or not path.is_file():
        return None
    data: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    return data


def _object_entry(spec: ObjectSpec, result: ObjectOutcome, dialect: str,
                  run_dir: Path) -> dict[str, Any]:
    steps = result["fixed_by"]
    return {
        "name": spec["name"], "kind": spec["kind"], "file": spec["file"], "line": spec["line"],
        "verdict": result["verdict"], "attempts": len(result["attempts"]),
        "seconds": result["seconds"], "needed_fixer": bool(steps), "fixed_by": steps,
        "depends_on": spec["depends_on"], "source_sql": spec["source_sql"],
        "final_sql": final_statement(spec, result["candidate_sql"], dialect),
        "error": result["error"], "llm_calls": result["llm_calls"], "tokens": result["tokens"],
        "attempt_log": [{k: v for k, v in a.items() if k != "diff"} for a in result["attempts"]],
        "diff": _read_json(run_dir, result["diff_artifact"]),
        "diff_artifact": result["diff_artifact"],
        "attempt_diffs": _attempt_diffs(run_dir, result["attempts"]),
        # LLM conversations (issue 12): redacted transcripts saved by agents.llm_tasks
        "llm_transcripts": [summary(t) | {"text": render_messages(t)}
                            for t in load_transcripts(run_dir, spec["name"])],
    }


def verdict_counts(entries: Iterable[Mapping[str, Any]]) -> dict[str, int]:
    """Objects per verdict, every verdict present, in VERDICT_ORDER (Report.counts)."""
    counts = Counter(e["verdict"] for e in entries)
    return {v.value: counts.get(v.value, 0) for v in VERDICT_ORDER}


def build_report(state: Mapping[str, Any], spec_info: dict[str, Any], seconds: float,
                 run_dir: Path) -> Report:
    """`state` is the run's MigrationState (objects, order, outcomes, loaded, ...)."""
    objects = state.get("objects") or {}
    results: dict[str, ObjectOutcome] = state.get("outcomes") or {}
    dialect = spec_info["target"]["dialect"]
    entries = [_object_entry(objects[n], results[n], dialect, run_dir)
               for n in state.get("order") or []]
    return Report.model_validate({
        "run_id": spec_info["run_id"],
        "project": spec_info["project"],
        "source": spec_info["source"],
        "target": spec_info["target"],
        "engine": spec_info["engine"],
        "finished": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "seconds": round(seconds, 3),
        "counts": verdict_counts(entries),
        "total": len(entries),
        "needed_fixer": sum(1 for e in entries if e["needed_fixer"]),
        "llm": {"calls": state.get("llm_calls") or 0, "tokens": state.get("llm_tokens") or 0,
                "cost": cost_of(load_transcripts(run_dir))},
        "base_tables": state.get("loaded") or [],
        "load_error": state.get("load_error"),
        "plan_notes": state.get("plan_notes") or [],
        "objects": entries,
    })
