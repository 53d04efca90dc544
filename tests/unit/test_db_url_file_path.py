"""tools.db.urls.file_path reads a URL as SQLAlchemy's make_url does (it copies its grammar so that
a `cutover diff` of two files need not import SQLAlchemy): same database, same refusals."""

from __future__ import annotations

import pytest
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError

from tools.db.urls import file_path, parse
from tools.errors import ConfigError

URLS = [
    "duckdb:///a.duckdb", "duckdb:////tmp/x%20y.duckdb", "sqlite://", "sqlite:///",
    "duckdb:///:memory:", "sqlite:///file:x?mode=ro&uri=true", "duckdb://h:12/db",
    "duckdb+x://u:p@[::1]:5/d?x=1", "postgresql://u:p%40@h/db%2F1", "sqlite:///C:\\x\\y.db",
    "duckdb://@/x", "md:///q", "nope", "a b://x", "", "duckdb:", "duckdb://h:ab/db", "duckdb://h:/x.duckdb",
]


def _sqlalchemy(url: str) -> str | None | type[Exception]:
    try:
        return make_url(url).database or None
    except ArgumentError:
        return ConfigError
    except ValueError:
        return ValueError


def _ours(url: str) -> str | None | type[Exception]:
    try:
        return file_path(url)
    except ConfigError as exc:
        assert str(exc).startswith(f"not a valid database URL: {url!r}")
        return ConfigError
    except ValueError:
        return ValueError


@pytest.mark.parametrize("url", URLS)
def test_file_path_agrees_with_sqlalchemy(url: str) -> None:
    assert _ours(url) == _sqlalchemy(url)


SERVER_URLS = [
    *URLS,
    "postgresql://u:p%40ss@h:5432/db?sslmode=require&x=1&x=2&x=3", "postgresql://h/db",
    "postgresql+psycopg://u@[::1]:5/d%20b", "mysql://u:@h/db?unix_socket=/tmp/s",
    "chdb:////abs/dir?database=name", "mysql://a:b:c@h/d", "postgresql://", "mysql://u@h:/d",
]


def _parts_sqlalchemy(url: str) -> tuple | type[Exception]:
    try:
        u = make_url(url)
    except ArgumentError:
        return ValueError  # parse() says the same words in a ValueError
    except ValueError:
        return ValueError
    query = {k: list(v) if isinstance(v, tuple) else v for k, v in u.query.items()}
    return u.drivername, u.username, u.password, u.host, u.port, u.database, query


def _parts_ours(url: str) -> tuple | type[Exception]:
    try:
        p = parse(url)
    except ValueError:
        return ValueError
    return p.drivername, p.username, p.password, p.host, p.port, p.database, p.query


@pytest.mark.parametrize("url", SERVER_URLS)
def test_parse_reads_every_part_as_sqlalchemy_does(url: str) -> None:
    """The adapters open servers with parse() instead of make_url (SQLAlchemy's import is
    ~0.15 s of a diff): every part, and every refusal, must be the same."""
    assert _parts_ours(url) == _parts_sqlalchemy(url)


def test_a_password_never_shows_in_the_parts_repr() -> None:
    assert "s3cret" not in repr(parse("postgresql://u:s3cret@h/db"))
