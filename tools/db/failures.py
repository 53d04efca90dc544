"""What a database error means for the run, decided in one place.

Every adapter names its driver's errors in a table (`Adapter.FAILURES`: SQLSTATE classes and
codes, MySQL errnos, ClickHouse codes, DuckDB exception classes) mapping to one `Failure`; this
module turns that into the typed error the nodes act on:

| failure     | error             | what happens                                             |
| ----------- | ----------------- | -------------------------------------------------------- |
| sql         | CompileFailed     | the fixer (rules, then the LLM) gets it                  |
| unsupported | TargetUnsupported | the fixer gets it: the target lacks a type or feature    |
| runtime     | QueryFailed       | the fixer gets it: compiled, failed on the data          |
| timeout     | StatementTimeout  | blocked, not final: `--resume` tries again               |
| transient   | Transient         | reconnect and retry; blocked (not final) if it persists  |
| infra       | ConnectionLost    | blocked, not final: permissions, missing database, disk  |
| interrupt   | Interrupted       | the run stops at the next safe point                     |
| refused     | GuardRefused      | a safety layer said no                                   |

A statement timeout is a timeout, never a compile error; an unknown type or function is SQL,
never infrastructure; neither reaches the LLM as "fix this SQL" unless it is SQL.
"""

from __future__ import annotations

from enum import StrEnum

from tools.errors import (
    CompileFailed,
    ConnectionLost,
    CutoverError,
    GuardRefused,
    Interrupted,
    QueryFailed,
    StatementTimeout,
    TargetUnsupported,
    Transient,
)
from tools.records import Retry


class Failure(StrEnum):
    SQL = "sql"
    UNSUPPORTED = "unsupported"
    RUNTIME = "runtime"
    TIMEOUT = "timeout"
    TRANSIENT = "transient"
    INFRA = "infra"
    INTERRUPT = "interrupt"
    REFUSED = "refused"


FailureTable = dict[str, Failure]

ERROR_FOR: dict[Failure, type[CutoverError] | type[Interrupted]] = {
    Failure.SQL: CompileFailed,
    Failure.UNSUPPORTED: TargetUnsupported,
    Failure.RUNTIME: QueryFailed,
    Failure.TIMEOUT: StatementTimeout,
    Failure.TRANSIENT: Transient,
    Failure.INFRA: ConnectionLost,
    Failure.INTERRUPT: Interrupted,
    Failure.REFUSED: GuardRefused,
}


def lookup(table: FailureTable, key: str) -> Failure | None:
    """The entry for `key`, else for its longest prefix in the table ('57P01', then '57')."""
    for end in range(len(key), 0, -1):
        found = table.get(key[:end])
        if found is not None:
            return found
    return None


def error(failure: Failure, message: str) -> CutoverError | Interrupted:
    return ERROR_FOR[failure](message)


def is_retryable(exc: BaseException) -> bool:
    """True for infrastructure that may heal: a resumed run tries the object again."""
    return isinstance(exc, (Transient, StatementTimeout))


def retry_cause(exc: BaseException) -> Retry | None:
    """Why an object that met `exc` is not finished for good, or None when the error is final.

    A resumed run redoes every object with a cause (the user resumes once the infrastructure is
    back); within the run only `transient` is retried at once, after a reconnect."""
    if isinstance(exc, Transient):
        return "transient"
    if isinstance(exc, StatementTimeout):
        return "timeout"
    if isinstance(exc, ConnectionLost):
        return "infra"
    return None
