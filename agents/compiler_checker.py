"""compiler_checker: compile the candidate on the real target, inside the run's sandbox.

Views and tables are created in the sandbox (so dependants can build on them); queries and
INSERT ... SELECT bodies are EXPLAINed. The result is typed: ok, or error class + text.
Infrastructure failures make the object `blocked`, never a job for the fixer.
"""

from __future__ import annotations

import time
from typing import Any

from langgraph.runtime import Runtime

from agents.object_progress import current, failed_compile, finish
from graph.context import Context
from graph.state import CompileResult, MigrationState
from tools.errors import ConnectionLost, CutoverError


def compiler_checker(state: MigrationState, runtime: Runtime[Context]) -> dict[str, Any]:
    ctx = runtime.context
    name, result = current(state)
    spec = state["objects"][name]
    target = ctx.target()
    sql = result["candidate_sql"] or ""
    create = target.create_object_sql(spec["kind"], name, sql)
    statement = create or f"EXPLAIN {sql}"
    start = time.perf_counter()
    try:
        if create is None:
            target.explain(sql)
        else:
            target.execute(create)
        report = CompileResult(ok=True, error_kind=None, error=None, statement=statement,
                               seconds=round(time.perf_counter() - start, 4))
        result["status"] = "compiled"
    except ConnectionLost as exc:
        report = failed_compile(str(exc), exc.kind, statement, time.perf_counter() - start)
        finish(result, "blocked", f"target: {exc}")
    except CutoverError as exc:
        # SandboxViolation lands here too: the guard could not read the candidate (e.g. a
        # MySQL charset introducer passed through), so another candidate may well pass.
        report = failed_compile(str(exc), exc.kind, statement, time.perf_counter() - start)
        result["status"] = "compile_failed"
        result["error"] = str(exc)
    result["attempts"][-1]["compile"] = report
    result["seconds"] = round(result["seconds"] + report["seconds"], 4)
    ctx.tracer.event("compile", ok=report["ok"], error_kind=report["error_kind"],
                     error=report["error"], attempt=len(result["attempts"]))
    return {"results": {name: result}}

