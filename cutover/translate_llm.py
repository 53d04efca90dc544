"""`cutover translate --llm`: one file, sqlglot first; the LLM (from the project's [llm]
section) only for statements sqlglot cannot carry or whose output calls a function the target
lacks. The LLM's answer passes the same checks, so exit 1 still means "not translated"."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from agents.llm import LoopLimits, build_chat_model, run_tool_loop
from prompts.loader import load_prompt_for_model
from tools.errors import ConfigError
from tools.llm_tools import fixer_tools


@dataclass
class Translator:
    """The configured chat model and its limits, for statements that need it."""

    model: object
    model_name: str
    prompt_set: str
    limits: LoopLimits
    privacy: str

    def translate(self, sql: str, read: str, write: str, problem: str,
                  deterministic_sql: str | None, name: str) -> tuple[str | None, str]:
        """(SQL or None, a one-line account of what the model did)."""
        prompt = load_prompt_for_model("translator", self.prompt_set, self.model_name)
        variables = {"source_dialect": read, "target_dialect": write, "rows_cap": 0,
                     "privacy": self.privacy, "object_name": name, "object_kind": "statement",
                     "source_sql": sql, "schema": [], "deterministic_sql": deterministic_sql,
                     "deterministic_error": problem}
        # No database here: only the tools that need none (transpile, submit_sql).
        tools = [t for t in fixer_tools(source=None, target=None,  # type: ignore[arg-type]
                                        source_dialect=read, target_dialect=write, rows_cap=0,
                                        privacy="strict")
                 if t.name in ("transpile", "submit_sql")]
        out = run_tool_loop(self.model, prompt=prompt, system_vars=variables,  # type: ignore[arg-type]
                            user_message=prompt.render_user(**variables), tools=tools,
                            max_calls=self.limits.max_calls,
                            token_budget=self.limits.token_budget, tracer=None,
                            object_name=name, limits=self.limits, dialect=write)
        return out.sql, (f"LLM {out.stopped_reason}: {out.calls} call(s), {out.tokens} tokens, "
                         f"cost {round(out.cost, 6)}")


def translator_from_project(project_dir: Path) -> Translator:
    """The [llm] section of PROJECT_DIR/cutover.toml as a Translator (ConfigError if unset)."""
    import os

    from cutover.config import read_config

    cfg = read_config(project_dir.resolve())
    llm = cfg.llm
    if llm.model is None or llm.mode == "off":
        raise ConfigError(f"--llm needs an [llm] section with a model in "
                          f"{project_dir / 'cutover.toml'} (and mode other than 'off')")
    key = os.environ.get(llm.api_key_env) or ("not-needed" if llm.base_url else None)
    model = build_chat_model(llm.model, llm.base_url, key, llm.temperature,
                             timeout=llm.timeout_s, max_tokens=llm.max_tokens)
    limits = LoopLimits(max_calls=llm.max_calls_per_object, token_budget=llm.max_tokens_per_run,
                        max_retries=llm.max_retries,
                        price_input_per_mtok=llm.price_per_mtok.get("input", 0.0),
                        price_output_per_mtok=llm.price_per_mtok.get("output", 0.0))
    return Translator(model=model, model_name=llm.model, prompt_set=llm.prompt_set,
                      limits=limits, privacy=llm.privacy)
