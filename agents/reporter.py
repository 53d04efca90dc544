"""reporter: write report.json, report.md, report.html and the translated SQL tree."""

from __future__ import annotations

import json
import shutil
import time
from typing import Any

from langgraph.runtime import Runtime

from graph.context import Context
from graph.state import MigrationState
from tools.report.html import render_html
from tools.report.markdown import render_markdown
from tools.report.model import build_report
from tools.runlog import SPEC, read_events


def reporter(state: MigrationState, runtime: Runtime[Context]) -> dict[str, Any]:
    ctx = runtime.context
    spec = json.loads((ctx.run_dir / SPEC).read_text(encoding="utf-8"))
    seconds = time.time() - spec.get("started_ts", time.time())
    typed = build_report(state, spec, seconds, ctx.run_dir)
    redact = ctx.tracer.redactor.text
    paths = {
        "json": ctx.run_dir / "report.json",
        "md": ctx.run_dir / "report.md",
        "html": ctx.run_dir / "report.html",
    }
    paths["json"].write_text(redact(json.dumps(typed.as_json(), indent=2, default=str)),
                             encoding="utf-8")
    paths["md"].write_text(redact(render_markdown(typed)), encoding="utf-8")
    events = read_events(ctx.run_dir / "events.jsonl")
    paths["html"].write_text(redact(render_html(typed, events)), encoding="utf-8")
    translated = ctx.run_dir / "translated"
    shutil.rmtree(translated, ignore_errors=True)  # idempotent when a resumed run re-reports
    for obj in typed.objects:
        if obj.final_sql:
            out = translated / obj.file
            out.parent.mkdir(parents=True, exist_ok=True)
            with out.open("a", encoding="utf-8") as fh:
                fh.write(f"-- {obj.name}: {obj.verdict.value}\n{obj.final_sql}\n\n")
    return {"report_paths": {k: str(v) for k, v in paths.items()}}
