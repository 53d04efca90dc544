"""Read what a model meant from what it wrote.

Small local models rarely use the API's tool-call channel: Qwen2.5-Coder-1.5B wrote 64 of 65
tool calls as JSON inside a ```json block. This module turns every common shape into tool calls
or one SQL answer, so a reply is lost only when it really holds neither:

- real tool_calls (handled by the caller; this module reads text only);
- `<tool_call>{...}</tool_call>` tags (Qwen/Hermes templates);
- JSON in a fenced block or bare in the text: {"name": .., "arguments": {..}} and its cousins
  ("parameters", "args", {"function": {...}}), a list of them, or bare submit arguments
  {"sql": .., "explanation": ..};
- any fenced block (```sql, ```duckdb, ``` with no language, one-line ```SELECT 1```) or bare
  text holding exactly one valid read-only statement.

Nothing here trusts the SQL: a parsed answer still goes through the submit tool's guard and
then the compiler and the data differ.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from typing import Any

import sqlglot
from sqlglot import exp

_TOOL_TAG = re.compile(r"<tool_call>\s*(?P<body>.*?)\s*(?:</tool_call>|\Z)", re.DOTALL)
# The language tag counts only when a newline follows it: "```SELECT 1```" is all body.
_FENCE = re.compile(r"```[ \t]*(?:(?P<lang>[A-Za-z0-9_+-]*)[ \t]*\n)?(?P<body>.*?)```",
                    re.DOTALL)
_STATEMENT_START = re.compile(r"(?im)^\s*(WITH|SELECT)\b")
_NAME_KEYS = ("name", "tool", "tool_name", "function_name")
_ARG_KEYS = ("arguments", "args", "parameters", "input", "params")


@dataclass
class TextCall:
    """A tool call found in the text of a reply."""

    name: str
    args: dict[str, Any]


@dataclass
class ParsedReply:
    """What a text reply holds: tool calls, or one SQL answer, or nothing usable."""

    calls: list[TextCall] = field(default_factory=list)
    sql: str | None = None
    explanation: str = ""
    shape: str = "none"
    """How it was found: tool_call_tag, json, fenced_sql, bare_sql or none (for traces)."""


def parse_reply(text: str, dialect: str, tool_names: set[str], submit_tool: str) -> ParsedReply:
    """The tool calls or the SQL answer a text reply holds (see the module doc for shapes)."""
    text = text or ""
    tagged = [c for body in _TOOL_TAG.findall(text) for c in _calls_in(_loads(body), tool_names,
                                                                        submit_tool)]
    if tagged:
        return ParsedReply(calls=tagged, shape="tool_call_tag")
    blocks = [((m["lang"] or "").lower(), m["body"].strip()) for m in _FENCE.finditer(text)]
    json_calls = [c for lang, body in blocks if lang in ("json", "", "tool_call")
                  for c in _calls_in(_loads(body), tool_names, submit_tool)]
    if not json_calls and not blocks:
        json_calls = _calls_in(_loads(_outer_json(text)), tool_names, submit_tool)
    if json_calls:
        return ParsedReply(calls=json_calls, shape="json")
    outside = _FENCE.sub("", text).strip()
    fenced = [sql for sql in (_one_statement(body, dialect) for lang, body in blocks)
              if sql is not None]
    if fenced:
        # Models often show the broken query first and end with the fixed one.
        return ParsedReply(sql=fenced[-1], explanation=outside[:2000], shape="fenced_sql")
    bare = _one_statement(text, dialect) or _statement_tail(text, dialect)
    if bare is not None:
        return ParsedReply(sql=bare, shape="bare_sql")
    return ParsedReply()


def _loads(text: str | None) -> Any:
    if not text:
        return None
    try:
        return json.loads(text)
    except ValueError:
        # Models sometimes put raw newlines inside JSON strings; strict=False accepts them.
        try:
            return json.JSONDecoder(strict=False).decode(text)
        except ValueError:
            return None


def _outer_json(text: str) -> str | None:
    """The first balanced {...} or [...] of a text, if any (bare JSON among prose)."""
    start = min((i for i in (text.find("{"), text.find("[")) if i >= 0), default=-1)
    if start < 0:
        return None
    try:
        _, end = json.JSONDecoder(strict=False).raw_decode(text[start:])
    except ValueError:
        return None
    return text[start:start + end]


def _calls_in(value: Any, tool_names: set[str], submit_tool: str) -> list[TextCall]:
    """Tool calls in a decoded JSON value; [] when it is not shaped like one."""
    if isinstance(value, list):
        return [c for item in value for c in _calls_in(item, tool_names, submit_tool)]
    if not isinstance(value, dict):
        return []
    if isinstance(value.get("function"), dict):  # the OpenAI wire shape
        return _calls_in(value["function"], tool_names, submit_tool)
    if isinstance(value.get("tool_calls"), list):
        return _calls_in(value["tool_calls"], tool_names, submit_tool)
    name = next((value[k] for k in _NAME_KEYS if isinstance(value.get(k), str)), None)
    if name is not None and name in tool_names:
        raw: Any = next((value[k] for k in _ARG_KEYS if k in value), {})
        args = _loads(raw) if isinstance(raw, str) else raw
        return [TextCall(name, args if isinstance(args, dict) else {})]
    if name is None and isinstance(value.get("sql"), str) and set(value) <= {
            "sql", "explanation", "query"}:
        # Bare submit arguments: the model skipped the envelope.
        return [TextCall(submit_tool, {"sql": value["sql"],
                                       "explanation": str(value.get("explanation") or "")})]
    return []


def _one_statement(text: str, dialect: str) -> str | None:
    """The text as SQL when it is exactly one SELECT/WITH statement in `dialect`."""
    sql = text.strip().rstrip(";").strip()
    if not sql or not _STATEMENT_START.match(sql):
        return None
    try:
        parsed = [e for e in sqlglot.parse(sql, read=dialect) if e is not None]
    except (sqlglot.errors.ParseError, sqlglot.errors.TokenError, ValueError):
        return None
    if len(parsed) != 1 or not isinstance(parsed[0], exp.Query):
        return None
    return sql


def _statement_tail(text: str, dialect: str) -> str | None:
    """Prose followed by a bare query: the query from its first SELECT/WITH line to the end."""
    match = _STATEMENT_START.search(text)
    if match is None or match.start() == 0:
        return None
    return _one_statement(text[match.start():], dialect)
