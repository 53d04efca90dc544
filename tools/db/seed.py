"""Build an example's source database from its seed script (demo and evals only).

This is the one place that writes a source-side file, and only when the file does not exist
yet: it creates a fresh example database, never touches an existing one.
"""

from __future__ import annotations

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
    sql = script.read_text(encoding="utf-8")
    # Build beside the final name and rename at the end: a failed seed leaves no half database.
    building = f"{path}.building"
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
    return True
