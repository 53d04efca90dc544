"""One-line descriptions of trace events, shared by `cutover trace` and the HTML report."""

from __future__ import annotations

from typing import Any


def _short(text: Any, limit: int = 160) -> str:
    flat = " ".join(str(text or "").split())
    return flat if len(flat) <= limit else flat[: limit - 1] + "…"


def describe_event(e: dict[str, Any]) -> str:
    kind = e.get("kind")
    if kind == "node_end":
        return f"{e.get('seconds', 0):.3f} s" + (f" ERROR {e['error']}" if e.get("error") else "")
    if kind == "sql":
        rows = f" → {e['rows']} rows" if e.get("rows") is not None else ""
        err = f" ERROR {_short(e['error'], 120)}" if e.get("error") else ""
        return f"[{e.get('side')}] {_short(e.get('sql'))}{rows}{err}"
    if kind == "sql_version":
        return f"attempt {e.get('attempt')} ({e.get('origin')}): {_short(e.get('sql'))}"
    if kind == "compile":
        return "ok" if e.get("ok") else f"{e.get('error_kind')}: {_short(e.get('error'))}"
    if kind == "diff":
        summary = str(e.get("summary") or "")
        prefix = "" if summary.startswith(str(e.get("verdict"))) else f"{e.get('verdict')}: "
        return prefix + _short(summary, 200)
    if kind == "llm_call":
        return (f"{e.get('prompt_id')}#{e.get('prompt_hash')} {e.get('model')} tokens "
                f"{e.get('input_tokens')}+{e.get('output_tokens')} in {e.get('latency_s')} s"
                + (f" tools {e.get('tool_calls')}" if e.get("tool_calls") else "")
                + (f" cost {e['cost']}" if e.get("cost") else "")
                + (f" retry {e['retry']}" if e.get("retry") else "")
                + (" (cut off)" if e.get("finish_reason") == "length" else "")
                + (f" ERROR {_short(e['error'], 120)}" if e.get("error") else ""))
    if kind == "llm_transcript":
        return (f"{e.get('agent')} {e.get('stopped_reason')}: {e.get('calls')} calls, "
                f"{e.get('tokens')} tokens, cost {e.get('cost')}, {e.get('seconds')} s → "
                f"{e.get('path')}")
    if kind == "tool_call":
        return f"{e.get('tool')}({_short(e.get('args'), 100)}) → {_short(e.get('result_preview'))}"
    if kind == "route":
        return f"{e.get('source')} → {e.get('to')}"
    if kind in ("error", "finalise"):
        return _short(e.get("error") or f"{e.get('verdict')}: {e.get('why')}", 200)
    if kind == "load":
        failed = "" if e.get("ok") else f" {e.get('error')}"
        return f"{e.get('table')}: {e.get('rows')} rows{failed}"
    skip = {"ts", "seq", "kind", "node", "object"}
    rest = ", ".join(f"{k}={v}" for k, v in e.items() if k not in skip and v is not None)
    return _short(rest)
