"""The run's event log: one JSON object per line in runs/<run_id>/events.jsonl.

Events: run_start/run_end/resume, node_start/node_end (with seconds and error), route,
sql (side: source|target), sql_version (each candidate), diff (summary), llm_call (prompt id
and hash, model, tokens, latency), tool_call, error. Every string is redacted before it is
written, so passwords and API keys never reach disk.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from tools.secrets import Redactor

Listener = Callable[[dict[str, Any]], None]
_LISTENERS: list[Listener] = []


def add_listener(listener: Listener) -> None:
    """Also hand every event of every run in this process to `listener` (the CLI's live
    progress). The events file stays the record; a listener only watches."""
    _LISTENERS.append(listener)


def remove_listener(listener: Listener) -> None:
    if listener in _LISTENERS:
        _LISTENERS.remove(listener)


class Tracer:
    """Appends events to events.jsonl (thread-safe, flushed per event so a kill loses nothing)."""

    def __init__(self, path: Path, redactor: Redactor | None = None) -> None:
        self.path = path
        self.redactor = redactor or Redactor()
        # Reentrant: the stop handler (a signal handler, in the main thread) writes events too,
        # and may interrupt the main thread while it holds this lock.
        self._lock = threading.RLock()
        self._seq = self._last_seq()
        # node/object tag the events of the thread that runs the node: objects run in parallel.
        self._where = threading.local()
        path.parent.mkdir(parents=True, exist_ok=True)

    @property
    def node(self) -> str | None:
        return getattr(self._where, "node", None)

    @node.setter
    def node(self, value: str | None) -> None:
        self._where.node = value

    @property
    def object(self) -> str | None:
        return getattr(self._where, "object", None)

    @object.setter
    def object(self, value: str | None) -> None:
        self._where.object = value

    def _last_seq(self) -> int:
        if not self.path.exists():
            return 0
        last = 0
        with self.path.open(encoding="utf-8") as fh:
            for line in fh:
                try:
                    last = max(last, int(json.loads(line).get("seq", 0)))
                except (ValueError, json.JSONDecodeError):
                    continue
        return last

    def event(self, kind: str, **data: Any) -> dict[str, Any]:
        data.setdefault("node", self.node)
        data.setdefault("object", self.object)
        record = {"ts": round(time.time(), 6), "kind": kind, **self.redactor.data(data)}
        with self._lock:
            self._seq += 1
            record["seq"] = self._seq
            with self.path.open("a", encoding="utf-8") as fh:
                fh.write(json.dumps(record, default=str) + "\n")
        for listener in list(_LISTENERS):
            try:
                listener(record)
            except Exception:  # noqa: BLE001 - a display problem must never fail the run
                remove_listener(listener)
        return record

    @contextmanager
    def node_span(self, node: str, obj: str | None) -> Iterator[None]:
        """node_start/node_end around one node execution; errors are recorded then re-raised."""
        previous = (self.node, self.object)
        self.node, self.object = node, obj
        start = time.perf_counter()
        self.event("node_start")
        try:
            yield
        except BaseException as exc:
            self.event("node_end", seconds=round(time.perf_counter() - start, 4),
                       error=f"{type(exc).__name__}: {exc}")
            raise
        else:
            self.event("node_end", seconds=round(time.perf_counter() - start, 4))
        finally:
            self.node, self.object = previous


class NullTracer(Tracer):
    """For one-off commands (translate, diff) that write no run folder."""

    def __init__(self) -> None:  # noqa: D401 - no file
        self.redactor = Redactor()
        self._where = threading.local()

    def event(self, kind: str, **data: Any) -> dict[str, Any]:
        return {"kind": kind, **data}
