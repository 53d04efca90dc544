"""One run per project at a time: an advisory lock on the project folder.

Two runs of one project share its embedded target file, its seeded source and (on resume) one
checkpoint thread; run together they crashed or diverged. The lock is an flock on
`<project>/.cutover.lock`, so the kernel releases it when the holder dies, even by kill -9: a
killed run never leaves a stale lock behind, and `--resume` can take it at once.
"""

from __future__ import annotations

import fcntl
import json
import os
import time
from pathlib import Path

from tools.errors import ConfigError

LOCK_NAME = ".cutover.lock"


class ProjectLock:
    """Held for the whole run; `release()` in a finally (or the process's end) frees it."""

    def __init__(self, project_dir: Path, run_id: str) -> None:
        self.path = project_dir / LOCK_NAME
        self.run_id = run_id
        self._fd: int | None = None

    def acquire(self) -> ProjectLock:
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = _holder(fd)
            os.close(fd)
            raise ConfigError(
                f"another run holds this project ({holder}); wait for it to finish or stop "
                f"it, then run again (a killed run frees the lock at once)") from None
        os.ftruncate(fd, 0)
        os.write(fd, json.dumps({"pid": os.getpid(), "run_id": self.run_id,
                                 "since": time.strftime("%Y-%m-%dT%H:%M:%SZ",
                                                        time.gmtime())}).encode())
        self._fd = fd
        return self

    def release(self) -> None:
        if self._fd is not None:
            fcntl.flock(self._fd, fcntl.LOCK_UN)
            os.close(self._fd)
            self._fd = None


def _holder(fd: int) -> str:
    try:
        info = json.loads(os.pread(fd, 4096, 0) or b"{}")
        return f"run {info.get('run_id', '?')}, pid {info.get('pid', '?')}, since " \
               f"{info.get('since', '?')}"
    except (OSError, ValueError):
        return "a run whose details could not be read"
