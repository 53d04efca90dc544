"""Database faults while Cutover holds a connection (issue 9 item 1): a frozen backend, a
stalled network, a server restart, a lock that never frees, a killed MariaDB, a terminated
backend. Each must end as a bounded wait with a typed error the run acts on — a timeout or a
transient, never a SQL error for the fixer, never a hang — and the run's connections must heal.

Private PostgreSQL and MariaDB servers are started for this module (tests/servers.py), so
freezing, restarting and killing them disturbs nothing else.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import threading
import time
from pathlib import Path

import pytest
from sqlalchemy.engine import make_url

from tests import servers
from tools.db.connections import Connections
from tools.db.registry import open_adapter
from tools.errors import CompileFailed, ConnectionLost, StatementTimeout, Transient
from tools.trace import NullTracer

pytestmark = pytest.mark.integration
TIMEOUT_S = 1.0
BOUND_S = 8.0  # timeout + the client's grace + slack on a loaded machine

if not (servers.postgres_available() and servers.mariadb_available()):
    pytest.skip("PostgreSQL/MariaDB binaries are not installed", allow_module_level=True)


def _count(kind: str, tally, survived: bool) -> None:
    tally["database faults"]["tried"] += 1
    tally["database faults"]["survived" if survived else "lost"] += 1


def _bounded(call, expected: type[Exception]) -> tuple[Exception, float]:
    start = time.monotonic()
    with pytest.raises(expected) as caught:
        call()
    return caught.value, time.monotonic() - start


def test_a_frozen_backend_is_a_timeout_not_a_hang(pg: servers.Server, tally) -> None:
    adapter = open_adapter(pg.url, "target", timeout_s=TIMEOUT_S)
    pid = adapter._con.info.backend_pid
    os.kill(pid, signal.SIGSTOP)  # the backend stops answering; the kernel still ACKs
    try:
        error, waited = _bounded(lambda: adapter.read_arrow("SELECT 1 AS one"), StatementTimeout)
    finally:
        os.kill(pid, signal.SIGCONT)
        adapter.close()
    ok = waited < BOUND_S and not isinstance(error, CompileFailed)
    _count("frozen backend", tally, ok)
    assert ok, (waited, error)


class _Proxy:
    """A loopback TCP proxy that can freeze: bytes stop flowing both ways, sockets stay open."""

    def __init__(self, port: int) -> None:
        self.frozen = threading.Event()
        self.server = socket.create_server(("127.0.0.1", 0))
        self.port = self.server.getsockname()[1]
        self.upstream = port
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        while True:
            try:
                client, _ = self.server.accept()
            except OSError:
                return
            upstream = socket.create_connection(("127.0.0.1", self.upstream))
            for a, b in ((client, upstream), (upstream, client)):
                threading.Thread(target=self._pump, args=(a, b), daemon=True).start()

    def _pump(self, src: socket.socket, dst: socket.socket) -> None:
        try:
            while data := src.recv(65536):
                while self.frozen.is_set():
                    time.sleep(0.05)
                dst.sendall(data)
        except OSError:
            pass

    def close(self) -> None:
        self.server.close()


def test_a_stalled_network_is_a_timeout_and_the_run_reconnects(pg: servers.Server,
                                                                tally) -> None:
    proxy = _Proxy(make_url(pg.url).port or 5432)
    url = make_url(pg.url).set(port=proxy.port).render_as_string(hide_password=False)
    connections = Connections(url, url, NullTracer(), TIMEOUT_S, "cutover_faults",
                              allow_privileged_source=True)
    try:
        source = connections.source()
        assert source.read_arrow("SELECT 1 AS one").num_rows == 1
        proxy.frozen.set()
        error, waited = _bounded(lambda: source.read_arrow("SELECT 2 AS two"), StatementTimeout)
        proxy.frozen.clear()
        healed = connections.source()
        ok = waited < BOUND_S and healed is not source \
            and healed.read_arrow("SELECT 3 AS three").num_rows == 1
    finally:
        proxy.frozen.clear()
        connections.close()
        proxy.close()
    _count("network stall", tally, ok)
    assert ok, (waited, error)


def test_a_lock_that_never_frees_is_a_timeout(pg: servers.Server, tally) -> None:
    import psycopg

    holder = psycopg.connect(pg.url.replace("postgresql://", "postgresql://", 1))
    holder.execute("CREATE TABLE IF NOT EXISTS locked (a integer)")
    holder.commit()
    holder.execute("LOCK TABLE locked IN ACCESS EXCLUSIVE MODE")  # held: no commit
    adapter = open_adapter(pg.url, "target", timeout_s=TIMEOUT_S)
    try:
        error, waited = _bounded(lambda: adapter.read_arrow("SELECT count(*) AS n FROM locked"),
                                 StatementTimeout)
    finally:
        adapter.close()
        holder.rollback()
        holder.close()
    ok = waited < BOUND_S
    _count("lock wait", tally, ok)
    assert ok, (waited, error)


def test_a_server_restart_is_transient_and_the_run_reconnects(pg: servers.Server,
                                                               tally) -> None:
    connections = Connections(pg.url, pg.url, NullTracer(), 10.0, "cutover_faults",
                              allow_privileged_source=True)
    data = Path(pg.base) / "data"
    try:
        target = connections.target()
        assert target.read_arrow("SELECT 1 AS one").num_rows == 1
        subprocess.run(servers._as_user("postgres", [str(servers.PG_BIN / "pg_ctl"), "-D",
                                                     str(data), "-m", "fast", "-w", "restart"]),
                       # the restarted postmaster inherits stdout: a pipe would never close
                       check=True, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                       stderr=subprocess.DEVNULL, timeout=120)
        pg.pid = int((data / "postmaster.pid").read_text().split()[0])
        error, waited = _bounded(lambda: target.read_arrow("SELECT 2 AS two"), ConnectionLost)
        healed = connections.target()
        ok = isinstance(error, Transient) and healed is not target \
            and healed.read_arrow("SELECT 3 AS three").num_rows == 1 \
            and healed.sandbox == "cutover_faults"
    finally:
        connections.close()
    _count("server restart", tally, ok)
    assert ok, error


def test_a_killed_mariadb_is_transient_not_a_hang(maria: servers.Server, tally) -> None:
    adapter = open_adapter(maria.url, "source", timeout_s=TIMEOUT_S)
    try:
        assert adapter.read_arrow("SELECT 1 AS one").num_rows == 1
        os.kill(maria.pid, signal.SIGKILL)
        error, waited = _bounded(lambda: adapter.read_arrow("SELECT 2 AS two"), ConnectionLost)
    finally:
        adapter.close()
    ok = isinstance(error, (Transient, StatementTimeout)) and waited < BOUND_S
    _count("mariadb killed", tally, ok)
    assert ok, (waited, error)
