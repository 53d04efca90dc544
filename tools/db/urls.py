"""URL helpers: scheme, file path, and the sqlglot dialect a URL implies."""

from __future__ import annotations

from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError

from tools.errors import ConfigError

# URL scheme (driver suffix dropped) -> sqlglot dialect
SCHEME_DIALECT = {
    "sqlite": "sqlite", "duckdb": "duckdb", "postgresql": "postgres", "postgres": "postgres",
    "mysql": "mysql", "mariadb": "mysql", "clickhouse": "clickhouse", "clickhousedb": "clickhouse",
    "chdb": "clickhouse", "spark": "spark", "databricks": "databricks", "oracle": "oracle",
    "mssql": "tsql", "snowflake": "snowflake", "bigquery": "bigquery", "teradata": "teradata",
    "redshift": "redshift", "trino": "trino",
}


def scheme(url: str) -> str:
    head = url.split("://", 1)[0] if "://" in url else url.split(":", 1)[0]
    return head.split("+", 1)[0].lower()


def dialect_for(url: str) -> str:
    s = scheme(url)
    if s not in SCHEME_DIALECT:
        raise ConfigError(f"cannot infer the SQL dialect of a {s!r} URL; set `dialect` next to "
                          f"the url (one of sqlglot's names, e.g. postgres, mysql, duckdb)")
    return SCHEME_DIALECT[s]


def file_path(url: str) -> str | None:
    """Database file of a sqlite:/// or duckdb:/// URL (None for in-memory)."""
    try:
        db = make_url(url).database
    except ArgumentError as exc:
        raise ConfigError(f"not a valid database URL: {url!r} ({exc})") from exc
    return db or None
