"""A tiny OpenAI-compatible server on loopback that replays a script of replies.

Serves POST /v1/chat/completions (plain and `stream: true`) and GET /v1/models. Each request
takes the next scripted reply; every reply carries a `usage` block so token accounting can be
tested end to end. Requests are recorded (path and JSON body, no headers: the API key stays
out of test output) so tests can check what the client sent back, e.g. tool results.

    with ScriptedOpenAIServer([reply(tool_calls=[call("run_query", side="source", ...)]),
                               reply(content="done")]) as server:
        model = ChatOpenAI(base_url=server.base_url, api_key="x", model="m")
"""

from __future__ import annotations

import json
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


def call(tool: str, call_id: str | None = None, raw_arguments: str | None = None, /,
         **arguments: Any) -> dict[str, Any]:
    """One scripted tool call; raw_arguments sends a literal string (e.g. broken JSON).

    The leading parameters are positional-only so any tool argument name can be a keyword.
    """
    return {"id": call_id, "name": tool,
            "arguments": raw_arguments if raw_arguments is not None else json.dumps(arguments)}


def reply(content: str | None = None, tool_calls: list[dict[str, Any]] | None = None,
          prompt_tokens: int = 100, completion_tokens: int = 20, status: int = 200,
          error: str | None = None) -> dict[str, Any]:
    """One scripted response. status != 200 answers with an OpenAI-style error body."""
    return {"content": content, "tool_calls": tool_calls or [], "prompt_tokens": prompt_tokens,
            "completion_tokens": completion_tokens, "status": status, "error": error}


@dataclass
class ScriptedOpenAIServer:
    script: list[dict[str, Any]]
    model: str = "scripted-model"
    requests: list[dict[str, Any]] = field(default_factory=list)
    """[{path, body}] of every request received, in order."""
    _server: ThreadingHTTPServer | None = None
    _thread: threading.Thread | None = None
    _lock: threading.Lock = field(default_factory=threading.Lock)
    _position: int = 0

    @property
    def port(self) -> int:
        assert self._server is not None, "server not started"
        return self._server.server_address[1]

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/v1"

    def start(self) -> ScriptedOpenAIServer:
        handler = type("Handler", (_Handler,), {"owner": self})
        # Port 0: the OS picks a free port, so parallel test runs never collide.
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True,
                                        name="scripted-openai")
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    def __enter__(self) -> ScriptedOpenAIServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def next_reply(self, body: dict[str, Any], path: str) -> dict[str, Any] | None:
        with self._lock:
            self.requests.append({"path": path, "body": body})
            if self._position >= len(self.script):
                return None
            entry = self.script[self._position]
            self._position += 1
            return entry

    @property
    def chat_requests(self) -> list[dict[str, Any]]:
        return [r["body"] for r in self.requests if r["path"].endswith("/chat/completions")]


class _Handler(BaseHTTPRequestHandler):
    owner: ScriptedOpenAIServer
    protocol_version = "HTTP/1.1"  # keep-alive, as the OpenAI client expects

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - stdlib signature
        pass  # keep pytest output clean

    def do_GET(self) -> None:  # noqa: N802 - stdlib naming
        if self.path.rstrip("/").endswith("/models"):
            self._json(200, {"object": "list", "data": [
                {"id": self.owner.model, "object": "model", "owned_by": "tests"}]})
        else:
            self._json(404, _error_body("not found", "not_found"))

    def do_POST(self) -> None:  # noqa: N802 - stdlib naming
        length = int(self.headers.get("Content-Length") or 0)
        try:
            body = json.loads(self.rfile.read(length) or b"{}")
        except json.JSONDecodeError:
            self._json(400, _error_body("request body is not JSON", "invalid_request_error"))
            return
        if not self.path.rstrip("/").endswith("/chat/completions"):
            self._json(404, _error_body(f"no route {self.path}", "not_found"))
            return
        entry = self.owner.next_reply(body, self.path)
        if entry is None:
            self._json(500, _error_body("scripted server: script exhausted", "server_error"))
        elif entry["status"] != 200:
            self._json(entry["status"], _error_body(entry["error"] or "scripted error",
                                                    "scripted_error"))
        elif body.get("stream"):
            self._stream(entry, body)
        else:
            self._json(200, _completion(entry, self.owner.model))

    def _json(self, status: int, payload: dict[str, Any]) -> None:
        data = json.dumps(payload).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def _stream(self, entry: dict[str, Any], body: dict[str, Any]) -> None:
        self.send_response(200)
        self.send_header("Content-Type", "text/event-stream")
        self.send_header("Cache-Control", "no-cache")
        self.send_header("Connection", "close")  # the stream ends when the socket closes
        self.end_headers()
        for chunk in _chunks(entry, self.owner.model, body):
            self.wfile.write(f"data: {json.dumps(chunk)}\n\n".encode())
        self.wfile.write(b"data: [DONE]\n\n")
        self.wfile.flush()
        self.close_connection = True


def _error_body(message: str, kind: str) -> dict[str, Any]:
    return {"error": {"message": message, "type": kind, "param": None, "code": None}}


def _tool_calls(entry: dict[str, Any]) -> list[dict[str, Any]]:
    return [{"id": c["id"] or f"call_{i}_{c['name']}", "type": "function",
             "function": {"name": c["name"], "arguments": c["arguments"]}}
            for i, c in enumerate(entry["tool_calls"])]


def _usage(entry: dict[str, Any]) -> dict[str, int]:
    p, c = entry["prompt_tokens"], entry["completion_tokens"]
    return {"prompt_tokens": p, "completion_tokens": c, "total_tokens": p + c}


def _completion(entry: dict[str, Any], model: str) -> dict[str, Any]:
    message: dict[str, Any] = {"role": "assistant", "content": entry["content"]}
    if entry["tool_calls"]:
        message["tool_calls"] = _tool_calls(entry)
    return {"id": "chatcmpl-scripted", "object": "chat.completion", "created": 0,
            "model": model,
            "choices": [{"index": 0, "message": message,
                         "finish_reason": "tool_calls" if entry["tool_calls"] else "stop"}],
            "usage": _usage(entry)}


def _chunks(entry: dict[str, Any], model: str, body: dict[str, Any]) -> list[dict[str, Any]]:
    base = {"id": "chatcmpl-scripted", "object": "chat.completion.chunk", "created": 0,
            "model": model}
    delta: dict[str, Any] = {"role": "assistant", "content": entry["content"] or ""}
    if entry["tool_calls"]:
        delta["tool_calls"] = [{"index": i, **c} for i, c in enumerate(_tool_calls(entry))]
    finish = "tool_calls" if entry["tool_calls"] else "stop"
    chunks = [{**base, "choices": [{"index": 0, "delta": delta, "finish_reason": None}]},
              {**base, "choices": [{"index": 0, "delta": {}, "finish_reason": finish}]}]
    if (body.get("stream_options") or {}).get("include_usage"):
        chunks.append({**base, "choices": [], "usage": _usage(entry)})
    return chunks
