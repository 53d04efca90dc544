"""The run's open adapters: one source/target pair for the run's own steps, and one pair per
worker when objects are migrated in parallel.

Each worker (a lease, held by one object at a time) has its own connections, because a DB-API
connection serves one statement at a time. All source sessions read one snapshot:
- PostgreSQL: the first source session exports its REPEATABLE READ snapshot
  (pg_export_snapshot) and every worker session adopts it (SET TRANSACTION SNAPSHOT), so all of
  them see exactly the same data, whatever commits on the source meanwhile.
- MariaDB/MySQL have no snapshot export: every worker's START TRANSACTION WITH CONSISTENT
  SNAPSHOT is taken right after the first session's, before any object is read. Commits that
  land between those few milliseconds may be seen by some workers and not others; commits after
  them are seen by none.
- SQLite/DuckDB sources are files opened read-only by this process; each session reads the
  file as it is when the statement runs, so the guarantee is the file's own: do not write to
  the source file during a run (Cutover never does).
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Iterator
from contextlib import contextmanager

from tools.db.base import Adapter
from tools.db.privileges import refuse_privileged
from tools.db.registry import open_adapter
from tools.errors import ConfigError
from tools.trace import Tracer


class _Pair:
    """One source/target pair, opened on first use."""

    def __init__(self, owner: Connections) -> None:
        self._owner = owner
        self.open: dict[str, Adapter] = {}

    def get(self, role: str) -> Adapter:
        if role in self.open and not self.open[role].alive():
            # A dropped connection (server restart, killed backend) costs the statement that
            # met it, not every object after it. A reopened source reads a new snapshot.
            self._owner.closed_dead(role, self.open.pop(role))
        if role not in self.open:
            self.open[role] = self._owner.open(role)
        return self.open[role]

    def close(self) -> None:
        for adapter in self.open.values():
            try:
                adapter.close()
            except Exception:  # noqa: BLE001 - a killed session cannot say goodbye; the
                pass           # server has already ended it
        self.open.clear()


class Connections:
    def __init__(self, source_url: str, target_url: str, tracer: Tracer | None,
                 timeout_s: float, sandbox: str, workers: int = 1, *,
                 allow_privileged_source: bool = False) -> None:
        self._urls = {"source": source_url, "target": target_url}
        self._tracer = tracer
        self._timeout = timeout_s
        self._sandbox = sandbox
        self._workers = workers
        self._allow_privileged = allow_privileged_source
        self._role_checked = False
        self._main = _Pair(self)
        self._leased = threading.local()
        self._lock = threading.Lock()
        self._sandbox_lock = threading.Lock()
        self._pool: queue.Queue[_Pair] | None = None
        self._pairs: list[_Pair] = []

    def open(self, role: str) -> Adapter:
        adapter = open_adapter(self._urls[role], role,  # type: ignore[arg-type]
                               self._tracer, self._timeout)
        if role == "source" and not self._role_checked:
            self._check_role(adapter)
        if role == "target":
            # Idempotent (resume re-enters the same one), but not concurrent: two workers
            # creating it at once meet a write-write conflict on DuckDB's catalog.
            with self._sandbox_lock:
                adapter.create_sandbox(self._sandbox)
        return adapter

    def _check_role(self, adapter: Adapter) -> None:
        """Refuse a source role that can write, unless the user accepted it (once per run)."""
        privileges = adapter.privileges()
        if self._tracer is not None:
            self._tracer.event("source_role", role=privileges.role,
                               privileged=privileges.privileged, allowed=self._allow_privileged)
        if not self._allow_privileged:
            try:
                refuse_privileged(privileges, adapter.where())
            except ConfigError:
                adapter.close()
                raise
        self._role_checked = True

    def closed_dead(self, role: str, dead: Adapter) -> None:
        if self._tracer is not None:
            self._tracer.event("reconnect", side=role)
        try:
            dead.close()
        except Exception:  # noqa: BLE001 - it is already gone; closing is a courtesy
            pass

    def _pair(self) -> _Pair:
        return getattr(self._leased, "pair", None) or self._main

    def source(self) -> Adapter:
        pair = self._pair()
        if pair is self._main and self._workers > 1 and self._pool is None:
            self._worker_pool()  # every source session starts with the run's first one
        return pair.get("source")

    def target(self) -> Adapter:
        return self._pair().get("target")

    @contextmanager
    def lease(self) -> Iterator[None]:
        """Give the calling thread a worker's own connections until the block ends. With one
        worker the run's own pair is used, as a sequential run always did."""
        if self._workers <= 1:
            yield
            return
        pool = self._worker_pool()
        pair = pool.get()
        self._leased.pair = pair
        try:
            yield
        finally:
            self._leased.pair = None
            pool.put(pair)

    def _worker_pool(self) -> queue.Queue[_Pair]:
        with self._lock:
            if self._pool is None:
                self._pool = queue.Queue()
                main_source = self._main.get("source")
                token = main_source.export_snapshot()
                # Opened together, so engines without snapshot export start theirs together.
                for _ in range(self._workers):
                    pair = _Pair(self)
                    source = pair.get("source")
                    if token is not None:
                        source.adopt_snapshot(token)
                    self._pairs.append(pair)
                    self._pool.put(pair)
            return self._pool

    def interrupt_all(self) -> None:
        """The user stopped the run: stop every session's statement in flight, the workers'
        included (only the main thread receives the signal)."""
        for pair in [*self._pairs, self._main]:
            for role, adapter in list(pair.open.items()):
                error = None
                try:
                    adapter.interrupt()
                except Exception as exc:  # noqa: BLE001 - best effort: the run is stopping
                    error = f"{type(exc).__name__}: {exc}"
                if self._tracer is not None:
                    self._tracer.event("interrupt_sent", side=role, error=error)

    def close(self) -> None:
        for pair in [*self._pairs, self._main]:
            pair.close()
        self._pairs.clear()
        self._pool = None
