"""compiler_checker: compile the candidate on the real target, inside the run's sandbox.

Views and tables are created in the sandbox (so dependants can build on them); queries and
INSERT ... SELECT bodies are EXPLAINed. The result is typed: ok, or error class + text.
Infrastructure failures make the object `blocked`, never a job for the fixer.
"""

from __future__ import annotations

import time
from typing import Any

from langgraph.runtime import Runtime

from agents.object_progress import add_seconds, failed_compile, finished, last_attempt
from graph.context import Context
from graph.state import ObjectState
from tools.db.failures import retry_cause
from tools.errors import ConnectionLost, CutoverError
from tools.records import CompileResult, Verdict


def compiler_checker(state: ObjectState, runtime: Runtime[Context]) -> dict[str, Any]:
    ctx = runtime.context
    spec = state["spec"]
    target = ctx.target()
    sql = state.get("candidate_sql") or ""
    create = target.create_object_sql(spec["kind"], spec["name"], sql)
    statement = create or f"EXPLAIN {sql}"
    attempts, attempt = last_attempt(state)
    start = time.perf_counter()
    update: dict[str, Any]
    try:
        if create is None:
            target.explain(sql)
        else:
            target.execute(create)
        report = CompileResult(ok=True, error_kind=None, error=None, statement=statement,
                               seconds=round(time.perf_counter() - start, 4))
        update = {"phase": "compiled"}
    except ConnectionLost as exc:
        report = failed_compile(str(exc), exc.kind, statement, time.perf_counter() - start)
        update = {"verdict": Verdict.BLOCKED, "error": f"target: {exc}",
                  "retry": retry_cause(exc)}
    except CutoverError as exc:
        # SandboxViolation lands here too: the guard could not read the candidate (e.g. a
        # MySQL charset introducer passed through), so another candidate may well pass.
        report = failed_compile(str(exc), exc.kind, statement, time.perf_counter() - start)
        update = {"phase": "compile_failed", "error": str(exc)}
    attempt["compile"] = report
    ctx.tracer.event("compile", ok=report["ok"], error_kind=report["error_kind"],
                     error=report["error"], attempt=len(attempts))
    seconds = add_seconds(state, report["seconds"])
    if update.get("verdict"):
        return finished(state, update["verdict"], update["error"], attempts=attempts,
                        seconds=seconds, retry=update["retry"])
    return {**update, "attempts": attempts, "seconds": seconds}
