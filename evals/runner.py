"""Run an eval: a suite × an engine pair × a variant (prompt set, model, baseline), repeated.

`EvalSpec` is the factory's parameter list: every variant is a field, and the log records all
of them. Each repeat builds fresh databases and one Cutover project holding every case, runs
the real migration graph in-process (planner → loader → … → reporter), and scores each case
from the run's report. `--baseline sqlglot` is the same run with max_attempts=1 and the LLM
off: transpile, compile, diff, no fixing — the uplift of the fixer is the difference.
"""

from __future__ import annotations

import secrets
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from evals import catalog
from evals.engines import (
    Endpoint,
    EngineNotRunnable,
    dispose,
    engine_dialect,
    engine_kind,
    provision,
)
from evals.evidence import case_evidence, prompts_used, run_facts
from evals.manifest import ManifestError, Suite
from evals.project import build_source, prepare_cases, project_config, write_project
from evals.scorers import CaseScore, score_case, summarize
from graph.config import context_from_config
from tools.errors import CutoverError

LOG_FORMAT = "cutover-eval/1"
Progress = Callable[[str], None]


@dataclass
class EvalSpec:
    """The variants of one eval (all recorded in the log)."""

    suite: str
    source: str
    target: str
    scale: float = 0.01
    """Scale factor of generated suites (tpch, tpcds)."""
    prompt_set: str = "default"
    model: str | None = None
    """LLM model name; None = deterministic engine (sqlglot + rule catalog)."""
    base_url: str | None = None
    api_key_env: str = "OPENAI_API_KEY"
    repeat: int = 1
    baseline: str | None = None
    """'sqlglot': translate only (max_attempts=1, no LLM, no fixing)."""
    max_attempts: int = 5
    cases: list[str] | None = None
    """Run only these case ids."""
    workdir: Path = Path("eval-runs")
    """Projects, run folders and logs go under workdir/<eval_id>/."""
    statement_timeout_s: float = 60.0
    llm: dict[str, Any] = field(default_factory=dict)
    """Extra [llm] settings for the eval's projects (timeout_s, max_tokens, price_per_mtok…)."""

    @property
    def mode(self) -> str:
        return f"baseline-{self.baseline}" if self.baseline else "cutover"


@dataclass
class RepeatResult:
    repeat: int
    run_id: str | None
    run_dir: str | None
    seconds: float
    cases: list[CaseScore] = field(default_factory=list)
    facts: dict[str, Any] = field(default_factory=dict)
    setup: dict[str, Any] = field(default_factory=dict)


def run_eval(spec: EvalSpec, *, chat_model_factory: Callable[[], Any] | None = None,
             progress: Progress | None = None) -> dict[str, Any]:
    """Run every repeat and return the log (also written to workdir/<eval_id>/eval.json)."""
    if spec.baseline not in (None, "sqlglot"):
        raise CutoverError(f"unknown baseline {spec.baseline!r}; the one baseline is 'sqlglot'")
    for side in (spec.source, spec.target):
        engine_kind(side)  # a bad ENGINE is a usage error before anything is built
    suite = catalog.resolve(spec.suite, spec.scale).select(spec.cases)
    if not suite.portable and engine_dialect(spec.source) != suite.source_dialect:
        raise ManifestError(f"suite {suite.name!r} is written in {suite.source_dialect} but "
                            f"the source engine speaks {engine_dialect(spec.source)}: run it "
                            f"with a {suite.source_dialect} source, or mark the manifest "
                            f"portable: true")
    eval_id = time.strftime("%Y%m%d-%H%M%S") + "-" + secrets.token_hex(2)
    root = (spec.workdir / eval_id).resolve()
    say = progress or (lambda _msg: None)
    started = time.time()
    repeats = []
    for number in range(1, spec.repeat + 1):
        say(f"{suite.name}: {engine_kind(spec.source)} → {engine_kind(spec.target)} "
            f"({spec.mode}) repeat {number}/{spec.repeat}")
        repeats.append(_run_repeat(spec, suite, root, number, chat_model_factory))
    log = _log(spec, suite, eval_id, started, repeats)
    from evals.log import write_log

    write_log(log, root / "eval.json")
    return log


