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
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

import sqlglot
from langchain_core.language_models import BaseChatModel
from langchain_core.messages import (
    AIMessage,
    BaseMessage,
    HumanMessage,
    SystemMessage,
    ToolMessage,
)
from langchain_core.tools import BaseTool

from agents.llm_models import (  # re-exported: callers import the LLM layer from here
    ScriptedChatModel,
    build_chat_model,
    chat_model_from_context,
    tool_call_message,
)
from agents.llm_replies import parse_reply
from agents.llm_structured import OutputMode, bind_for_output
from prompts.loader import Prompt
from tools.errors import ConfigError, ConnectionLost
from tools.llm_tools import ERROR_PREFIX, SUBMIT_TOOL
from tools.secrets import Redactor
from tools.trace import NullTracer, Tracer

__all__ = ["LoopLimits", "ScriptedChatModel", "ToolLoopResult", "Vet", "build_chat_model",
           "chat_model_from_context", "normalise_sql", "run_tool_loop", "tool_call_message",
           "transcript"]
StopReason = Literal["submitted", "budget_calls", "budget_tokens", "no_answer", "error"]
Vet = Callable[[str], tuple[str | None, str | None]]
"""A caller's check of a submission before the turn ends: (the SQL to keep, None) or
(None, the rejection the model is told)."""

_NUDGE = ("You did not submit an answer. Call the `submit_sql` tool with the final query and "
          "a short explanation.")
_CONTINUE = ("Your reply was cut off at the token limit before it held an answer. Reply again, "
             "shorter: only the `submit_sql` call with the final query.")
_RECEIVED = ("RECEIVED. Your turn ends here: Cutover now compiles this query on the target and "
             "diffs its rows against the source. If it does not reach parity you will be asked "
             "again with the result.")
_PREVIEW_CHARS = 500


# ------------------------------------------------------------------------------ the loop
@dataclass(frozen=True)
class LoopLimits:
    """Budgets and prices of one conversation (from the [llm] section via llm_tasks)."""

    max_calls: int
    """Model requests allowed, retries and failed requests included."""
    token_budget: int
    max_retries: int = 1
    """Extra requests after a timeout or a server error, each counted as a call."""
    price_input_per_mtok: float = 0.0
    price_output_per_mtok: float = 0.0

    def cost(self, input_tokens: int, output_tokens: int) -> float:
        return (input_tokens * self.price_input_per_mtok
                + output_tokens * self.price_output_per_mtok) / 1_000_000


@dataclass
class ToolLoopResult:
    """What one bounded conversation produced."""

    sql: str | None
    """The submitted query (stripped), or None."""
    explanation: str
    calls: int
    """Model requests made, retries and failures included."""
    tokens: int
    """Total tokens over all requests (estimated from characters where a request failed)."""
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
    cost: float = 0.0
    """Tokens priced by [llm] price_per_mtok."""
    retries: int = 0
    seconds: float = 0.0


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
    limits: LoopLimits
    dialect: str
    already_tried: dict[str, str]
    messages: list[BaseMessage] = field(default_factory=list)
    calls: int = 0
    retries: int = 0
    input_tokens: int = 0
    output_tokens: int = 0
    tokens: int = 0
    sql: str | None = None
    explanation: str = ""
    last_error: str | None = None
    nudged: bool = False
    duplicates: int = 0
    """Resubmissions of tried queries (and answers the vet refused): at temperature 0 a model
    repeats itself, so each one raises the temperature of the next request."""
    vet: Vet | None = None


def run_tool_loop(model: BaseChatModel, *, prompt: Prompt, system_vars: dict[str, Any],
                  user_message: str, tools: list[BaseTool], max_calls: int, token_budget: int,
                  tracer: Tracer | None, object_name: str | None,
                  limits: LoopLimits | None = None, dialect: str = "duckdb",
                  already_tried: dict[str, str] | None = None,
                  output: OutputMode = "tools",
                  vet: Vet | None = None, warmth: int = 0) -> ToolLoopResult:
    """Converse with tools until the model submits new SQL or a budget runs out.

    `already_tried` maps earlier candidates to what they gave: resubmitting one is answered
    with that outcome and the conversation goes on (within budget). `output` chooses how tool
    calls are asked for (agents.llm_structured). `vet` checks each submission that passed the
    submit tool and may replace it (agents.llm_call_rewrite puts an expression into its query)
    or refuse it with a text the model gets at once. `warmth` counts the model's earlier
    answers already refuted: asked again at temperature 0 it gives the same one, so each
    starts the conversation a step warmer.
    """
    limits = limits or LoopLimits(max_calls=max_calls, token_budget=token_budget)
    bound, tool_text = bind_for_output(model, tools, output)
    loop = _Loop(model=bound,
                 tools={t.name: t for t in tools}, tracer=tracer or NullTracer(), prompt=prompt,
                 object_name=object_name, base_url=_base_url(model),
                 model_name=_model_name(model), limits=limits, dialect=dialect,
                 already_tried={normalise_sql(k, dialect): v
                                for k, v in (already_tried or {}).items()},
                 vet=vet, duplicates=max(0, warmth),
                 messages=[SystemMessage(prompt.render(**system_vars) + tool_text),
                           HumanMessage(user_message)])
    start = time.perf_counter()
    reason = _drive(loop, limits.max_calls, limits.token_budget)
    return ToolLoopResult(
        sql=loop.sql, explanation=loop.explanation, calls=loop.calls, tokens=loop.tokens,
        transcript=transcript(loop.messages, loop.tracer.redactor), stopped_reason=reason,
        input_tokens=loop.input_tokens, output_tokens=loop.output_tokens,
        error=None if reason == "submitted" else loop.last_error,
        prompt_id=prompt.id, prompt_hash=prompt.sha256, model=loop.model_name,
        cost=limits.cost(loop.input_tokens, loop.output_tokens), retries=loop.retries,
        seconds=round(time.perf_counter() - start, 3))


