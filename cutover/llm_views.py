"""`cutover trace --llm`: every LLM conversation of a run, with its figures and messages."""

from __future__ import annotations

from pathlib import Path

from rich.console import Console
from rich.markup import escape

from tools.errors import CutoverError
from tools.llm_transcripts import cost_of, load_transcripts, render_messages
from tools.runlog import run_path


def print_llm_transcripts(console: Console, runs_dir: Path, run_id: str,
                          object_name: str | None) -> None:
    """Each conversation: object, agent, outcome, calls, tokens, cost, seconds, then messages."""
    run_dir = run_path(runs_dir, run_id)
    if not run_dir.is_dir():
        raise CutoverError(f"no run {run_id!r} in {runs_dir}; `cutover runs` lists them")
    records = load_transcripts(run_dir, object_name)
    for record in records:
        console.print(
            f"[bold]{escape(str(record.get('object')))}[/] · {record.get('agent')} · "
            f"{record.get('prompt_id')} · [cyan]{record.get('stopped_reason')}[/] · "
            f"{record.get('calls')}/{(record.get('budget') or {}).get('calls', '?')} call(s) "
            f"({record.get('retries') or 0} retries) · "
            f"{record.get('input_tokens')}+{record.get('output_tokens')} tokens · cost "
            f"{record.get('cost')} · {record.get('seconds')} s · {record.get('path')}",
            highlight=False)
        console.print(escape(render_messages(record)), highlight=False, soft_wrap=True)
        console.print()
    calls = sum(int(r.get("calls") or 0) for r in records)
    tokens = sum(int(r.get("tokens") or 0) for r in records)
    console.print(f"[dim]{len(records)} conversation(s), {calls} calls, {tokens} tokens, "
                  f"cost {cost_of(records)}[/]")
