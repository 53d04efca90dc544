"""Start and stop throwaway PostgreSQL 15 and MariaDB 10.11 servers for the integration tests.

Two ways in:
- `python -m tests.servers start` starts both, writes their URLs and pids to a state file and
  prints `export CUTOVER_TEST_PG_URL=...` lines for a shell to eval; `... stop` stops them by
  pid and removes their data; `... env` prints the export lines again. `.ci/run` does this.
- tests/integration/conftest.py calls `start_postgres` / `start_mariadb` itself when the env
  vars are not set, and `stop` at the end of the session.

Servers listen on 127.0.0.1 only, on non-default ports (another server on the machine may hold
5432/3306), run from the Debian packages' binaries under their own system user when we are
root, keep their data in a temp dir, and are stopped by pid, never by name.
"""

from __future__ import annotations

import argparse
import json
import os
import pwd
import shlex
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from dataclasses import asdict, dataclass
from pathlib import Path

PG_BIN = Path("/usr/lib/postgresql/15/bin")
PG_PORT = 55432
MARIADB_PORT = 53306
STATE_FILE = Path(os.environ.get("CUTOVER_SERVERS_STATE", "/tmp/cutover-servers.json"))

# The role the tests connect as. Deliberately not a superuser and (on MariaDB) without the
# FILE privilege: least privilege is the third safety layer, and CREATEDB/CREATE is all the
# per-test databases and the sandbox need.
TEST_USER = "cutover"
TEST_PASSWORD = "cutover"
TEST_DB = "cutover"
# A role that can only read: the source role a user should give Cutover. On PostgreSQL a test
# grants it SELECT on the tables it made; on MariaDB it holds SELECT on everything.
READER_USER = "cutover_reader"
READER_PASSWORD = "cutover_reader"

ENV_VARS = {"postgres": "CUTOVER_TEST_PG_URL", "mariadb": "CUTOVER_TEST_MYSQL_URL"}
READY_TIMEOUT_S = 60.0


class ServerError(RuntimeError):
    """A server did not install, start or stop; the message includes its log tail."""


@dataclass
class Server:
    engine: str
    """'postgres' or 'mariadb'."""
    url: str
    """SQLAlchemy URL of the test database, as the test role."""
    pid: int
    base: str
    """Temp dir holding data, socket and log; removed on stop."""
    log: str


# ---------------------------------------------------------------- availability
def postgres_available() -> bool:
    return (PG_BIN / "initdb").exists() and (PG_BIN / "pg_ctl").exists()


def mariadb_available() -> bool:
    tools = all(shutil.which(b) for b in ("mariadb-install-db", "mariadb-admin"))
    return tools and Path(_mariadbd()).exists()


def _mariadbd() -> str:
    return shutil.which("mariadbd") or "/usr/sbin/mariadbd"


# ---------------------------------------------------------------- helpers
def _is_root() -> bool:
    return os.geteuid() == 0


def _as_user(user: str, argv: list[str]) -> list[str]:
    """Run as the packages' system user when we are root (initdb and mariadbd refuse root)."""
    return ["runuser", "-u", user, "--", *argv] if _is_root() else argv


def _chown(path: Path, user: str) -> None:
    if _is_root():
        entry = pwd.getpwnam(user)
        os.chown(path, entry.pw_uid, entry.pw_gid)