def _drive(loop: _Loop, max_calls: int, token_budget: int) -> StopReason:
    while True:
        if loop.calls >= max_calls:
            return "budget_calls"
        if loop.tokens >= token_budget:
            return "budget_tokens"
        reply = _call_model(loop)
        if reply is None:
            return "error"
        reply = _with_text_tool_calls(loop, reply)
        loop.messages.append(reply)
        if reply.tool_calls or reply.invalid_tool_calls:
            if _run_tool_calls(loop, reply):
                return "submitted"
            continue
        parsed = parse_reply(reply.text, loop.dialect, set(loop.tools), SUBMIT_TOOL)
        if parsed.sql is not None:
            verdict = _accept(loop, {"sql": parsed.sql, "explanation": parsed.explanation})
            if verdict is None:
                return "submitted"
            loop.messages.append(HumanMessage(f"{verdict}\nCorrect the query and call "
                                              f"`{SUBMIT_TOOL}`."))
            continue
        if reply.response_metadata.get("finish_reason") == "length":
            # Cut off at max_tokens: ask for the rest, shorter, rather than giving up.
            _trace(loop, "llm_truncated", call=loop.calls)
            loop.messages.append(HumanMessage(_CONTINUE))
            continue
        if loop.nudged:
            loop.last_error = "the model answered without SQL or a tool call twice"
            return "no_answer"
        loop.nudged = True
        loop.messages.append(HumanMessage(_NUDGE))


def _with_text_tool_calls(loop: _Loop, reply: AIMessage) -> AIMessage:
    """A reply whose tool calls are written in its text, as a reply with real tool calls.

    The conversation then continues exactly as if the server had parsed them: each call gets
    its ToolMessage answer.
    """
    if reply.tool_calls or reply.invalid_tool_calls or not loop.tools:
        return reply
    parsed = parse_reply(reply.text, loop.dialect, set(loop.tools), SUBMIT_TOOL)
    if not parsed.calls:
        return reply
    _trace(loop, "llm_reply_shape", shape=parsed.shape, tools=[c.name for c in parsed.calls])
    calls = [{"name": c.name, "args": c.args, "id": f"text_{loop.calls}_{i}",
              "type": "tool_call"} for i, c in enumerate(parsed.calls)]
    return AIMessage(content=reply.content, tool_calls=calls,
                     response_metadata=reply.response_metadata,
                     usage_metadata=reply.usage_metadata)


def _call_model(loop: _Loop) -> AIMessage | None:
    """One model call with its retries, each request counted and traced; None when unusable."""
    while True:
        reply, error, retryable = _request(loop)
        if reply is not None or error is None:
            return reply
        if retryable and loop.retries < loop.limits.max_retries \
                and loop.calls < loop.limits.max_calls:
            loop.retries += 1
            continue
        if isinstance(retryable, BaseException):
            _raise_if_infrastructure(retryable, loop.base_url, loop.tracer.redactor)
        loop.last_error = error
        return None


