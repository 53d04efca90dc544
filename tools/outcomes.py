"""Each finished object's ObjectOutcome, kept in the run folder (artifacts/<object>/outcome.json).

Written once, atomically, the moment an object ends, so a run killed in the middle of a wave
of parallel objects loses only the objects in flight: a resumed run reads the kept outcomes
instead of redoing them (LangGraph's own record of a wave's finished tasks is not written
before the wave ends).
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import cast

from tools.artifacts import artifact_folder
from tools.records import ObjectOutcome

OUTCOME_FILE = "outcome.json"


def write_outcome(run_dir: Path, outcome: ObjectOutcome) -> None:
    path = artifact_folder(run_dir, outcome["name"]) / OUTCOME_FILE
    partial = path.with_suffix(".json.partial")
    partial.write_text(json.dumps(outcome, default=str), encoding="utf-8")
    os.replace(partial, path)


def read_outcome(run_dir: Path, name: str) -> ObjectOutcome | None:
    path = artifact_folder(run_dir, name) / OUTCOME_FILE
    if not path.is_file():
        return None
    return cast(ObjectOutcome, json.loads(path.read_text(encoding="utf-8")))


def kept_outcomes(run_dir: Path) -> int:
    """How many objects of the run are done (an outcome kept), whatever the checkpoint says."""
    return sum(1 for _ in (run_dir / "artifacts").glob(f"*/{OUTCOME_FILE}"))


def forget_outcome(run_dir: Path, name: str) -> None:
    """Drop a kept outcome whose verdict a resumed run redoes."""
    (artifact_folder(run_dir, name) / OUTCOME_FILE).unlink(missing_ok=True)
