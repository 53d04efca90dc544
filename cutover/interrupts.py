"""Ctrl-C and SIGTERM during a run: stop at the next safe point, then say how to resume.

The first signal sets tools.stop's flag, whose callbacks (graph/run.py) drop the objects
queued in the wave's pool and cancel the statements in flight (DuckDB interrupts the query,
psycopg sends a cancel), then raises tools.errors.Interrupted in the main thread. The graph
treats whatever the driver raises as an interrupt: the objects in flight stay "not done" and
the last checkpoint is intact. The run ends with one line (`stopped_line`): objects done, and
the command that resumes. A second signal exits at once with code 130.
"""

from __future__ import annotations

import os
import signal
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from types import FrameType

from tools import stop
from tools.errors import Interrupted
from tools.outcomes import kept_outcomes
from tools.runlog import planned_objects

EXIT_INTERRUPTED = 130
_SIGNALS = (signal.SIGINT, signal.SIGTERM)


def _say(text: str) -> None:
    # os.write, not print: a signal handler must not re-enter a buffered stream's lock.
    try:
        os.write(2, text.encode())
    except OSError:
        pass


def _handler(signum: int, frame: FrameType | None) -> None:
    name = signal.Signals(signum).name
    if stop.requested():
        _say(f"\n{name} again: quitting now; work since the last checkpoint is redone on "
             f"--resume\n")
        os._exit(EXIT_INTERRUPTED)
    stop.request(name)
    _say(f"\n{name}: stopping at the next safe point (press Ctrl-C again to quit at once)\n")
    raise Interrupted(name)


@contextmanager
def stop_on_signals() -> Iterator[None]:
    """Install the two-stage handler for SIGINT and SIGTERM; restore the old ones after."""
    stop.clear()
    previous = {sig: signal.getsignal(sig) for sig in _SIGNALS}
    for sig in _SIGNALS:
        signal.signal(sig, _handler)
    try:
        yield
    finally:
        for sig, old in previous.items():
            signal.signal(sig, old)


def stopped_line(run_dir: Path, reason: str, hint: str) -> str:
    """The one line a stopped run ends with: what is kept, and the command that goes on."""
    done = kept_outcomes(run_dir)
    total = planned_objects(run_dir)
    of = f" of {total}" if total is not None else ""
    return (f"interrupted by {reason}: {done}{of} objects done and kept in {run_dir}; "
            f"resume with: {hint}")


def resume_hint(run_id: str, runs_dir: Path) -> str:
    """The exact command that continues the run."""
    flag = "" if runs_dir == Path("runs") else f" --runs-dir {runs_dir}"
    return f"cutover run --resume {run_id}{flag}"
