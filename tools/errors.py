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


class QueryFailed(CutoverError):
    """A statement compiled but failed while running (conversion error, division, ...)."""

    kind = "runtime"


class ConnectionLost(CutoverError):
    """Infrastructure: cannot reach or keep a connection. Never handed to the fixer."""

    kind = "connection"


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


class Interrupted(KeyboardInterrupt):
    """The user asked the run to stop (Ctrl-C / SIGTERM); nothing is wrong with the object.

    A KeyboardInterrupt, not a CutoverError, on purpose: agents turn CutoverErrors into
    verdicts, and an interrupted object must end "not done", never with a verdict. Database
    drivers treat it like Ctrl-C too (DuckDB interrupts the query, psycopg cancels it).
    """

    kind = "interrupted"
