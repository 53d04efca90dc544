"""Files a run keeps as evidence: each SQL version and each diff, under runs/<id>/artifacts/."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from tools.secrets import Redactor


def _safe(name: str) -> str:
    return "".join(ch if ch.isalnum() or ch in "._-" else "_" for ch in name)


def artifact_folder(run_dir: Path, obj: str) -> Path:
    """runs/<id>/artifacts/<object>/, created on first use."""
    folder = run_dir / "artifacts" / _safe(obj)
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def write_artifact(run_dir: Path, obj: str, filename: str, content: str | dict[str, Any],
                   redactor: Redactor | None = None) -> str:
    """Write one artifact; returns its path relative to the run folder."""
    folder = artifact_folder(run_dir, obj)
    text = content if isinstance(content, str) else json.dumps(content, indent=2, default=str)
    if redactor is not None:
        text = redactor.text(text)
    path = folder / _safe(filename)
    path.write_text(text, encoding="utf-8")
    return str(path.relative_to(run_dir))
