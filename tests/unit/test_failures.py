"""Errors are classified once (tools/db/failures.py): real errors from the embedded engines land
in the class the run acts on — a timeout is a timeout, never a compile error; an unknown
function is SQL; an interrupt is an interrupt (issue 9 item 2)."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest

from tools.db import failures
from tools.db.failures import Failure
from tools.db.registry import open_adapter
from tools.errors import (
    CompileFailed,
    ConnectionLost,
    GuardRefused,
    Interrupted,
    QueryFailed,
    StatementTimeout,
    TargetUnsupported,
    Transient,
)

# Heavy enough to outlast a 0.2 s timeout, light on memory.
SLOW = {"duckdb": "SELECT count(*) AS n FROM range(100000000) a, range(100) b WHERE a.range % 7 "
                  "= b.range",
        "sqlite": "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c "
                  "WHERE x < 100000000) SELECT count(*) AS n FROM c"}


@pytest.fixture(params=["duckdb", "sqlite"])
def target(request, tmp_path: Path):
    ext = "duckdb" if request.param == "duckdb" else "sqlite"
    adapter = open_adapter(f"{request.param}:///{tmp_path / f't.{ext}'}", "target",
                           timeout_s=0.2)
    adapter.create_sandbox("cutover_t")
    yield request.param, adapter
    adapter.close()


def test_a_statement_timeout_is_a_timeout(target) -> None:
    engine, adapter = target
    with pytest.raises(StatementTimeout) as caught:
        adapter.read_arrow(SLOW[engine])
    assert isinstance(caught.value, ConnectionLost)  # blocked, never the fixer's
    assert not isinstance(caught.value, CompileFailed)
    assert "statement_timeout_s" in str(caught.value)
    assert failures.is_retryable(caught.value)


def test_sql_and_runtime_errors_go_to_the_fixer(target) -> None:
    _, adapter = target
    with pytest.raises(CompileFailed):
        adapter.read_arrow("SELECT no_such_function(1) AS x")
    with pytest.raises(CompileFailed):
        adapter.explain("SELECT nope FROM no_such_table")


def test_duckdb_runtime_and_unsupported(tmp_path: Path) -> None:
    adapter = open_adapter(f"duckdb:///{tmp_path / 'd.duckdb'}", "target")
    try:
        with pytest.raises(QueryFailed):
            adapter.read_arrow("SELECT CAST('abc' AS INTEGER) AS x")
        with pytest.raises(GuardRefused):  # the engine's own wall: external access is off
            adapter._run_logged("COPY (SELECT 1) TO '/tmp/cutover_pwned.csv'")
    finally:
        adapter.close()


def test_a_user_interrupt_is_an_interrupt_not_a_verdict(tmp_path: Path) -> None:
    adapter = open_adapter(f"duckdb:///{tmp_path / 'i.duckdb'}", "target", timeout_s=60)
    try:
        # As Ctrl-C's handler does, but again every 0.1 s until the query returns: a single
        # interrupt sent before a loaded machine starts the query is lost (DuckDB clears the
        # flag when a query begins), and the query then runs to its end.
        returned = threading.Event()

        def interrupt_until_returned() -> None:
            while not returned.wait(0.1):
                adapter._con.interrupt()

        threading.Thread(target=interrupt_until_returned, daemon=True).start()
        with pytest.raises(Interrupted):
            adapter.read_arrow(SLOW["duckdb"])
    finally:
        returned.set()
        adapter.close()
    # No node's `except CutoverError` can swallow it.
    assert issubclass(Interrupted, KeyboardInterrupt)


@pytest.mark.parametrize(("table", "key", "expected"), [
    # PostgreSQL: exact SQLSTATE first, then its class
    ("postgres", "57014", Failure.TIMEOUT), ("postgres", "57P01", Failure.TRANSIENT),
    ("postgres", "57P04", Failure.INFRA), ("postgres", "42883", Failure.SQL),
    ("postgres", "0A000", Failure.UNSUPPORTED), ("postgres", "40P01", Failure.TRANSIENT),
    ("postgres", "22012", Failure.RUNTIME), ("postgres", "08006", Failure.TRANSIENT),
    ("postgres", "42501", Failure.INFRA), ("postgres", "25006", Failure.REFUSED),
    # MariaDB: server errors reach 4xxx; "Unknown data type" is SQL
    ("mysql", "4161", None), ("mysql", "1969", Failure.TIMEOUT),
    ("mysql", "client", Failure.TRANSIENT), ("mysql", "1213", Failure.TRANSIENT),
    ("mysql", "1045", Failure.INFRA), ("mysql", "1292", Failure.RUNTIME),
    ("clickhouse", "159", Failure.TIMEOUT), ("clickhouse", "47", None),
    ("clickhouse", "48", Failure.UNSUPPORTED),
])
def test_the_tables_say_what_each_code_means(table: str, key: str,
                                               expected: Failure | None) -> None:
    from tools.db.registry import adapter_class

    scheme = {"postgres": "postgresql", "mysql": "mysql", "clickhouse": "chdb"}[table]
    cls = adapter_class(f"{scheme}://x/y")
    assert failures.lookup(cls.FAILURES, key) == expected


def test_every_failure_has_its_error() -> None:
    assert set(failures.ERROR_FOR) == set(Failure)
    assert failures.ERROR_FOR[Failure.UNSUPPORTED] is TargetUnsupported
    assert issubclass(TargetUnsupported, CompileFailed)  # the fixer's job
    assert issubclass(Transient, ConnectionLost) and issubclass(StatementTimeout, ConnectionLost)
