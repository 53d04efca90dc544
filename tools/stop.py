"""The process-wide stop flag: set when the user asks a run to stop, read at safe points.

The CLI's signal handler sets it; the graph checks it before and after each node and between
objects, so an object in flight is left "not done" (its half-finished result is discarded and
redone on --resume) instead of getting a verdict from an interrupted query.
"""

from __future__ import annotations

import threading
from collections.abc import Callable

from tools.errors import Interrupted

_requested = threading.Event()
_reason: list[str] = []
_on_request: list[Callable[[], None]] = []

# Messages drivers use for a statement cancelled by the user, never for a timeout. (SQLite's
# bare "interrupted" is left out: Cutover's own statement timer interrupts SQLite too.)
_DRIVER_INTERRUPT_TEXT = (
    "query interrupted",  # DuckDB InterruptException
    "canceling statement due to user request",  # PostgreSQL QueryCanceled after a cancel
    "query execution was interrupted",  # MariaDB / MySQL 1317 (KILL QUERY)
)


def request(reason: str = "SIGINT") -> None:
    """Ask the run to stop at its next safe point."""
    _reason[:] = [reason]
    _requested.set()
    for callback in list(_on_request):
        try:
            callback()
        except Exception:  # noqa: BLE001 - one failing callback must not block the others
            pass


def on_request(callback: Callable[[], None]) -> Callable[[], None]:
    """Call `callback` when a stop is requested (a run interrupts its workers' statements
    with it); returns the function that unregisters it."""
    _on_request.append(callback)
    return lambda: _on_request.remove(callback) if callback in _on_request else None


def requested() -> bool:
    return _requested.is_set()


def reason() -> str:
    return _reason[0] if _reason else "stop requested"


def clear() -> None:
    """Forget an earlier request (a new run in the same process, e.g. in tests)."""
    _requested.clear()
    _reason.clear()


def raise_if_requested(where: str = "") -> None:
    """A safe point: raise Interrupted when a stop was asked for."""
    if _requested.is_set():
        raise Interrupted(f"{reason()}{' during ' + where if where else ''}")


def is_interrupt(exc: BaseException) -> bool:
    """True when `exc` (or an error it was raised from) is a user interrupt, whatever the
    driver called it: KeyboardInterrupt, DuckDB's InterruptException, psycopg's QueryCanceled
    from a cancel. A statement timeout is not an interrupt. (During a run the stop flag is the
    first test: whatever fails after a stop was asked for is treated as the interrupt.)"""
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        if isinstance(current, KeyboardInterrupt) or type(current).__name__ == "InterruptException":
            return True
        text = str(current).strip().lower()
        if any(text.startswith(t) or f": {t}" in text for t in _DRIVER_INTERRUPT_TEXT):
            return True
        current = current.__cause__ or current.__context__
    return False
