"""The worker threads a wave's objects run in: a pool that a stop empties at once.

`route_after_schedule` sends every ready object of a wave together, and LangGraph's own pool
(a ThreadPoolExecutor of `max_concurrency` threads) keeps those beyond the workers in its
queue, out of reach: after Ctrl-C or SIGTERM each queued object still started, was
interrupted, and had its error saved to the checkpoint (one SQLite commit per object), so
stopping a 10,000-object wave took minutes and wrote an error record per object.

The run hands LangGraph this pool instead (the runner takes its `submit` from the run's
config, `runner_config`). On a stop, `stop` drops the queued objects — their futures are never
resolved: the graph is unwinding from the signal and nothing waits for them; the objects stay
"not done" — and from then on delivers no result, so a late object cannot reach a graph that
has gone (its outcome file is kept if it was made, else --resume redoes it). `close` then
waits, bounded, for the objects in flight, whose statements were cancelled, to end.
"""

from __future__ import annotations

import threading
from collections import deque
from collections.abc import Callable
from concurrent.futures import Future
from contextvars import copy_context
from functools import partial
from typing import Any

# LangGraph's runner reads its `submit` from this config key when it is there (the LangGraph
# server passes its own executor the same way). Imported, not spelled out, so an upgrade that
# drops it fails at import instead of silently going back to the old pool.
from langgraph._internal._constants import CONFIG_KEY_RUNNER_SUBMIT

Call = Callable[[], Any]
DELIVERY_WAIT_S = 0.5
"""A stop waits this long at most for a result being handed to the graph (milliseconds)."""


class WavePool:
    """`workers` threads taking LangGraph's tasks first come, first served."""

    def __init__(self, workers: int, *, stopped: Callable[[], bool] = lambda: False) -> None:
        self.workers = max(1, workers)
        self._stopped = stopped
        """True once a stop was asked for: a thread then starts nothing more."""
        self._queue: deque[tuple[Future[Any], Call]] = deque()
        # Reentrant: stop() runs in a signal handler, which may interrupt the main thread
        # while it holds this lock inside submit().
        self._cond = threading.Condition(threading.RLock())
        self._threads: list[threading.Thread] = []
        self._calling = 0
        """Tasks at work (an object in flight holds connections while it is)."""
        self._delivering = 0
        self._closed = False
        """Set by a stop or at the end of the run: nothing more starts or is delivered."""

    def runner_config(self) -> dict[str, Any]:
        """The `configurable` entry that makes LangGraph's runner submit here."""
        submit = self.submit
        return {CONFIG_KEY_RUNNER_SUBMIT: lambda: submit}

    def submit(self, fn: Callable[..., Any], *args: Any, __name__: str | None = None,
               __cancel_on_exit__: bool = False, __reraise_on_exit__: bool = True,
               __next_tick__: bool = False, **kwargs: Any) -> Future[Any]:
        """LangGraph's Submit protocol. The task runs in a copy of the caller's context, as in
        LangGraph's own executor (a node's config travels in a context variable)."""
        future: Future[Any] = Future()
        call = partial(copy_context().run, fn, *args, **kwargs)
        if threading.current_thread() in self._threads:
            # A graph nested in an object (its subgraph) never waits on its own worker.
            if (outcome := self._call(future, call)) is not None:
                self._resolve(*outcome)
            return future
        with self._cond:
            if self._closed:
                raise RuntimeError("the run's worker pool is closed")
            self._queue.append((future, call))
            if len(self._threads) < self.workers:
                thread = threading.Thread(target=self._work, daemon=True,
                                          name=f"cutover-worker-{len(self._threads) + 1}")
                self._threads.append(thread)
                thread.start()
            self._cond.notify()
        return future

    def _work(self) -> None:
        while True:
            with self._cond:
                while not self._queue and not self._closed:
                    self._cond.wait()
                if self._closed:
                    return
                future, call = self._queue.popleft()
                if self._stopped():  # queued when the stop came: never started
                    self._queue.clear()
                    continue
                self._calling += 1
            try:
                outcome = self._call(future, call)
            finally:
                with self._cond:
                    self._calling -= 1
                    self._cond.notify_all()
            if outcome is not None:
                self._resolve(*outcome)

    @staticmethod
    def _call(future: Future[Any], call: Call) -> tuple[Callable[[Any], None], Any] | None:
        """Run the task; return the future's setter and its value (None: cancelled)."""
        if not future.set_running_or_notify_cancel():
            return None
        try:
            return future.set_result, call()
        except BaseException as exc:  # noqa: BLE001 - handed to the graph as LangGraph does
            return future.set_exception, exc

    def _resolve(self, setter: Callable[[Any], None], value: Any) -> None:
        # The future's callbacks are LangGraph's runner committing the task to the graph. After
        # a stop the graph is unwinding, so a late result is not delivered: the object's outcome
        # file is kept if it was made, and --resume redoes it otherwise.
        with self._cond:
            if self._closed:
                return
            self._delivering += 1
        try:
            setter(value)
        finally:
            with self._cond:
                self._delivering -= 1
                self._cond.notify_all()

    def stop(self, wait_s: float = DELIVERY_WAIT_S) -> int:
        """A stop was asked for (in the signal handler, in the main thread): drop the queued
        tasks and deliver nothing more. Waits up to `wait_s` for a delivery under way, which
        must reach the graph before it unwinds (bounded: that delivery may need a lock the
        interrupted main thread holds, e.g. a future's, inside concurrent.futures.wait).
        Returns how many tasks were dropped."""
        with self._cond:
            dropped = len(self._queue)
            self._queue.clear()
            self._closed = True
            self._cond.notify_all()
            self._cond.wait_for(lambda: self._delivering == 0, timeout=wait_s)
        return dropped

    def close(self, wait_s: float) -> None:
        """The graph is done (or has unwound from a stop): idle threads exit, and the run waits
        up to `wait_s` for the tasks still at work (interrupted, they end at their next safe
        point) before it closes the connections they use. A delivery stuck on a lock the
        unwound main thread left is not waited for: it holds no connection."""
        with self._cond:
            self._closed = True
            self._queue.clear()
            self._cond.notify_all()
            self._cond.wait_for(lambda: self._calling == 0, timeout=wait_s)
