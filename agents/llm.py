"""The LLM layer: chat-model factory, a scripted model for tests, and the bounded tool loop.

Agents (translator, fixer) call `run_tool_loop`; it is the only place a model is invoked, so
budgets, tracing and error mapping hold for every call:
- each model call is an `llm_call` event (prompt id + hash, model, tokens, latency, tool names),
  each tool call a `tool_call` event; tokens come from the server's `usage` block (never from a
  local tokenizer, which would try to download one);
- the loop stops at `max_calls` model calls or `token_budget` tokens, whichever comes first;
- garbage from the model (no SQL, malformed tool arguments, SQL that fails the guard) becomes
  text the model sees, then a `stopped_reason`, never an exception;
- an unreachable endpoint raises ConnectionLost, a refused key or unknown model ConfigError:
  those are infrastructure, not a bad SQL candidate.
"""

from __future__ import annotations

import json
import re
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal

from langchain_core.language_models import BaseChatModel
from langchain_core.messages import (
    AIMessage,
    BaseMessage,
    HumanMessage,
    SystemMessage,
    ToolMessage,
)
from langchain_core.outputs import ChatGeneration, ChatResult
from langchain_core.tools import BaseTool
from pydantic import Field, SecretStr, field_validator

from prompts.loader import Prompt
from tools.errors import ConfigError, ConnectionLost
from tools.llm_tools import ERROR_PREFIX, SUBMIT_TOOL
from tools.secrets import Redactor
from tools.trace import NullTracer, Tracer

if TYPE_CHECKING:
    from langchain_core.callbacks import CallbackManagerForLLMRun

    from graph.context import Context

StopReason = Literal["submitted", "budget_calls", "budget_tokens", "no_answer", "error"]

_SQL_FENCE = re.compile(r"```sql[ \t]*\n(?P<sql>.*?)```", re.DOTALL | re.IGNORECASE)
_NUDGE = ("You did not submit an answer. Call the `submit_sql` tool with the final query and "
          "a short explanation.")
_PREVIEW_CHARS = 500


# ------------------------------------------------------------------------------ factory
def build_chat_model(model: str | None, base_url: str | None, api_key: str | None,
                     temperature: float = 0.0, timeout: float = 120.0) -> BaseChatModel | None:
    """ChatOpenAI for any OpenAI-compatible endpoint; None when no model is configured."""
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
        max_retries=1,
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
                            context.llm_temperature)


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


# ------------------------------------------------------------------------------ the loop
@dataclass
class ToolLoopResult:
    """What one bounded conversation produced."""

    sql: str | None
    """The submitted query (stripped), or None."""
    explanation: str
    calls: int
    """Model calls made."""
    tokens: int
    """Total tokens reported by the server over all calls."""
    transcript: list[dict[str, Any]]
    """Every message, redacted: role, content, tool_calls / tool_call_id."""
    stopped_reason: StopReason
    input_tokens: int = 0
    output_tokens: int = 0
    error: str | None = None
    """What went wrong when stopped_reason is "error" (or the last rejection text)."""
    prompt_id: str = ""
    prompt_hash: str = ""
    model: str = ""
    """The model name as configured (the server's own name is in each llm_call event)."""


@dataclass
class _Loop:
    """Mutable state of one run_tool_loop call."""

    model: Any
    tools: dict[str, BaseTool]
    tracer: Tracer
    prompt: Prompt
    object_name: str | None
    base_url: str | None
    model_name: str
    messages: list[BaseMessage] = field(default_factory=list)
    calls: int = 0
    input_tokens: int = 0
    output_tokens: int = 0
    tokens: int = 0
    sql: str | None = None
    explanation: str = ""
    last_error: str | None = None
    nudged: bool = False


def run_tool_loop(model: BaseChatModel, *, prompt: Prompt, system_vars: dict[str, Any],
                  user_message: str, tools: list[BaseTool], max_calls: int, token_budget: int,
                  tracer: Tracer | None, object_name: str | None) -> ToolLoopResult:
    """Converse with tools until the model submits SQL or a budget runs out."""
    loop = _Loop(model=model.bind_tools(tools) if tools else model,
                 tools={t.name: t for t in tools}, tracer=tracer or NullTracer(), prompt=prompt,
                 object_name=object_name, base_url=_base_url(model),
                 model_name=_model_name(model),
                 messages=[SystemMessage(prompt.render(**system_vars)),
                           HumanMessage(user_message)])
    reason = _drive(loop, max_calls, token_budget)
    return ToolLoopResult(
        sql=loop.sql, explanation=loop.explanation, calls=loop.calls, tokens=loop.tokens,
        transcript=transcript(loop.messages, loop.tracer.redactor), stopped_reason=reason,
        input_tokens=loop.input_tokens, output_tokens=loop.output_tokens,
        error=None if reason == "submitted" else loop.last_error,
        prompt_id=prompt.id, prompt_hash=prompt.sha256, model=loop.model_name)