def _run_repeat(spec: EvalSpec, suite: Suite, root: Path, number: int,
                chat_model_factory: Callable[[], Any] | None) -> RepeatResult:
    work = root / f"r{number}"
    start = time.perf_counter()
    endpoints: list[Endpoint] = []
    # Every run id of this repeat carries the token, so clean-up can find their sandboxes.
    token = f"r{number}-{secrets.token_hex(3)}"
    try:
        source = provision(spec.source, work / "data", "source")
        endpoints.append(source)
        target = provision(spec.target, work / "data", "target")
        endpoints.append(target)
        setup = build_source(suite, source, spec.workdir.resolve() / "cache")
        prepared = prepare_cases(suite, source, spec.statement_timeout_s)
        result = RepeatResult(number, None, None, 0.0, setup=setup)
        reports: dict[str, Any] = {}
        used: dict[str, list[dict[str, str]]] = {}
        crashes: dict[str, str] = {}
        if prepared.cases:
            try:
                outcome = _migrate(spec, suite, work / "project", source, target,
                                   prepared.cases, chat_model_factory, token)
                result.run_id, result.run_dir = outcome.run_id, str(outcome.run_dir)
                reports = dict.fromkeys(prepared.cases, outcome)
            except CutoverError as exc:  # the run could not start: the pair cannot run here
                raise EngineNotRunnable(f"{engine_kind(spec.source)} → "
                                        f"{engine_kind(spec.target)}: {exc}") from exc
            except Exception as exc:  # a crash in the graph: isolate the case that causes it
                result.setup["crash"] = f"{type(exc).__name__}: {exc}"
                reports, crashes = _one_by_one(spec, suite, work, source, target,
                                               prepared.cases, chat_model_factory, token)
        for run_dir in {str(outcome.run_dir) for outcome in reports.values()}:
            used.update(prompts_used(Path(run_dir)))
            result.facts = result.facts or run_facts(Path(run_dir))
        for case in suite.cases:
            found = reports.get(case.id)
            raw = case_evidence(case.id, found.typed_report if found else None,
                                prepared.reference_errors.get(case.id), target.dialect)
            if case.id in crashes:
                raw["harness_error"] = crashes[case.id]
            raw["run_dir"] = str(found.run_dir) if found else None
            raw["prompts_used"] = used.get(case.id, [])
            result.cases.append(score_case(case.id, number, raw))
    finally:
        for endpoint in endpoints:
            _quiet_dispose(endpoint, token)
    result.seconds = round(time.perf_counter() - start, 3)
    return result


def _one_by_one(spec: EvalSpec, suite: Suite, work: Path, source: Endpoint, target: Endpoint,
                cases: dict[str, str], chat_model_factory: Callable[[], Any] | None,
                token: str) -> tuple[dict[str, Any], dict[str, str]]:
    """After a crash of the whole-suite run: one project per case, so only the case that
    crashes Cutover loses its score. (Cases that depend on each other cannot be split.)"""
    reports: dict[str, Any] = {}
    crashes: dict[str, str] = {}
    for case_id, sql in cases.items():
        try:
            reports[case_id] = _migrate(spec, suite, work / "cases" / case_id, source, target,
                                        {case_id: sql}, chat_model_factory, token)
        except Exception as exc:  # this case crashes Cutover: a failure of the tool
            crashes[case_id] = f"the migration crashed: {type(exc).__name__}: {exc}"
    return reports, crashes


def _migrate(spec: EvalSpec, suite: Suite, project_dir: Path, source: Endpoint,
             target: Endpoint,
             cases: dict[str, str], chat_model_factory: Callable[[], Any] | None,
             token: str) -> Any:
    from graph.run import run_migration  # heavy imports only once something runs

    baseline = spec.baseline is not None
    llm = {"mode": "off" if baseline or not (spec.model or chat_model_factory) else "auto",
           "model": None if baseline else spec.model,
           "base_url": None if baseline else spec.base_url,
           "api_key_env": spec.api_key_env, "prompt_set": spec.prompt_set,
           **({} if baseline else spec.llm)}
    run = {"max_attempts": 1 if baseline else spec.max_attempts,
           # Server sandboxes go with the database; file ones stay for inspection.
           "keep_sandbox": target.server_url is None,
           "statement_timeout_s": spec.statement_timeout_s}
    cfg = project_config(f"eval-{suite.name}", source, target, run, llm)
    project = write_project(project_dir, cfg, cases)
    run_id = f"{suite.name}-{token}-{secrets.token_hex(2)}"
    ctx = context_from_config(cfg, project, run_id, project_dir / "runs")
    ctx.semantics = not baseline  # the baseline is plain sqlglot
    if chat_model_factory is not None and not baseline:
        ctx.chat_model = chat_model_factory()
    ctx.extra = {"eval": {"suite": suite.name, "mode": spec.mode, "run": token}}
    return run_migration(ctx, project=cfg.project.name)


def _quiet_dispose(endpoint: Endpoint, token: str) -> None:
    try:
        dispose(endpoint, token)
    except Exception:  # clean-up must not hide the run's own outcome; the db name is logged
        pass


def _log(spec: EvalSpec, suite: Suite, eval_id: str, started: float,
         repeats: list[RepeatResult]) -> dict[str, Any]:
    cases = [c for r in repeats for c in r.cases]
    facts = next((r.facts for r in repeats if r.facts), {})
    options = {k: (str(v) if isinstance(v, Path) else v) for k, v in asdict(spec).items()}
    return {
        "format": LOG_FORMAT, "eval_id": eval_id, "suite": suite.name,
        "suite_path": suite.path, "description": suite.description,
        "source": engine_kind(spec.source), "target": engine_kind(spec.target),
        "source_dialect": suite.source_dialect, "mode": spec.mode,
        "scale": spec.scale if suite.generated else None,
        "prompt_set": {"name": spec.prompt_set, "hashes": facts.get("prompts", {})},
        "model": None if spec.baseline else (spec.model or facts.get("chat_model")),
        "git_rev": facts.get("git_rev"), "versions": facts.get("versions", {}),
        "options": {k: v for k, v in options.items() if k not in ("source", "target")},
        "started": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(started)),
        "seconds": round(time.time() - started, 3),
        "runs": [{"repeat": r.repeat, "run_id": r.run_id, "run_dir": r.run_dir,
                  "seconds": r.seconds, "setup": r.setup} for r in repeats],
        "cases": cases,
        "summary": summarize(cases, [r.seconds for r in repeats]),
    }
