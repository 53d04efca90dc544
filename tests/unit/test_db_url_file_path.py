"""tools.db.urls.file_path reads a URL as SQLAlchemy's make_url does (it copies its grammar so that
a `cutover diff` of two files need not import SQLAlchemy): same database, same refusals."""

from __future__ import annotations

import pytest
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError

from tools.db.urls import file_path
from tools.errors import ConfigError

URLS = [
    "duckdb:///a.duckdb", "duckdb:////tmp/x%20y.duckdb", "sqlite://", "sqlite:///",
    "duckdb:///:memory:", "sqlite:///file:x?mode=ro&uri=true", "duckdb://h:12/db",
    "duckdb+x://u:p@[::1]:5/d?x=1", "postgresql://u:p%40@h/db%2F1", "sqlite:///C:\\x\\y.db",
    "duckdb://@/x", "md:///q", "nope", "a b://x", "", "duckdb:", "duckdb://h:ab/db",
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
