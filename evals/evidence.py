"""What a finished run says about each case, read through tools.runlog (the one run loader).

The evidence is copied into the eval log so scorers can run again later without the run
folder (it may have been cleaned up) and without re-running anything.
"""

from __future__ import annotations

from importlib import metadata
from pathlib import Path
from typing import Any

from tools.runlog import load_run

_EXTRA_PACKAGES = ("duckdb-extension-tpch", "duckdb-extension-tpcds", "chdb", "psycopg",
                   "pymysql")


def case_evidence(case_id: str, report: dict[str, Any] | None, reference_error: str | None,
                  target_dialect: str) -> dict[str, Any]:
    """The report's objects that came from sql/<case_id>.sql, reduced to what scorers read."""
    raw: dict[str, Any] = {"reference_error": reference_error, "target_dialect": target_dialect,
                           "objects": []}
    if reference_error:
        return raw
    if report is None:
        raw["harness_error"] = "the run produced no report (see the run folder's crash.txt)"
        return raw
    if report.get("load_error"):
        raw["load_error"] = report["load_error"]
    wanted = f"sql/{case_id}.sql"
    for obj in report.get("objects") or []:
        if obj.get("file") == wanted:
            raw["objects"].append(_object(obj))
    if not raw["objects"]:
        raw["harness_error"] = f"the run's report has no object from {wanted}"
    return raw


def _object(obj: dict[str, Any]) -> dict[str, Any]:
    log = obj.get("attempt_log") or []
    last = log[-1] if log else {}
    talks = obj.get("llm_transcripts") or []
    return {
        "name": obj["name"], "kind": obj.get("kind"), "verdict": obj["verdict"],
        "attempts": obj.get("attempts") or 0, "seconds": obj.get("seconds") or 0.0,
        "llm_calls": obj.get("llm_calls") or 0, "tokens": obj.get("tokens") or 0,
        # priced where the request was made (tokens × [llm] price_per_mtok), per conversation
        "llm_cost": round(sum(float(t.get("cost") or 0.0) for t in talks), 6),
        "llm_retries": sum(int(t.get("retries") or 0) for t in talks),
        "llm_input_tokens": sum(int(t.get("input_tokens") or 0) for t in talks),
        "llm_output_tokens": sum(int(t.get("output_tokens") or 0) for t in talks),
        "fixed_by": obj.get("fixed_by") or [], "error": obj.get("error"),
        "final_sql": obj.get("final_sql"), "source_sql": obj.get("source_sql"),
        "compiled_attempts": [bool(a.get("compile") and a["compile"].get("ok")) for a in log],
        "origins": [a.get("origin") for a in log],
        "diff_summary": last.get("diff_summary"),
        "diff_scores": [a.get("diff_score") for a in log],
    }


def prompts_used(run_dir: Path) -> dict[str, list[dict[str, str]]]:
    """Per case (object file stem): the prompt ids and hashes of the LLM calls made for it."""
    run = load_run(run_dir.parent, run_dir.name)
    files = {o["name"]: Path(o["file"]).stem for o in (run.report or {}).get("objects") or []}
    used: dict[str, list[dict[str, str]]] = {}
    for event in run.events:
        if event.get("kind") != "llm_call":
            continue
        case = files.get(str(event.get("object")), str(event.get("object")))
        entry = {"prompt_id": str(event.get("prompt_id")),
                 "prompt_hash": str(event.get("prompt_hash"))}
        if entry not in used.setdefault(case, []):
            used[case].append(entry)
    return used


def run_facts(run_dir: Path) -> dict[str, Any]:
    """Versions, git revision and prompt hashes, as the run's spec.json recorded them."""
    spec = load_run(run_dir.parent, run_dir.name, with_events=False).spec
    versions = dict(spec.get("versions") or {})
    for pkg in _EXTRA_PACKAGES:
        try:
            versions[pkg] = metadata.version(pkg)
        except metadata.PackageNotFoundError:
            continue
    prompts = spec.get("prompts")
    return {"versions": versions, "git_rev": spec.get("git_rev"),
            "prompts": prompts if isinstance(prompts, dict) else {},
            "chat_model": (spec.get("settings") or {}).get("llm_model")}
