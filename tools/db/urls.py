"""URL helpers: the scheme and the file path of a database URL.

What a scheme means (its adapter, dialect, whether it is embedded) is the adapters' business:
see tools/db/registry.py.
"""

from __future__ import annotations

from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError

from tools.errors import ConfigError


def scheme(url: str) -> str:
    head = url.split("://", 1)[0] if "://" in url else url.split(":", 1)[0]
    return head.split("+", 1)[0].lower()


def file_path(url: str) -> str | None:
    """Database file of a sqlite:/// or duckdb:/// URL (None for in-memory)."""
    try:
        db = make_url(url).database
    except ArgumentError as exc:
        raise ConfigError(f"not a valid database URL: {url!r} ({exc})") from exc
    return db or None