def _drive(loop: _Loop, max_calls: int, token_budget: int) -> StopReason:
    while True:
        if loop.calls >= max_calls:
            return "budget_calls"
        if loop.tokens >= token_budget:
            return "budget_tokens"
        reply = _call_model(loop)
        if reply is None:
            return "error"
        loop.messages.append(reply)
        if reply.tool_calls or reply.invalid_tool_calls:
            if _run_tool_calls(loop, reply):
                return "submitted"
            continue
        fenced = _fenced_sql(reply.text)
        if fenced is not None:
            outside = _SQL_FENCE.sub("", reply.text).strip()
            verdict = _accept(loop, {"sql": fenced, "explanation": outside[:2000]})
            if verdict is None:
                return "submitted"
            loop.messages.append(HumanMessage(f"{verdict}\nCorrect the query and call "
                                              f"`{SUBMIT_TOOL}`."))
            continue
        if loop.nudged:
            loop.last_error = "the model answered without SQL twice"
            return "no_answer"
        loop.nudged = True
        loop.messages.append(HumanMessage(_NUDGE))


def _call_model(loop: _Loop) -> AIMessage | None:
    """One traced model call; None (with loop.last_error) when the reply is unusable."""
    start = time.perf_counter()
    error: str | None = None
    reply: AIMessage | None = None
    try:
        answer = loop.model.invoke(loop.messages)
        if isinstance(answer, AIMessage):
            reply = answer
        else:
            error = f"the model returned {type(answer).__name__}, not an AIMessage"
    except Exception as exc:  # provider errors have many classes; mapped or reported below
        _raise_if_infrastructure(exc, loop.base_url, loop.tracer.redactor)
        error = f"{type(exc).__name__}: {exc}"
    loop.calls += 1
    usage: dict[str, Any] = dict((reply.usage_metadata if reply is not None else None) or {})
    inp, out = int(usage.get("input_tokens", 0)), int(usage.get("output_tokens", 0))
    total = int(usage.get("total_tokens", inp + out))
    loop.input_tokens += inp
    loop.output_tokens += out
    loop.tokens += total
    model = (reply.response_metadata.get("model_name") if reply is not None else None)
    _trace(
        loop, "llm_call", prompt_id=loop.prompt.id,
        prompt_hash=loop.prompt.sha256, model=model or loop.model_name, call=loop.calls,
        input_tokens=inp, output_tokens=out, total_tokens=total,
        latency_s=round(time.perf_counter() - start, 4),
        tool_calls=[c["name"] for c in reply.tool_calls] if reply is not None else [],
        usage_reported=bool(usage), error=error)
    if error is not None:
        loop.last_error = error
    return reply


def _run_tool_calls(loop: _Loop, reply: AIMessage) -> bool:
    """Answer every tool call with a ToolMessage; True once a submission is accepted."""
    for bad in reply.invalid_tool_calls:
        # The API wants an answer to every call id, even one whose arguments did not parse.
        text = (f"{ERROR_PREFIX} the arguments of your `{bad.get('name')}` call are not valid "
                f"JSON ({bad.get('error') or 'unparseable'}); call it again with a JSON object")
        _trace_tool(loop, str(bad.get("name")), {"raw": bad.get("args")}, text)
        loop.messages.append(ToolMessage(text, tool_call_id=bad.get("id") or "invalid",
                                         name=str(bad.get("name"))))
        loop.last_error = text
    for call in reply.tool_calls:
        name, args = call["name"], call.get("args") or {}
        call_id = call.get("id") or f"call_{name}"
        if name != SUBMIT_TOOL:
            loop.messages.append(ToolMessage(_invoke_tool(loop, name, args),
                                             tool_call_id=call_id, name=name))
            continue
        rejection = _accept(loop, args)
        loop.messages.append(ToolMessage(rejection or "ACCEPTED", tool_call_id=call_id,
                                         name=name))
        if rejection is None:
            return True  # calls after an accepted submission are moot
    return False


def _accept(loop: _Loop, args: dict[str, Any]) -> str | None:
    """Take a submission: None when accepted, else the rejection text for the model."""
    sql = args.get("sql")
    if not isinstance(sql, str) or not sql.strip():
        text = f"{ERROR_PREFIX} `{SUBMIT_TOOL}` needs a non-empty `sql` string argument"
        _trace_tool(loop, SUBMIT_TOOL, args, text)
        loop.last_error = text
        return text
    if SUBMIT_TOOL in loop.tools:
        # The tool checks the SQL (parse + read-only guard in the target dialect).
        text = _invoke_tool(loop, SUBMIT_TOOL, args)
        if text.startswith(ERROR_PREFIX):
            loop.last_error = text
            return text
    else:
        _trace_tool(loop, SUBMIT_TOOL, args, "accepted (no submit tool bound)")
    loop.sql = sql.strip().rstrip(";").strip()
    loop.explanation = str(args.get("explanation") or "")
    return None


