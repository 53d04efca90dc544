"""The test harness stops the servers it started when it is interrupted or terminated."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests import servers

REPO = Path(__file__).resolve().parents[2]
STARTER = """
import sys, time
from tests import servers
server = servers.start_postgres(port=56{n:03d})
print(server.pid, server.base, flush=True)
time.sleep(120)
"""


def _gone(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    return False


@pytest.mark.skipif(not servers.postgres_available(), reason="PostgreSQL binaries not installed")
@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT], ids=["SIGTERM", "SIGINT"])
def test_signal_stops_started_server(sig: signal.Signals) -> None:
    proc = subprocess.Popen([sys.executable, "-c", STARTER.format(n=int(sig))], cwd=REPO,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            env={**os.environ, "PYTHONPATH": str(REPO)})
    assert proc.stdout is not None
    line = proc.stdout.readline()
    assert line, proc.stderr.read() if proc.stderr else ""
    pid, base = int(line.split()[0]), Path(line.split()[1])
    assert not _gone(pid)
    proc.send_signal(sig)
    proc.wait(timeout=60)
    deadline = time.monotonic() + 10
    while not _gone(pid) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert _gone(pid), f"postgres {pid} still running after {sig.name}"
    assert not base.exists()
    assert proc.returncode != 0  # it died of the signal (or KeyboardInterrupt), as it should
