"""The one loader for a run folder (runs/<run_id>/). The CLI (`runs`, `trace`), the HTML
report and the evals all read runs through it."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from tools.errors import RunNotFound
from tools.records import Report

SPEC, EVENTS, REPORT, CHECKPOINTS = "spec.json", "events.jsonl", "report.json", "checkpoints.sqlite"


@dataclass
class RunLog:
    run_id: str
    path: Path
    spec: dict[str, Any]
    events: list[dict[str, Any]] = field(default_factory=list)
    report: Report | None = None

    @property
    def finished(self) -> bool:
        return self.report is not None

    def events_for(self, obj: str | None = None, node: str | None = None) -> list[dict[str, Any]]:
        return [e for e in self.events
                if (obj is None or e.get("object") == obj)
                and (node is None or e.get("node") == node)]


def run_path(runs_dir: Path, run_id: str) -> Path:
    path = runs_dir / run_id
    if not (path / SPEC).is_file():
        known = ", ".join(r.run_id for r in list_runs(runs_dir)[:5]) or "none"
        raise RunNotFound(f"no run {run_id!r} in {runs_dir} (recent runs: {known}); "
                          f"`cutover runs --runs-dir DIR` lists them")
    return path


def load_run(runs_dir: Path, run_id: str, with_events: bool = True) -> RunLog:
    path = run_path(runs_dir, run_id)
    spec = json.loads((path / SPEC).read_text(encoding="utf-8"))
    events = read_events(path / EVENTS) if with_events else []
    report = Report.load(path / REPORT) if (path / REPORT).is_file() else None
    return RunLog(run_id=run_id, path=path, spec=spec, events=events, report=report)


def read_events(path: Path) -> list[dict[str, Any]]:
    if not path.is_file():
        return []
    events = []
    with path.open(encoding="utf-8") as fh:
        for line in fh:
            line = line.strip()
            if not line:
                continue
            try:
                events.append(json.loads(line))
            except json.JSONDecodeError:
                continue  # a line cut short by a kill: the rest of the log still loads
    return events


def planned_objects(run_dir: Path) -> int | None:
    """The number of objects the run planned (its `plan` event, near the top of the log), or
    None before the plan. Only that line is parsed: a stopped 10,000-object run says it at once."""
    path = run_dir / EVENTS
    if not path.is_file():
        return None
    with path.open(encoding="utf-8", errors="replace") as fh:
        for line in fh:
            if '"kind": "plan"' in line:
                try:
                    objects = json.loads(line).get("objects")
                except json.JSONDecodeError:
                    return None
                return int(objects) if objects is not None else None
    return None


def list_runs(runs_dir: Path) -> list[RunLog]:
    if not runs_dir.is_dir():
        return []
    runs = [load_run(runs_dir, p.name, with_events=False)
            for p in runs_dir.iterdir() if (p / SPEC).is_file()]
    return sorted(runs, key=lambda r: r.spec.get("started", ""), reverse=True)
