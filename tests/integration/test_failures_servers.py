"""Database faults on real servers land in the class the run acts on, and the run's
connections heal (issue 9 items 1 and 2): a killed backend is transient and the next call
reconnects; a statement timeout is a timeout; an unknown type or function is SQL."""

from __future__ import annotations

import pytest

from tests.integration.conftest import drop_database, mysql_connect, new_database, pg_connect
from tools.db.connections import Connections
from tools.db.registry import open_adapter
from tools.errors import CompileFailed, StatementTimeout, Transient
from tools.trace import NullTracer

pytestmark = pytest.mark.integration

SLOW = {"postgres": "SELECT count(*) AS n FROM generate_series(1, 200000000) AS g",
        "mysql": "SELECT COUNT(*) AS n FROM information_schema.columns a, "
                 "information_schema.columns b, information_schema.columns c"}


@pytest.fixture(params=["postgres", "mysql"])
def db(request: pytest.FixtureRequest):
    server = request.getfixturevalue("pg_url" if request.param == "postgres" else "mysql_url")
    url = new_database(server)
    yield request.param, server, url
    drop_database(server, url)


def _kill(engine: str, server: str, adapter) -> None:
    """Terminate the adapter's own backend from an admin connection, as a DBA or a crash would."""
    if engine == "postgres":
        pid = adapter._con.info.backend_pid
        with pg_connect(server) as con:
            # The test role may end its own sessions (pg_signal_backend is not needed for them).
            con.execute("SELECT pg_terminate_backend(%s)", (pid,))
    else:
        thread = adapter._con.thread_id()
        con = mysql_connect(server)
        try:
            con.cursor().execute(f"KILL {thread}")
        finally:
            con.close()


@pytest.mark.parametrize("role", ["source", "target"])
def test_a_killed_connection_is_transient_and_the_next_call_reconnects(db, role: str) -> None:
    engine, server, url = db
    connections = Connections(url, url, NullTracer(), 10.0, "cutover_fault",
                              allow_privileged_source=True)
    try:
        adapter = connections.source() if role == "source" else connections.target()
        assert adapter.read_arrow("SELECT 1 AS one").num_rows == 1
        _kill(engine, server, adapter)
        with pytest.raises(Transient):
            adapter.read_arrow("SELECT 1 AS one")
        healed = connections.source() if role == "source" else connections.target()
        assert healed is not adapter
        assert healed.read_arrow("SELECT 2 AS two").column(0)[0].as_py() == 2
    finally:
        connections.close()


def test_a_statement_timeout_is_a_timeout(db) -> None:
    engine, _, url = db
    adapter = open_adapter(url, "target", timeout_s=0.5)
    try:
        with pytest.raises(StatementTimeout):
            adapter.read_arrow(SLOW[engine])
    finally:
        adapter.close()


def test_unknown_types_and_functions_are_sql(db) -> None:
    engine, _, url = db
    adapter = open_adapter(url, "target")
    try:
        with pytest.raises(CompileFailed):
            adapter.read_arrow("SELECT no_such_function(1) AS x" if engine == "mysql"
                               else "SELECT date_part('day', 1) AS x")
        if engine == "mysql":
            # MariaDB: "Unknown data type" (4161) was once taken for infrastructure.
            with pytest.raises(CompileFailed):
                adapter.read_arrow("SELECT CAST(1 AS INTERVAL) AS x")
    finally:
        adapter.close()