def _port_free(port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        # As the servers bind: a port in TIME_WAIT from a just-stopped server is free.
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            s.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


def _worker_offset() -> int:
    """0, or the pytest-xdist worker's number (gw1 -> 1): each worker starts its own servers
    at the same moment, and two that both saw the same port free would both bind it."""
    worker = os.environ.get("PYTEST_XDIST_WORKER", "")
    return int(worker[2:]) if worker.startswith("gw") and worker[2:].isdigit() else 0


def _pick_port(preferred: int) -> int:
    """The preferred port (moved by the xdist worker's number), or any free one if something
    (an earlier run?) holds it."""
    preferred += _worker_offset()
    if _port_free(preferred):
        return preferred
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _run(argv: list[str], log: Path) -> None:
    with log.open("a") as fh:
        fh.write("$ " + shlex.join(argv) + "\n")
        fh.flush()
        proc = subprocess.run(argv, stdout=fh, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                              timeout=300)
    if proc.returncode != 0:
        raise ServerError(f"{shlex.join(argv)} exited {proc.returncode}:\n{_tail(log)}")


def _tail(log: Path, lines: int = 30) -> str:
    try:
        return "\n".join(log.read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return "(no log)"


def _new_base(engine: str) -> Path:
    base = Path(tempfile.mkdtemp(prefix=f"cutover-{engine}-"))
    base.chmod(0o755)  # mkdtemp makes it 0700: the server's system user must traverse it
    return base


# ---------------------------------------------------------------- PostgreSQL
def start_postgres(port: int = PG_PORT) -> Server:
    if not postgres_available():
        raise ServerError(f"PostgreSQL 15 binaries not found in {PG_BIN}: "
                          f"apt-get install -y postgresql")
    port = _pick_port(port)
    base = _new_base("pg")
    data, log = base / "data", base / "server.log"
    data.mkdir()
    log.touch()
    for p in (data, log):
        _chown(p, "postgres")
    _run(_as_user("postgres", [str(PG_BIN / "initdb"), "-D", str(data), "--auth=trust",
                               "-E", "UTF8", "--locale=C.UTF-8", "-U", "postgres"]), log)
    # fsync off: throwaway data, and it makes the suite noticeably faster.
    opts = (f"-c listen_addresses=127.0.0.1 -p {port} -c unix_socket_directories='' "
            f"-c fsync=off -c synchronous_commit=off -c full_page_writes=off")
    _run(_as_user("postgres", [str(PG_BIN / "pg_ctl"), "-D", str(data), "-l", str(log), "-w",
                               "-t", "60", "-o", opts, "start"]), log)
    pid = int((data / "postmaster.pid").read_text().split()[0])
    server = _started(Server("postgres", f"postgresql://{TEST_USER}:{TEST_PASSWORD}@127.0.0.1:"
                             f"{port}/{TEST_DB}", pid, str(base), str(log)))
    try:
        _setup_postgres(port)
    except Exception:
        stop(server)
        raise
    return server


def _setup_postgres(port: int) -> None:
    import psycopg

    with psycopg.connect(host="127.0.0.1", port=port, user="postgres", dbname="postgres",
                         autocommit=True, connect_timeout=10) as con:
        con.execute(f"CREATE ROLE {TEST_USER} LOGIN CREATEDB PASSWORD '{TEST_PASSWORD}'")
        con.execute(f"CREATE DATABASE {TEST_DB} OWNER {TEST_USER}")
        con.execute(f"CREATE ROLE {READER_USER} LOGIN PASSWORD '{READER_PASSWORD}'")


# ---------------------------------------------------------------- MariaDB
def start_mariadb(port: int = MARIADB_PORT) -> Server:
    if not mariadb_available():
        raise ServerError("MariaDB binaries (mariadbd, mariadb-install-db) not found: "
                          "apt-get install -y mariadb-server")
    port = _pick_port(port)
    base = _new_base("mariadb")
    data, run, files = base / "data", base / "run", base / "files"
    log = base / "server.log"
    for d in (data, run, files):
        d.mkdir()
        _chown(d, "mysql")
    log.touch()
    _chown(log, "mysql")
    user = ["--user=mysql"] if _is_root() else []
    _run(["mariadb-install-db", "--no-defaults", *user, f"--datadir={data}",
          "--auth-root-authentication-method=normal", "--skip-test-db"], log)
    # Socket and pid file in a dir the mysql user owns: it cannot write to root's base dir.
    sock, pidfile = run / "mysql.sock", run / "mariadbd.pid"
    argv = [_mariadbd(), "--no-defaults", *user, f"--datadir={data}", "--bind-address=127.0.0.1",
            f"--port={port}", f"--socket={sock}", f"--pid-file={pidfile}", f"--log-error={log}",
            # INTO OUTFILE / LOAD DATA may only touch this empty dir, even with FILE granted.
            f"--secure-file-priv={files}", "--innodb-flush-log-at-trx-commit=0",
            "--character-set-server=utf8mb4", "--collation-server=utf8mb4_bin"]
    proc = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL, start_new_session=True)
    server = _started(Server("mariadb", f"mysql://{TEST_USER}:{TEST_PASSWORD}@127.0.0.1:{port}/"
                             f"{TEST_DB}", proc.pid, str(base), str(log)))
    try:
        _wait_mariadb(proc, sock, log)
        _setup_mariadb(sock)
    except Exception:
        stop(server)
        raise
    return server


def _wait_mariadb(proc: subprocess.Popen, sock: Path, log: Path) -> None:
    deadline = time.monotonic() + READY_TIMEOUT_S
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise ServerError(f"mariadbd exited {proc.returncode} while starting:\n{_tail(log)}")
        ping = subprocess.run(["mariadb-admin", "--no-defaults", f"--socket={sock}", "-uroot",
                               "ping"], capture_output=True, stdin=subprocess.DEVNULL)
        if ping.returncode == 0:
            return
        time.sleep(0.2)
    raise ServerError(f"mariadbd not ready after {READY_TIMEOUT_S:.0f}s:\n{_tail(log)}")


def _setup_mariadb(sock: Path) -> None:
    import pymysql

    con = pymysql.connect(unix_socket=str(sock), user="root", password="", autocommit=True)
    try:
        with con.cursor() as cur:
            cur.execute(f"CREATE USER '{TEST_USER}'@'%' IDENTIFIED BY '{TEST_PASSWORD}'")
            # Everything a migration target needs (CREATE DATABASE for the sandbox), minus the
            # privileges that reach outside the database.
            cur.execute(f"GRANT ALL PRIVILEGES ON *.* TO '{TEST_USER}'@'%'")
            cur.execute(f"REVOKE FILE, SUPER, SHUTDOWN, PROCESS ON *.* FROM '{TEST_USER}'@'%'")
            cur.execute(f"CREATE DATABASE {TEST_DB}")
            cur.execute(f"CREATE USER '{READER_USER}'@'%' IDENTIFIED BY '{READER_PASSWORD}'")
            cur.execute(f"GRANT SELECT, SHOW VIEW ON *.* TO '{READER_USER}'@'%'")
    finally:
        con.close()


# ---------------------------------------------------------------- stop
def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    try:  # a zombie child of ours counts as gone once reaped
        done, _ = os.waitpid(pid, os.WNOHANG)
        return done == 0
    except ChildProcessError:
        return True


def stop(server: Server, timeout_s: float = 30.0) -> None:
    """Stop one server by its pid (fast shutdown), then remove its temp dir."""
    _RUNNING.pop(server.pid, None)
    # SIGINT is PostgreSQL's "fast" shutdown (SIGTERM waits for clients); mariadbd takes SIGTERM.
    sig = signal.SIGINT if server.engine == "postgres" else signal.SIGTERM
    try:
        os.kill(server.pid, sig)
    except ProcessLookupError:
        pass
    deadline = time.monotonic() + timeout_s
    while _alive(server.pid) and time.monotonic() < deadline:
        time.sleep(0.1)
    if _alive(server.pid):
        os.kill(server.pid, signal.SIGKILL)
    shutil.rmtree(server.base, ignore_errors=True)


# ---------------------------------------------------------------- stop on a signal
# Servers this process started and has not stopped yet. An interrupted or killed test session
# (Ctrl-C, SIGTERM from CI's timeout) must not leave them running: see stop_on_signals().
_RUNNING: dict[int, Server] = {}
_HANDLED = (signal.SIGINT, signal.SIGTERM)
_previous_handlers: dict[int, object] = {}


def _started(server: Server) -> Server:
    _RUNNING[server.pid] = server
    stop_on_signals()
    return server


def stop_all() -> None:
    for server in list(_RUNNING.values()):
        stop(server)


def _on_signal(signum: int, frame: object) -> None:
    stop_all()
    previous = _previous_handlers.get(signum)
    if callable(previous):  # e.g. Python's SIGINT handler: KeyboardInterrupt, pytest's teardown
        previous(signum, frame)
        return
    signal.signal(signum, signal.SIG_DFL)  # then die of the signal as we would have
    os.kill(os.getpid(), signum)


def stop_on_signals() -> None:
    """Stop every server started here on SIGINT/SIGTERM and at exit (idempotent; main thread)."""
    if _previous_handlers:
        return
    import atexit

    atexit.register(stop_all)
    for sig in _HANDLED:
        _previous_handlers[sig] = signal.getsignal(sig)
        signal.signal(sig, _on_signal)


# ---------------------------------------------------------------- CLI
def _exports(servers: list[Server]) -> str:
    return "\n".join(f"export {ENV_VARS[s.engine]}={shlex.quote(s.url)}" for s in servers)


def _load_state(path: Path) -> list[Server]:
    if not path.exists() or not path.read_text().strip():
        return []
    return [Server(**entry) for entry in json.loads(path.read_text())]


def cmd_start(path: Path, pg_port: int = PG_PORT, mariadb_port: int = MARIADB_PORT) -> int:
    if _load_state(path):
        print(f"servers already recorded in {path}; run `python -m tests.servers stop` first",
              file=sys.stderr)
        return 1
    started: list[Server] = []
    try:
        for start, port in ((start_postgres, pg_port), (start_mariadb, mariadb_port)):
            t0 = time.perf_counter()
            server = start(port)
            started.append(server)
            print(f"{server.engine} ready in {time.perf_counter() - t0:.1f}s (pid {server.pid}, "
                  f"{server.url})", file=sys.stderr)
    except ServerError as exc:
        for server in started:
            stop(server)
        print(f"could not start servers: {exc}", file=sys.stderr)
        return 1
    path.write_text(json.dumps([asdict(s) for s in started], indent=2))
    _RUNNING.clear()  # handed over to the state file: they outlive this command
    print(_exports(started))
    return 0


def cmd_stop(path: Path) -> int:
    for server in _load_state(path):
        stop(server)
        print(f"stopped {server.engine} (pid {server.pid})", file=sys.stderr)
    path.unlink(missing_ok=True)
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tests.servers", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("command", choices=("start", "stop", "env"))
    parser.add_argument("--state", type=Path, default=STATE_FILE,
                        help=f"state file with URLs and pids (default {STATE_FILE})")
    # A second pair (other ports, other state file) lets work go on while `.ci/run` holds these.
    # 56432/54306 are taken: tests/faults starts its own private pair there (and pytest-xdist
    # worker gwN on 56432+N/54306+N; the session servers too, on 55432+N/53306+N, when the
    # env vars are not set).
    parser.add_argument("--pg-port", type=int, default=PG_PORT)
    parser.add_argument("--mariadb-port", type=int, default=MARIADB_PORT)
    args = parser.parse_args(argv)
    if args.command == "start":
        return cmd_start(args.state, args.pg_port, args.mariadb_port)
    if args.command == "stop":
        return cmd_stop(args.state)
    print(_exports(_load_state(args.state)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
