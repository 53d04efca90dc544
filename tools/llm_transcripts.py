"""Read the LLM conversations a run saved (artifacts/llm/<object>-<n>.json, written by
agents.llm_tasks) for the report, `cutover trace --llm` and eval logs. Already redacted."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

FOLDER = Path("artifacts") / "llm"
_SUMMARY_KEYS = ("agent", "prompt_id", "model", "calls", "budget", "retries", "input_tokens",
                 "output_tokens", "tokens", "cost", "seconds", "stopped_reason", "error", "sql")


def load_transcripts(run_dir: Path, object_name: str | None = None) -> list[dict[str, Any]]:
    """Every saved conversation of the run (or of one object), oldest first."""
    folder = run_dir / FOLDER
    if not folder.is_dir():
        return []
    records = []
    for path in sorted(folder.glob("*.json"), key=lambda p: p.stat().st_mtime_ns):
        try:
            record = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            continue  # a half-written artifact of a crashed run: skip it, keep the rest
        if object_name is None or record.get("object") == object_name:
            record["path"] = str(path.relative_to(run_dir))
            records.append(record)
    return records


def summary(record: dict[str, Any]) -> dict[str, Any]:
    """One conversation without its messages."""
    return {k: record.get(k) for k in _SUMMARY_KEYS} | {"path": record.get("path")}


def cost_of(records: list[dict[str, Any]]) -> float:
    return round(sum(float(r.get("cost") or 0.0) for r in records), 6)


def render_messages(record: dict[str, Any]) -> str:
    """The conversation as plain text: one block per message, tool calls spelled out."""
    blocks = []
    for message in record.get("messages") or []:
        head = message.get("role", "?")
        if message.get("name"):
            head += f" ({message['name']})"
        lines = [f"--- {head}", str(message.get("content") or "").rstrip()]
        for call in message.get("tool_calls") or []:
            lines.append(f"→ {call.get('name')}({json.dumps(call.get('args'), default=str)})")
        blocks.append("\n".join(line for line in lines if line))
    return "\n".join(blocks)
