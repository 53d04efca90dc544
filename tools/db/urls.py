"""URL helpers: the scheme, the parts and the file path of a database URL.

What a scheme means (its adapter, dialect, whether it is embedded) is the adapters' business:
see tools/db/registry.py.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from urllib.parse import parse_qsl, unquote

from tools.errors import ConfigError

# SQLAlchemy 2.0's URL grammar (sqlalchemy.engine.url._parse_url), kept here so that opening a
# database does not import SQLAlchemy (~0.15-0.7 s of `cutover diff`'s start-up, issue 15): the
# same URLs are accepted and the same ones refused.
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


UNPARSABLE = "Could not parse SQLAlchemy URL from given URL string"
"""make_url's words for a URL outside the grammar (messages keep saying the same)."""


@dataclass(frozen=True)
class UrlParts:
    """A server URL's parts as sqlalchemy.engine.make_url reads them: username, password and
    database percent-decoded, the port a number, a repeated query key a list."""

    drivername: str
    username: str | None = None
    password: str | None = field(default=None, repr=False)
    host: str | None = None
    port: int | None = None
    database: str | None = None
    query: dict[str, str | list[str]] = field(default_factory=dict)


def parse(url: str) -> UrlParts:
    """The URL's parts; ValueError for a URL make_url would refuse."""
    m = _URL.match(url)
    if m is None:
        raise ValueError(UNPARSABLE)
    query: dict[str, str | list[str]] = {}
    for key, value in parse_qsl(m["query"] or ""):
        if key in query:
            held = query[key]
            query[key] = [*held, value] if isinstance(held, list) else [held, value]
        else:
            query[key] = value
    decoded = {k: unquote(m[k]) if m[k] is not None else None
               for k in ("username", "password", "database")}
    port = int(m["port"]) if m["port"] is not None else None
    return UrlParts(m["name"], decoded["username"], decoded["password"],
                    m["ipv4host"] or m["ipv6host"], port, decoded["database"], query)


def scheme(url: str) -> str:
    head = url.split("://", 1)[0] if "://" in url else url.split(":", 1)[0]
    return head.split("+", 1)[0].lower()


def file_path(url: str) -> str | None:
    """Database file of a sqlite:/// or duckdb:/// URL (None for in-memory)."""
    m = _URL.match(url)
    if m is None:
        raise ConfigError(f"not a valid database URL: {url!r} ({UNPARSABLE})")
    if m["port"] is not None:
        int(m["port"])  # as make_url: a port that is not a number is a ValueError
    return unquote(m["database"]) if m["database"] else None
