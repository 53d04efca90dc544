"""URL helpers: the scheme and the file path of a database URL.

What a scheme means (its adapter, dialect, whether it is embedded) is the adapters' business:
see tools/db/registry.py.
"""

from __future__ import annotations

import re
from urllib.parse import unquote

from tools.errors import ConfigError

# SQLAlchemy 2.0's URL grammar (sqlalchemy.engine.url._parse_url), kept here so that reading the
# file of a sqlite:/// or duckdb:/// URL does not import SQLAlchemy (~0.7 s of `cutover diff`'s
# start-up, issue 15): the same URLs are accepted and the same ones refused.
_URL = re.compile(
    r"""
        (?P<name>[\w\+]+)://
        (?:
            (?P<username>[^:/]*)
            (?::(?P<password>[^@]*))?
        @)?
        (?:
            (?:
                \[(?P<ipv6host>[^/\?]+)\] |
                (?P<ipv4host>[^/:\?]+)
            )?
            (?::(?P<port>[^/\?]*))?
        )?
        (?:/(?P<database>[^\?]*))?
        (?:\?(?P<query>.*))?
        """,
    re.X,
)


def scheme(url: str) -> str:
    head = url.split("://", 1)[0] if "://" in url else url.split(":", 1)[0]
    return head.split("+", 1)[0].lower()


def file_path(url: str) -> str | None:
    """Database file of a sqlite:/// or duckdb:/// URL (None for in-memory)."""
    m = _URL.match(url)
    if m is None:
        raise ConfigError(f"not a valid database URL: {url!r} (Could not parse SQLAlchemy URL "
                          f"from given URL string)")
    if m["port"]:
        int(m["port"])  # as make_url: a port that is not a number is a ValueError
    return unquote(m["database"]) if m["database"] else None
