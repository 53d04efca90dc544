"""Database faults in the middle of `cutover run` (issue 9 item 1), not only at the adapter:
the run's backends terminated (pg_terminate_backend), the server restarted, every backend
frozen (SIGSTOP) past the statement timeout, MariaDB's connections killed (KILL).

Each run must end by itself (no hang, no "internal error"); an object the fault met is retried
at once after a reconnect when the failure is transient, and otherwise ends with a resumable
verdict that one `--resume` finishes. Survived = the final verdicts equal an uninterrupted run's.
The fault must also have been felt (a reconnect, a retry or a timeout in the run's events), so a
fault that landed after the work was done does not count as survived.
"""

from __future__ import annotations

import os
import signal
import subprocess
import time
from collections.abc import Callable
from pathlib import Path

import pytest
from sqlalchemy.engine import make_url

from tests import servers
from tests.faults.projects import (
    cutover,
    events,
    finish,
    run_state,
    server_project,
    source_url,
    wait_for,
)

pytestmark = pytest.mark.integration
RUN_CONFIG = "\n[run]\nstatement_timeout_s = 2\nworkers = 2\n"
FREEZE_S = 6.0  # past the statement timeout and the client's grace

if not (servers.postgres_available() and servers.mariadb_available()):
    pytest.skip("PostgreSQL/MariaDB binaries are not installed", allow_module_level=True)


@pytest.fixture(scope="module")
def baseline(tmp_path_factory: pytest.TempPathFactory, pg: servers.Server,
             maria: servers.Server) -> dict[str, dict]:
    out = {}
    for suite, server in (("traps-postgres", pg), ("traps-mysql", maria)):
        base = tmp_path_factory.mktemp(f"faults-baseline-{suite}")
        project = server_project(base, suite, server.url, extra=RUN_CONFIG)
        code, text = finish(cutover("run", str(project), "--runs-dir", str(base / "runs"),
                                    "--run-id", "base"))
        assert code in (0, 1), text
        out[suite] = run_state(project, base / "runs", "base")["verdicts"]
    return out


def _pg_backends(url: str) -> list[int]:
    import psycopg

    database = make_url(url).database
    with psycopg.connect(url, autocommit=True) as con:
        return [r[0] for r in con.execute(
            "SELECT pid FROM pg_stat_activity WHERE datname = %s AND pid <> pg_backend_pid()",
            [database]).fetchall()]


def _terminate(project: Path, pg: servers.Server) -> None:
    import psycopg

    url = source_url(project)
    with psycopg.connect(url, autocommit=True) as con:
        con.execute("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = %s "
                    "AND pid <> pg_backend_pid()", [make_url(url).database])


def _restart(project: Path, pg: servers.Server) -> None:
    data = Path(pg.base) / "data"
    subprocess.run(servers._as_user("postgres", [str(servers.PG_BIN / "pg_ctl"), "-D",
                                                 str(data), "-m", "fast", "-w", "restart"]),
                   check=True, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                   stderr=subprocess.DEVNULL, timeout=120)
    pg.pid = int((data / "postmaster.pid").read_text().split()[0])


def _freeze(project: Path, pg: servers.Server) -> None:
    frozen = _pg_backends(source_url(project))
    for pid in frozen:
        os.kill(pid, signal.SIGSTOP)
    try:
        time.sleep(FREEZE_S)
    finally:
        for pid in frozen:
            os.kill(pid, signal.SIGCONT)


def _kill_mariadb_connections(project: Path, maria: servers.Server) -> None:
    from tests.faults.projects import _mysql

    url = source_url(project)
    database = make_url(url).database
    con = _mysql(url)
    try:
        with con.cursor() as cur:
            cur.execute("SELECT id FROM information_schema.processlist WHERE db = %s "
                        "AND id <> CONNECTION_ID()", [database])
            for (thread,) in cur.fetchall():
                cur.execute(f"KILL {int(thread)}")
    finally:
        con.close()


FAULTS: dict[str, tuple[str, Callable[[Path, servers.Server], None]]] = {
    "pg_terminate_backend": ("traps-postgres", _terminate),
    "server restart": ("traps-postgres", _restart),
    "frozen backends (SIGSTOP)": ("traps-postgres", _freeze),
    "MariaDB KILL": ("traps-mysql", _kill_mariadb_connections),
}


def _felt(run_dir: Path) -> bool:
    return any(e.get("kind") in ("reconnect", "object_retry", "reopen") for e in events(run_dir))


@pytest.mark.parametrize("fault", list(FAULTS))
def test_a_database_fault_mid_run_is_survived(tmp_path: Path, pg: servers.Server,
                                              maria: servers.Server, baseline: dict,
                                              fault: str, tally) -> None:
    suite, inject = FAULTS[fault]
    server = pg if suite == "traps-postgres" else maria
    project = server_project(tmp_path, suite, server.url, extra=RUN_CONFIG)
    runs, run_id = tmp_path / "runs", "faulted"
    proc = cutover("run", str(project), "--runs-dir", str(runs), "--run-id", run_id)
    # Mid-run: some objects compared, most still to do.
    wait_for(proc, lambda: sum(e.get("kind") == "diff" for e in events(runs / run_id)) >= 3,
             "the third diff")
    inject(project, server)
    code, out = finish(proc)  # bounded: finish() times out rather than wait for ever
    tally["database faults"]["tried"] += 1
    assert code in (0, 1), out
    assert "internal error" not in out.lower()
    verdicts = run_state(project, runs, run_id)["verdicts"]
    resumed = False
    if verdicts != baseline[suite]:
        # What the fault left unfinished must be resumable, and one resume must finish it.
        code, out = finish(cutover("run", "--resume", run_id, "--runs-dir", str(runs)))
        assert code in (0, 1), out
        verdicts = run_state(project, runs, run_id)["verdicts"]
        resumed = True
    survived = verdicts == baseline[suite] and _felt(runs / run_id)
    tally["database faults"]["survived" if survived else "lost"] += 1
    assert verdicts == baseline[suite], (fault, resumed)
    assert _felt(runs / run_id), f"{fault} landed when no statement was running: not tested"
