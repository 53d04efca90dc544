"""Every knob of a run, in one object passed to the graph with `context=`.

Built by `cutover.config` from cutover.toml and CLI flags; nothing else reads the environment.
The Context is not checkpointed (it may hold live connections and the chat model), so a resumed
run rebuilds it from the project's config.
"""

from __future__ import annotations

import os
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from tools.records import Tolerance

if TYPE_CHECKING:
    from langchain_core.language_models import BaseChatModel

    from tools.db.base import Adapter
    from tools.db.connections import Connections
    from tools.trace import Tracer


def _null_tracer() -> Tracer:
    from tools.trace import NullTracer

    return NullTracer()


class RunSpend:
    """LLM tokens the whole run has used so far, shared by the objects running in parallel so
    the run's budget holds across them (within one call's worth per worker)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.tokens = 0

    def at_least(self, tokens: int) -> None:
        """Seed from the run's state (a resumed run starts from what it had spent)."""
        with self._lock:
            self.tokens = max(self.tokens, tokens)

    def add(self, tokens: int) -> None:
        with self._lock:
            self.tokens += tokens


def default_workers() -> int:
    # One worker per core, at most 4: each holds its own source and target connections.
    return max(1, min(4, os.cpu_count() or 1))


@dataclass
class Context:
    """Run settings. Field docs say what each knob does; defaults are the documented defaults."""

    run_id: str
    """Folder name under runs_dir; also names the target sandbox schema (cutover_<run_id>)."""
    run_dir: Path
    """runs/<run_id>: spec.json, events.jsonl, checkpoints.sqlite, artifacts/, report.*"""
    project_dir: Path
    """The folder holding cutover.toml; codebase globs and file URLs are relative to it."""
    source_url: str
    """SQLAlchemy URL of the source (read-only). May hold a password: never log it raw."""
    target_url: str
    """SQLAlchemy URL of the target. Writes stay in the run's sandbox."""
    source_dialect: str
    """sqlglot dialect of the source SQL (inferred from the URL unless configured)."""
    target_dialect: str
    """sqlglot dialect to translate to."""
    codebase: list[str] = field(default_factory=lambda: ["**/*.sql"])
    """Glob patterns (relative to project_dir) of the SQL files to migrate."""
    exclude: list[str] = field(default_factory=list)
    """Glob patterns to leave out."""
    select: list[str] = field(default_factory=list)
    """--select: migrate only objects whose name matches one of these globs (and what they
    read from the codebase); empty = all."""
    codebase_encoding: str = "utf-8"
    """Encoding of the codebase's files ([project] encoding)."""
    loader_mode: Literal["copy", "verify-only"] = "copy"
    """copy: copy base tables into the sandbox; verify-only: the target already holds them."""
    batch_rows: int = 50_000
    """Rows per Arrow batch when copying base tables."""
    max_attempts: int = 5
    """Candidates tried per object (the translation counts as the first); bounds the fix loop."""
    workers: int = field(default_factory=default_workers)
    """Objects of one dependency level migrated at once, each worker on its own connections."""
    semantics: bool = True
    """Apply the semantics library's proven rewrites while translating (off: plain sqlglot)."""
    statement_timeout_s: float = 60.0
    """Per-statement timeout on both sides."""
    allow_privileged_source: bool = False
    """Accept a source role that can write or is a superuser (refused by default: the role is
    the one safety layer that holds when the read-only session and the guard both miss)."""
    float_tolerance: Tolerance = field(default_factory=lambda: Tolerance(1e-9, 1e-9))
    """Default tolerance for float columns (floats only; decimals compare by exact value)."""
    column_tolerances: dict[str, Tolerance] = field(default_factory=dict)
    """Per-column tolerance by result column name, overriding the default (any numeric)."""
    sample_rows: int = 10
    """Rows kept per row-level sample in a diff."""
    keep_samples: bool = True
    """[run] keep_samples: false writes no data value into the run folder (report, artifacts,
    trace, checkpoints); the diff's samples live in memory only, for the fixer."""
    datacompy_max_rows: int = 200_000
    """Above this many rows the column summary is computed in DuckDB alone (datacompy is slow)."""
    keep_sandbox: bool = True
    """Keep the sandbox schema after the run so it can be inspected; false drops it."""
    apply: bool = False
    """Promote objects at parity from the sandbox to the target's real schema after the run."""
    llm_mode: Literal["auto", "off", "always"] = "auto"
    """auto: LLM only where the deterministic engine cannot finish; always: also translate with
    it; off: never (deterministic engine only)."""
    llm_model: str | None = None
    """Model name for the OpenAI-compatible endpoint; None means no LLM configured."""
    llm_base_url: str | None = None
    """OpenAI-compatible endpoint (OpenAI, vLLM, llama.cpp, Ollama, ...)."""
    llm_api_key: str | None = field(default=None, repr=False)
    """Read from the env var the config names. Never logged."""
    llm_temperature: float = 0.0
    """Sampling temperature for LLM calls."""
    prompt_set: str = "default"
    """Name in prompts/prompt_sets.yaml choosing the prompt version per agent."""
    max_llm_calls_per_object: int = 8
    """LLM calls (including tool-call turns) allowed per object."""
    max_tokens_per_run: int = 500_000
    """Total LLM tokens allowed in one run; past it the LLM is not called again."""
    max_llm_tokens_per_object: int = 60_000
    """LLM tokens one object may spend over all its calls (translator and fixer); past it the
    object ends with its best candidate and says which budget ran out."""
    llm_rows_cap: int = 20
    """Rows of data at most shown to the LLM per tool result."""
    privacy: Literal["normal", "mask", "strict"] = "normal"
    """strict: no data values are sent to the LLM, only counts, types and diagnoses; mask:
    values are replaced by type-preserving placeholders."""
    llm_column_policy: dict[str, str] = field(default_factory=dict)
    """[llm.columns]: "table.column" (or "column") -> "never": no value of it ever reaches the
    LLM, in any privacy mode."""
    llm_timeout_s: float = 120.0
    """Seconds one LLM request may take (not the databases' statement_timeout_s)."""
    llm_max_retries: int = 1
    """Extra requests after an LLM timeout or server error; each is counted and traced."""
    llm_max_tokens: int = 1024
    """Completion tokens one LLM reply may use (sent as max_completion_tokens)."""
    llm_output: Literal["tools", "json_schema"] = "tools"
    """How tool calls are asked for: the API's tools channel, or JSON text held to a schema by
    the endpoint's response_format (steadier with small local models)."""
    llm_price_input_per_mtok: float = 0.0
    """[llm] price_per_mtok.input: currency per million prompt tokens (cost in trace/report)."""
    llm_price_output_per_mtok: float = 0.0
    """[llm] price_per_mtok.output: currency per million completion tokens."""
    tracer: Tracer = field(default_factory=lambda: _null_tracer(), repr=False)
    """Writes events.jsonl (set by graph.run; a no-op tracer until then)."""
    connections: Connections | None = field(default=None, repr=False)
    """Open source/target adapters for this run (set by graph.run)."""
    llm_spend: RunSpend = field(default_factory=RunSpend, repr=False)
    """LLM tokens spent by the run so far (live, across parallel objects)."""
    chat_model: BaseChatModel | None = field(default=None, repr=False)
    """The chat model; None = deterministic engine. Built by agents.llm or injected by tests."""
    source_include: list[str] = field(default_factory=list)
    """[source] include: catalog objects to migrate besides the codebase ("procedures",
    "functions"; read from pg_proc), used by the dbt output."""
    procedure_args: dict[str, dict[str, Any]] = field(default_factory=dict)
    """[output.procedures.<name>]: parameter -> SQL literal each procedure is proven with."""
    dbt_dir: Path | None = None
    """[output] format = "dbt" / `--dbt DIR`: after the run, write the migrated objects as a dbt
    project here, build it with dbt on the target and diff every model (tools/dbt)."""
    extra: dict[str, Any] = field(default_factory=dict)
    """Free-form settings recorded in spec.json (e.g. the eval case id)."""

    def source(self) -> Adapter:
        """The open read-only source adapter."""
        if self.connections is None:
            raise RuntimeError("Context.connections is set by graph.run before any node runs")
        return self.connections.source()

    def target(self) -> Adapter:
        """The open target adapter, inside the run's sandbox."""
        if self.connections is None:
            raise RuntimeError("Context.connections is set by graph.run before any node runs")
        return self.connections.target()

    @property
    def sandbox(self) -> str:
        """Name of the run's sandbox schema on the target."""
        safe = "".join(ch if ch.isalnum() else "_" for ch in self.run_id.lower())
        return f"cutover_{safe}"

    @property
    def llm_enabled(self) -> bool:
        return self.llm_mode != "off" and self.chat_model is not None

    def tolerance_for(self, column: str) -> Tolerance | None:
        return self.column_tolerances.get(column) or self.column_tolerances.get(column.lower())
