"""Build an example's source database from its seed script (demo and evals only).

This is the one place that writes a source-side file, and only when the file does not exist
yet: it creates a fresh example database, never touches an existing one.
"""

from __future__ import annotations

import fcntl
import os
import sqlite3
from pathlib import Path

from tools.db.urls import file_path, scheme
from tools.errors import ConfigError


def build_if_missing(url: str, script: Path) -> bool:
    """Create the database at `url` by running `script`; False when it already exists."""
    path = file_path(url)
    if not path:
        raise ConfigError(f"[source] seed needs a file URL (sqlite:/// or duckdb:///), not {url}")
    if Path(path).exists():
        return False
    if not script.is_file():
        raise ConfigError(f"[source] seed: script {script} not found")
    Path(path).parent.mkdir(parents=True, exist_ok=True)
    # Two processes seeding at once (two demos started together): the second waits for the
    # first here, then finds the file built and leaves it alone.
    with open(f"{path}.seedlock", "a+") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if Path(path).exists():
            return False
        _build(url, path, script.read_text(encoding="utf-8"))
    return True


def _build(url: str, path: str, sql: str) -> None:
    # Build beside the final name and rename at the end: a failed seed leaves no half
    # database, and a crashed one only a leftover named after its own pid.
    building = f"{path}.building.{os.getpid()}"
    Path(building).unlink(missing_ok=True)
    if scheme(url) == "sqlite":
        lite = sqlite3.connect(building)
        try:
            lite.executescript(sql)
            lite.commit()
        finally:
            lite.close()
    elif scheme(url) == "duckdb":
        import duckdb

        con = duckdb.connect(building)
        try:
            con.execute(sql)
        finally:
            con.close()
    else:
        raise ConfigError(f"[source] seed is only for file databases, not {scheme(url)}")
    os.replace(building, path)
