"""How the loop asks for tool calls: through the API's tools channel, or as JSON text held to a
schema by the endpoint (`response_format` json_schema, which llama.cpp's server turns into a
grammar). Small local models follow a grammar far more reliably than a tool-call template."""

from __future__ import annotations

import json
from typing import Any, Literal

from langchain_core.tools import BaseTool

OutputMode = Literal["tools", "json_schema"]


def bind_for_output(model: Any, tools: list[BaseTool], mode: OutputMode) -> tuple[Any, str]:
    """(the model to invoke, text to append to the system message)."""
    if not tools:
        return model, ""
    if mode == "tools":
        return model.bind_tools(tools), ""
    names = [t.name for t in tools]
    schema = {"type": "object", "additionalProperties": False, "required": ["name", "arguments"],
              "properties": {"name": {"type": "string", "enum": names},
                             "arguments": {"type": "object"}}}
    bound = model.bind(response_format={"type": "json_schema", "json_schema": {
        "name": "tool_call", "schema": schema}})
    lines = ["", "Reply with one JSON object {\"name\": <tool>, \"arguments\": {...}} calling "
             "one of these tools:"]
    for tool in tools:
        args = {k: v.get("type", "any") for k, v in (tool.args or {}).items()}
        lines.append(f"- {tool.name}({json.dumps(args)}): {tool.description}")
    return bound, "\n".join(lines)