def _request(loop: _Loop) -> tuple[AIMessage | None, str | None, Any]:
    """One HTTP request: (reply, error text, the retryable exception or False)."""
    start = time.perf_counter()
    error: str | None = None
    reply: AIMessage | None = None
    retryable: Any = False
    try:
        extra = {"temperature": min(1.0, 0.4 + 0.2 * loop.duplicates)} if loop.duplicates else {}
        answer = loop.model.invoke(loop.messages, **extra)
        if isinstance(answer, AIMessage):
            reply = answer
        else:
            error = f"the model returned {type(answer).__name__}, not an AIMessage"
    except Exception as exc:  # provider errors have many classes; mapped or reported below
        if _is_transient(exc):
            retryable = exc
        else:
            _raise_if_infrastructure(exc, loop.base_url, loop.tracer.redactor)
        error = f"{type(exc).__name__}: {exc}"
    loop.calls += 1
    usage: dict[str, Any] = dict((reply.usage_metadata if reply is not None else None) or {})
    estimated = not usage and retryable is not False and _was_processed(retryable)
    if estimated:
        # A timed-out request was still read by the server: count its prompt, estimated.
        usage = {"input_tokens": sum(len(m.text) for m in loop.messages) // 4 + 1}
    inp, out = int(usage.get("input_tokens", 0)), int(usage.get("output_tokens", 0))
    total = int(usage.get("total_tokens", inp + out))
    loop.input_tokens += inp
    loop.output_tokens += out
    loop.tokens += total
    model = (reply.response_metadata.get("model_name") if reply is not None else None)
    finish = reply.response_metadata.get("finish_reason") if reply is not None else None
    _trace(
        loop, "llm_call", prompt_id=loop.prompt.id,
        prompt_hash=loop.prompt.sha256, model=model or loop.model_name, call=loop.calls,
        input_tokens=inp, output_tokens=out, total_tokens=total,
        cost=round(loop.limits.cost(inp, out), 6),
        latency_s=round(time.perf_counter() - start, 4),
        tool_calls=[c["name"] for c in reply.tool_calls] if reply is not None else [],
        usage_reported=bool(usage) and not estimated, usage_estimated=estimated,
        finish_reason=finish, retry=loop.retries, error=error)
    return reply, error, retryable


def _is_transient(exc: Exception) -> bool:
    try:
        import openai
    except ImportError:
        return False
    return isinstance(exc, (openai.APITimeoutError, openai.APIConnectionError,
                            openai.InternalServerError, openai.RateLimitError))


def _was_processed(exc: Any) -> bool:
    """True when the server saw the request (timeout, 5xx), False when it was never reached."""
    try:
        import openai
    except ImportError:
        return False
    return isinstance(exc, openai.APITimeoutError) or not isinstance(exc,
                                                                     openai.APIConnectionError)


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
        loop.messages.append(ToolMessage(rejection or _RECEIVED, tool_call_id=call_id,
                                         name=name))
        if rejection is None:
            return True  # calls after an accepted submission are moot
    return False


def _accept(loop: _Loop, args: dict[str, Any]) -> str | None:
    """Take a submission: None when accepted, else the text the model gets back."""
    sql = args.get("sql")
    if not isinstance(sql, str) or not sql.strip():
        text = f"{ERROR_PREFIX} `{SUBMIT_TOOL}` needs a non-empty `sql` string argument"
        _trace_tool(loop, SUBMIT_TOOL, args, text)
        loop.last_error = text
        return text
    earlier = loop.already_tried.get(normalise_sql(sql, loop.dialect))
    if earlier is not None:
        text = (f"{ERROR_PREFIX} already tried: this query was an earlier candidate and gave: "
                f"{earlier}. Submitting it again cannot change that: submit a query that "
                f"differs where the failure points (a comparison, a collation, a function or "
                f"a cast).")
        _trace_tool(loop, SUBMIT_TOOL, args, text)
        loop.last_error = "the model resubmitted a query already tried"
        loop.duplicates += 1
        return text
    if SUBMIT_TOOL in loop.tools:
        # The tool checks the SQL (parse + read-only guard in the target dialect).
        text = _invoke_tool(loop, SUBMIT_TOOL, args)
        if text.startswith(ERROR_PREFIX):
            loop.last_error = text
            return text
    else:
        _trace_tool(loop, SUBMIT_TOOL, args, "accepted (no submit tool bound)")
    if loop.vet is not None:
        kept, rejection = loop.vet(sql)
        if rejection is not None or kept is None:
            text = rejection or f"{ERROR_PREFIX} the submission was refused"
            _trace(loop, "llm_vet", ok=False, result_preview=text[:_PREVIEW_CHARS])
            loop.last_error = text
            loop.duplicates += 1
            return text
        sql = kept
    loop.sql = sql.strip().rstrip(";").strip()
    loop.explanation = str(args.get("explanation") or "")
    return None


def normalise_sql(sql: str, dialect: str) -> str:
    """One spelling per query (whitespace, case of keywords), to recognise resubmissions."""
    text = sql.strip().rstrip(";").strip()
    try:
        return sqlglot.transpile(text, read=dialect, write=dialect)[0]
    except Exception:  # unparseable: compare the whitespace-collapsed text
        return " ".join(text.split())


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


def _raise_if_infrastructure(exc: BaseException, base_url: str | None, redactor: Redactor) -> None:
    """Raise ConnectionLost / ConfigError for endpoint problems; return for everything else."""
    try:
        import openai
    except ImportError:  # no openai client installed: nothing of its kind can be raised
        return
    where = redactor.text(base_url or "the OpenAI API (no base_url set)")
    detail = redactor.text(str(exc).splitlines()[0] if str(exc) else type(exc).__name__)
    if isinstance(exc, openai.APITimeoutError):
        raise ConnectionLost(f"the LLM endpoint {where} did not answer in time ({detail}). Check "
                             f"that the server is up and not overloaded, or raise "
                             f"[llm] timeout_s (and max_retries) in cutover.toml.") from exc
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

