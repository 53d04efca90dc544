"""What a finished run says about each case, read through tools.runlog (the one run loader).

The evidence is copied into the eval log so scorers can run again later without the run
folder (it may have been cleaned up) and without re-running anything.
"""

from __future__ import annotations

from importlib import metadata
from pathlib import Path
from typing import Any, TypedDict

from tools.records import Report, ReportObject
from tools.runlog import load_run

_EXTRA_PACKAGES = ("duckdb-extension-tpch", "duckdb-extension-tpcds", "chdb", "psycopg",
                   "pymysql")


class EvidenceObject(TypedDict, total=False):
    """One object of a case as the run's report gave it, reduced to what scorers read."""

    name: str
    kind: str
    verdict: str
    """A Verdict's value (the log is JSON; compare with tools.records.Verdict)."""
    attempts: int
    seconds: float
    llm_calls: int
    tokens: int
    llm_cost: float
    """Priced where each request was made (tokens × [llm] price_per_mtok)."""
    llm_retries: int
    llm_input_tokens: int
    llm_output_tokens: int
    fixed_by: list[str]
    error: str | None
    final_sql: str | None
    source_sql: str
    compiled_attempts: list[bool]
    origins: list[str | None]
    diff_summary: str | None
    diff_scores: list[float | None]
    llm_transcripts: list[dict[str, Any]]
    """Older logs only: the scorers still read priced tokens from them when present."""


class CaseEvidence(TypedDict, total=False):
    """What a finished run says about one case (the `raw` of an eval log's case entry)."""

    reference_error: str | None
    """The source query itself failed: the case is not scored."""
    target_dialect: str
    objects: list[EvidenceObject]
    harness_error: str
    """Cutover lost or crashed on the case: scored as a failure of the tool."""
    load_error: str
    run_dir: str | None
    prompts_used: list[dict[str, str]]


def case_evidence(case_id: str, report: Report | None, reference_error: str | None,
                  target_dialect: str) -> CaseEvidence:
    """The report's objects that came from sql/<case_id>.sql, reduced to what scorers read."""
    raw = CaseEvidence(reference_error=reference_error, target_dialect=target_dialect,
                       objects=[])
    if reference_error:
        return raw
    if report is None:
        raw["harness_error"] = "the run produced no report (see the run folder's crash.txt)"
        return raw
    if report.load_error:
        raw["load_error"] = report.load_error
    wanted = f"sql/{case_id}.sql"
    for obj in report.objects:
        if obj.file == wanted:
            raw["objects"].append(_object(obj))
    if not raw["objects"]:
        raw["harness_error"] = f"the run's report has no object from {wanted}"
    return raw


def _object(obj: ReportObject) -> EvidenceObject:
    log = obj.attempt_log
    last = log[-1] if log else {}
    talks = obj.llm_transcripts
    return {
        "name": obj.name, "kind": obj.kind, "verdict": obj.verdict.value,
        "attempts": obj.attempts, "seconds": obj.seconds,
        "llm_calls": obj.llm_calls, "tokens": obj.tokens,
        # priced where the request was made (tokens × [llm] price_per_mtok), per conversation
        "llm_cost": round(sum(float(t.get("cost") or 0.0) for t in talks), 6),
        "llm_retries": sum(int(t.get("retries") or 0) for t in talks),
        "llm_input_tokens": sum(int(t.get("input_tokens") or 0) for t in talks),
        "llm_output_tokens": sum(int(t.get("output_tokens") or 0) for t in talks),
        "fixed_by": obj.fixed_by, "error": obj.error,
        "final_sql": obj.final_sql, "source_sql": obj.source_sql,
        "compiled_attempts": [bool(a.get("compile") and a["compile"].get("ok")) for a in log],
        "origins": [a.get("origin") for a in log],
        "diff_summary": last.get("diff_summary"),
        "diff_scores": [a.get("diff_score") for a in log],
    }


def prompts_used(run_dir: Path) -> dict[str, list[dict[str, str]]]:
    """Per case (object file stem): the prompt ids and hashes of the LLM calls made for it."""
    run = load_run(run_dir.parent, run_dir.name)
    files = {o.name: Path(o.file).stem for o in (run.report.objects if run.report else [])}
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