def _invoke_tool(loop: _Loop, name: str, args: dict[str, Any]) -> str:
    tool = loop.tools.get(name)
    if tool is None:
        text = (f"{ERROR_PREFIX} there is no tool named {name!r}; available: "
                f"{', '.join(sorted(loop.tools)) or '(none)'}")
    else:
        try:
            result = tool.invoke(args)
            text = result if isinstance(result, str) else json.dumps(result, default=str)
        except Exception as exc:  # tools should not raise; if one does, the model hears of it
            text = f"{ERROR_PREFIX} {type(exc).__name__}: {exc}"
    _trace_tool(loop, name, args, text)
    return text


def _trace_tool(loop: _Loop, name: str, args: Any, text: str) -> None:
    _trace(loop, "tool_call", tool=name, args=args, ok=not text.startswith(ERROR_PREFIX),
           result_preview=text[:_PREVIEW_CHARS])


def _trace(loop: _Loop, kind: str, **data: Any) -> None:
    # Without an explicit object name the tracer's current object (set by node_span) applies.
    if loop.object_name is not None:
        data["object"] = loop.object_name
    loop.tracer.event(kind, **data)


def _fenced_sql(text: str) -> str | None:
    """The last ```sql block of a plain-text answer (models often end with the final query)."""
    blocks = [m["sql"].strip() for m in _SQL_FENCE.finditer(text or "")]
    blocks = [b for b in blocks if b]
    return blocks[-1] if blocks else None


# ------------------------------------------------------------------------------ helpers
def transcript(messages: Sequence[BaseMessage], redactor: Redactor) -> list[dict[str, Any]]:
    """Messages as plain, redacted dicts (for traces, artifacts and eval logs)."""
    return [redactor.data(_as_dict(m)) for m in messages]


def _as_dict(message: BaseMessage) -> dict[str, Any]:
    entry: dict[str, Any] = {"role": message.type, "content": message.text}
    if isinstance(message, AIMessage):
        if message.tool_calls:
            entry["tool_calls"] = [{"name": c["name"], "args": c["args"], "id": c.get("id")}
                                   for c in message.tool_calls]
        if message.invalid_tool_calls:
            entry["invalid_tool_calls"] = [dict(c) for c in message.invalid_tool_calls]
    if isinstance(message, ToolMessage):
        entry["tool_call_id"] = message.tool_call_id
        entry["name"] = message.name
    return entry


def _base_url(model: Any) -> str | None:
    return getattr(model, "openai_api_base", None)


def _model_name(model: Any) -> str:
    return str(getattr(model, "model_name", None) or getattr(model, "model", None)
               or type(model).__name__)


def _raise_if_infrastructure(exc: Exception, base_url: str | None, redactor: Redactor) -> None:
    """Raise ConnectionLost / ConfigError for endpoint problems; return for everything else."""
    try:
        import openai
    except ImportError:  # no openai client installed: nothing of its kind can be raised
        return
    where = redactor.text(base_url or "the OpenAI API (no base_url set)")
    detail = redactor.text(str(exc).splitlines()[0] if str(exc) else type(exc).__name__)
    if isinstance(exc, openai.APITimeoutError):
        raise ConnectionLost(f"the LLM endpoint {where} did not answer in time ({detail}). Check "
                             f"that the server is up and not overloaded, or raise the LLM "
                             f"timeout.") from exc
    if isinstance(exc, openai.APIConnectionError):
        raise ConnectionLost(f"cannot reach the LLM endpoint {where} ({detail}). Check that the "
                             f"server is running, that llm.base_url is right (it usually ends "
                             f"in /v1), and any proxy settings.") from exc
    if isinstance(exc, (openai.AuthenticationError, openai.PermissionDeniedError)):
        raise ConfigError(f"the LLM endpoint {where} refused the API key ({detail}). Check the "
                          f"environment variable llm.api_key_env names.") from exc
    if isinstance(exc, openai.NotFoundError):
        raise ConfigError(f"the LLM endpoint {where} answered 404 ({detail}). Check the model "
                          f"name and that llm.base_url includes the API prefix (e.g. /v1).") \
            from exc
    if isinstance(exc, (openai.RateLimitError, openai.InternalServerError)):
        raise ConnectionLost(f"the LLM endpoint {where} is unavailable ({detail}). It is rate "
                             f"limiting or failing; retry the run later (--resume).") from exc

