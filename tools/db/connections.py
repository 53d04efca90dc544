"""The run's two open adapters, opened on first use and closed once at the end."""

from __future__ import annotations

from tools.db.base import Adapter
from tools.db.privileges import refuse_privileged
from tools.db.registry import open_adapter
from tools.errors import ConfigError
from tools.trace import Tracer


class Connections:
    def __init__(self, source_url: str, target_url: str, tracer: Tracer | None,
                 timeout_s: float, sandbox: str, *,
                 allow_privileged_source: bool = False) -> None:
        self._urls = {"source": source_url, "target": target_url}
        self._tracer = tracer
        self._timeout = timeout_s
        self._sandbox = sandbox
        self._open: dict[str, Adapter] = {}
        self._allow_privileged = allow_privileged_source

    def source(self) -> Adapter:
        if "source" not in self._open:
            adapter = self._get("source")
            privileges = adapter.privileges()
            if self._tracer is not None:
                self._tracer.event("source_role", role=privileges.role,
                                   privileged=privileges.privileged,
                                   allowed=self._allow_privileged)
            if not self._allow_privileged:
                try:
                    refuse_privileged(privileges, adapter.where())
                except ConfigError:
                    self.close()
                    raise
        return self._get("source")

    def target(self) -> Adapter:
        adapter = self._get("target")
        if adapter.sandbox is None:
            adapter.create_sandbox(self._sandbox)  # idempotent: resume re-enters the same one
        return adapter

    def _get(self, role: str) -> Adapter:
        if role in self._open and not self._open[role].alive():
            # A dropped connection (server restart, killed backend) costs the statement that
            # met it, not every object after it. The source gets a new snapshot.
            dead = self._open.pop(role)
            if self._tracer is not None:
                self._tracer.event("reconnect", side=role)
            try:
                dead.close()
            except Exception:  # noqa: BLE001 - it is already gone; closing is a courtesy
                pass
        if role not in self._open:
            self._open[role] = open_adapter(self._urls[role], role,  # type: ignore[arg-type]
                                            self._tracer, self._timeout)
        return self._open[role]

    def close(self) -> None:
        for adapter in self._open.values():
            adapter.close()
        self._open.clear()
