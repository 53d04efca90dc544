"""Find the adapter for a URL by its scheme. Drivers are imported only when used."""

from __future__ import annotations

import importlib

from tools.db.base import Adapter, Role
from tools.db.urls import scheme
from tools.errors import ConfigError
from tools.trace import Tracer

# scheme -> "module:Class"; modules import their drivers lazily.
ADAPTERS = {
    "sqlite": "tools.db.sqlite:SQLiteAdapter",
    "duckdb": "tools.db.duckdb:DuckDBAdapter",
    "postgresql": "tools.db.postgres:PostgresAdapter",
    "postgres": "tools.db.postgres:PostgresAdapter",
    "mysql": "tools.db.mysql:MySQLAdapter",
    "mariadb": "tools.db.mysql:MySQLAdapter",
    "chdb": "tools.db.clickhouse:ClickHouseAdapter",
    "spark": "tools.db.spark:SparkAdapter",
    **{s: "tools.db.translate_only:TranslateOnlyAdapter"
       for s in ("oracle", "mssql", "snowflake", "bigquery", "teradata", "redshift", "translate")},
}

# Dialects sqlglot can translate to that have no engine on this machine.
TRANSLATE_ONLY = ("oracle", "tsql", "snowflake", "bigquery", "teradata", "redshift")


def adapter_class(url: str) -> type[Adapter]:
    s = scheme(url)
    target = ADAPTERS.get(s)
    if target is None:
        known = ", ".join(sorted(ADAPTERS))
        raise ConfigError(f"no engine adapter for URL scheme {s!r} (known: {known})")
    module, cls = target.split(":")
    return getattr(importlib.import_module(module), cls)


def open_adapter(url: str, role: Role, tracer: Tracer | None = None,
                 timeout_s: float = 60.0) -> Adapter:
    return adapter_class(url)(url, role, tracer, timeout_s)
