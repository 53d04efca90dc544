"""Live progress of a migration (run, demo, eval run), driven by the run's trace events.

Objects done of total, the object and node at work, elapsed time and ETA, and counts by verdict.
A rich progress bar on a terminal; plain lines (one per finished object) when the output is a
file or a CI log. Only trace events are read (plan, node_start, object_end), so the display does
not depend on the graph's shape.
"""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Callable
from types import TracebackType
from typing import Any

from rich.console import Console
from rich.markup import escape
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)

from cutover.views import COLORS
from tools import trace


class RunProgress:
    """Context manager: while open, every trace event of this process updates the display."""

    def __init__(self, console: Console, *, live: bool | None = None,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.console = console
        self.live = console.is_terminal if live is None else live
        self.clock = clock
        """Seconds for elapsed/ETA; a replay of a trace passes the events' own times."""
        self.total: int | None = None
        self.verdicts: dict[str, str] = {}
        self.where = "planning"
        self.started = clock()
        self._bar: Progress | None = None
        self._task: Any = None

    # ---------------------------------------------------------------- figures
    def counts(self) -> str:
        tally = Counter(self.verdicts.values())
        return ", ".join(f"{verdict} {n}" for verdict, n in tally.most_common())

    def eta_s(self) -> float | None:
        done = len(self.verdicts)
        if not done or not self.total or done >= self.total:
            return None
        return (self.clock() - self.started) / done * (self.total - done)

    # ---------------------------------------------------------------- events
    def __call__(self, event: dict[str, Any]) -> None:
        kind = event.get("kind")
        if kind == "plan" and event.get("objects") is not None:
            # a new plan is a new run (an eval's next repeat): count afresh
            self.total, self.verdicts, self.started = int(event["objects"]), {}, self.clock()
            self._say_plain(f"planned {self.total} objects")
        elif kind == "node_start":
            node, obj = event.get("node"), event.get("object")
            self.where = f"{node}: {obj}" if obj else str(node)
        elif kind == "object_end" and event.get("object") not in self.verdicts:
            self.verdicts[event["object"]] = event["verdict"]
            self._object_done(event)
        self._refresh()

    def _object_done(self, event: dict[str, Any]) -> None:
        verdict, name = event["verdict"], event["object"]
        attempts = event.get("attempts")
        tries = f"  {attempts} attempt(s)" if attempts is not None else ""
        if self._bar is not None:
            color = COLORS.get(verdict, "white")
            self._bar.console.print(f"  [{color}]{verdict:<22}[/] {escape(name)}[dim]{tries}[/]",
                                    highlight=False)
            return
        total = self.total or "?"
        eta = self.eta_s()
        self._say_plain(f"[{len(self.verdicts)}/{total}] {verdict:<22} {name}{tries}  "
                        f"elapsed {self.clock() - self.started:.1f} s"
                        + (f", ETA {eta:.0f} s" if eta is not None else "")
                        + f"  ({self.counts()})")

    def _say_plain(self, line: str) -> None:
        if self._bar is None:
            self.console.print(line, markup=False, highlight=False, soft_wrap=True)

    def _refresh(self) -> None:
        if self._bar is not None:
            self._bar.update(self._task, total=self.total, completed=len(self.verdicts),
                             description=escape(self.where[:48]), counts=self.counts())

    # ---------------------------------------------------------------- lifetime
    def build_bar(self) -> Progress:
        """The rich display (not started: __enter__ starts it; a replay renders it once)."""
        self._bar = Progress(TextColumn("{task.description:<48}"), BarColumn(),
                             MofNCompleteColumn(), TimeElapsedColumn(), TextColumn("ETA"),
                             TimeRemainingColumn(), TextColumn("{task.fields[counts]}"),
                             console=self.console, transient=False, get_time=self.clock)
        self._task = self._bar.add_task("planning", total=None, counts="")
        return self._bar

    def __enter__(self) -> RunProgress:
        if self.live:
            self.build_bar().start()
        trace.add_listener(self)
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        trace.remove_listener(self)
        if self._bar is not None:
            self.where = "done" if exc is None else "stopped"
            self._refresh()
            self._bar.stop()
