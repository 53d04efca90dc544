"""The worker threads a wave's objects run in: a pool that a stop empties at once.

`route_after_schedule` sends every ready object of a wave together, and LangGraph's own pool
(a ThreadPoolExecutor of `max_concurrency` threads) keeps those beyond the workers in its
queue, out of reach: after Ctrl-C or SIGTERM each queued object still started, was
interrupted, and had its error saved to the checkpoint (one SQLite commit per object), so
stopping a 10,000-object wave took minutes and wrote an error record per object.

The run hands LangGraph this pool instead (the runner takes its `submit` from the run's
config, `runner_config`). On a stop, `stop` drops the queued objects — their futures are
never resolved, because the graph is unwinding from the signal and nothing waits for them; the
objects simply stay "not done" — and gives the objects in flight a bounded moment to end once
their statements were cancelled. From then on no result is delivered: a late object must not
reach a graph that has gone (its work is redone on --resume, its outcome file kept if made).
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
        self._deliver = threading.Lock()
        self._threads: list[threading.Thread] = []
        self._running = 0
        self._closed = False

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
            self._run(future, call)
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
                self._running += 1
            try:
                self._run(future, call)
            finally:
                with self._cond:
                    self._running -= 1
                    self._cond.notify_all()

    def _run(self, future: Future[Any], call: Call) -> None:
        if not future.set_running_or_notify_cancel():
            return
        try:
            result = call()
        except BaseException as exc:  # noqa: BLE001 - handed to the graph as LangGraph does
            self._resolve(future.set_exception, exc)
        else:
            self._resolve(future.set_result, result)

    def _resolve(self, setter: Callable[[Any], None], value: Any) -> None:
        # The future's callbacks are LangGraph's runner committing the task: they run under
        # this lock, so `stop` can close delivery between two of them, never during one.
        with self._deliver:
            if not self._closed:
                setter(value)

    def stop(self, wait_s: float) -> int:
        """Drop the queued tasks, wait up to `wait_s` for those running, then deliver nothing
        more. Safe in a signal handler. Returns how many tasks were dropped."""
        with self._cond:
            dropped = len(self._queue)
            self._queue.clear()
            self._cond.wait_for(lambda: self._running == 0, timeout=wait_s)
        # A bounded wait too: a worker may be inside a delivery that needs a lock the
        # interrupted main thread holds.
        delivering = self._deliver.acquire(timeout=wait_s)
        try:
            self._closed = True
        finally:
            if delivering:
                self._deliver.release()
        with self._cond:
            self._cond.notify_all()
        return dropped

    def close(self) -> None:
        """The run is over: idle threads exit (a task still running ends on its own)."""
        with self._deliver, self._cond:
            self._closed = True
            self._queue.clear()
            self._cond.notify_all()
