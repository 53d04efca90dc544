"""Chat models: the OpenAI-compatible factory and a scripted model for tests.

agents.llm re-exports these names; the tool loop itself lives there.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from langchain_core.language_models import BaseChatModel
from langchain_core.messages import AIMessage, BaseMessage
from langchain_core.outputs import ChatGeneration, ChatResult
from pydantic import Field, SecretStr, field_validator

from tools.errors import ConfigError

if TYPE_CHECKING:
    from langchain_core.callbacks import CallbackManagerForLLMRun

    from graph.context import Context


# ------------------------------------------------------------------------------ factory
def build_chat_model(model: str | None, base_url: str | None, api_key: str | None,
                     temperature: float = 0.0, timeout: float = 120.0,
                     max_tokens: int | None = None) -> BaseChatModel | None:
    """ChatOpenAI for any OpenAI-compatible endpoint; None when no model is configured.

    The client never retries on its own (max_retries=0): run_tool_loop retries, so every
    request, retried or failed, is counted and traced.
    """
    if model is None:
        return None
    if base_url is None and api_key is None:
        raise ConfigError(f"LLM model {model!r} is configured but neither a base_url nor an API "
                          f"key is: set llm.base_url (local server) and/or llm.api_key_env")
    from langchain_openai import ChatOpenAI  # lazily: runs without an LLM never pay for it

    return ChatOpenAI(
        model=model,
        base_url=base_url,
        # Local servers (vLLM, llama.cpp, Ollama) take any key; passing one stops the client
        # from reading OPENAI_API_KEY behind the config loader's back.
        api_key=SecretStr(api_key or "not-needed"),
        temperature=temperature,
        max_retries=0,
        max_completion_tokens=max_tokens,
        # Token counts come from the server's usage block, also when streaming is switched on.
        stream_usage=True,
        timeout=timeout,
        # OpenAI-compatible servers implement /chat/completions, not the Responses API.
        use_responses_api=False,
    )


def chat_model_from_context(context: Context) -> BaseChatModel | None:
    """The run's chat model as configured (llm_mode="off" means none)."""
    if context.llm_mode == "off":
        return None
    return build_chat_model(context.llm_model, context.llm_base_url, context.llm_api_key,
                            context.llm_temperature, timeout=context.llm_timeout_s,
                            max_tokens=context.llm_max_tokens)


# ------------------------------------------------------------------------------ test model
class ScriptedChatModel(BaseChatModel):
    """Replays scripted replies, records what it was sent, reports token usage.

    Script entries are AIMessages (with tool_calls if wanted) or plain strings. A reply without
    usage_metadata gets a deterministic estimate (characters / 4) so token budgets are testable.
    Running past the end of the script raises, so a test cannot pass by accident.
    """

    script: list[AIMessage] = Field(default_factory=list)
    received: list[list[BaseMessage]] = Field(default_factory=list)
    """The messages of every call, in order."""
    bound_tools: list[str] = Field(default_factory=list)
    """Names of the tools last bound with bind_tools()."""
    position: int = 0
    model_name: str = "scripted"

    @field_validator("script", mode="before")
    @classmethod
    def _strings_to_messages(cls, value: Any) -> Any:
        # A union field would not do: AIMessage's own validator fails on a bare str.
        if isinstance(value, list):
            return [AIMessage(content=v) if isinstance(v, str) else v for v in value]
        return value

    @property
    def _llm_type(self) -> str:
        return "scripted"

    def bind_tools(self, tools: Sequence[Any], **kwargs: Any) -> ScriptedChatModel:
        # The stock fake models raise NotImplementedError here; the loop needs tools bound.
        self.bound_tools = [getattr(t, "name", str(t)) for t in tools]
        return self

    def _generate(self, messages: list[BaseMessage], stop: list[str] | None = None,
                  run_manager: CallbackManagerForLLMRun | None = None,
                  **kwargs: Any) -> ChatResult:
        self.received.append(list(messages))
        if self.position >= len(self.script):
            raise RuntimeError(f"ScriptedChatModel: script exhausted after {self.position} "
                               f"replies")
        reply = self.script[self.position].model_copy()
        self.position += 1
        if reply.usage_metadata is None:
            reply.usage_metadata = _estimated_usage(messages, reply)
        reply.response_metadata = {**reply.response_metadata, "model_name": self.model_name}
        return ChatResult(generations=[ChatGeneration(message=reply)])


def _estimated_usage(messages: Sequence[BaseMessage], reply: AIMessage) -> Any:
    prompt = sum(len(m.text) for m in messages)
    answer = len(reply.text) + len(json.dumps([c["args"] for c in reply.tool_calls]))
    inp, out = prompt // 4 + 1, answer // 4 + 1
    return {"input_tokens": inp, "output_tokens": out, "total_tokens": inp + out}


def tool_call_message(tool: str, call_id: str | None = None, content: str = "", /,
                      **args: Any) -> AIMessage:
    """An AIMessage calling one tool: `tool_call_message("run_query", side="source", sql=...)`.

    The leading parameters are positional-only so any tool argument name can be a keyword.
    """
    return AIMessage(content=content, tool_calls=[
        {"name": tool, "args": args, "id": call_id or f"call_{tool}_{abs(hash(str(args)))}",
         "type": "tool_call"}])
