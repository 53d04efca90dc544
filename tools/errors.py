"""Typed errors. Each carries a message written for the user: what went wrong, where, what to do.

A failed check becomes a report, not a crash: agents catch these and turn them into verdicts;
the CLI prints `str(error)` without a traceback.
"""

from __future__ import annotations


class CutoverError(Exception):
    """Base of every error Cutover raises on purpose."""

    #: one-word class shown in reports and traces
    kind = "error"


class ConfigError(CutoverError):
    kind = "config"


class ParseFailed(CutoverError):
    kind = "parse"


class Unsupported(CutoverError):
    """The translator met a construct it cannot translate faithfully."""

    kind = "unsupported"


class CompileFailed(CutoverError):
    kind = "compile"


class TargetUnsupported(CompileFailed):
    """The target lacks a type or feature the candidate uses: a job for the fixer."""

    kind = "unsupported_on_target"


class QueryFailed(CutoverError):
    """A statement compiled but failed while running (conversion error, division, ...)."""

    kind = "runtime"


class ConnectionLost(CutoverError):
    """Infrastructure: cannot reach or keep a connection. Never handed to the fixer."""

    kind = "connection"


class Transient(ConnectionLost):
    """Infrastructure that may heal (connection dropped, server restarting, deadlock, lock
    wait): reconnect and retry; if it persists the object is blocked, and --resume retries it."""

    kind = "transient"


class StatementTimeout(ConnectionLost):
    """The statement ran past its timeout: blocked, never a SQL error, retried by --resume."""

    kind = "timeout"


class Interrupted(KeyboardInterrupt):
    """The user (Ctrl-C, SIGTERM) stopped the run: the object in flight is not done.

    A KeyboardInterrupt, not a CutoverError, on purpose: no node's `except CutoverError` may
    turn it into a verdict (it once became `blocked`, "a Cutover bug"); it unwinds to the run,
    which stops at its last checkpoint so `--resume` redoes the object."""

    kind = "interrupt"


class GuardRefused(CutoverError):
    """The read-only guard refused a statement meant for the source."""

    kind = "guard"


class SandboxViolation(CutoverError):
    """A write outside the run's sandbox was attempted on the target."""

    kind = "sandbox"


class PlanError(CutoverError):
    kind = "plan"


class RunNotFound(CutoverError):
    kind = "run"
