"""Every engine adapter, and the lookups over their class tables.

An engine's facts (URL schemes, sqlglot dialect, embedded or server, how to make a fresh
database, ...) are class attributes of its adapter in tools/db/<engine>.py and nowhere else;
this module only lists the adapters and finds one by URL scheme or engine name. Importing an
adapter module is cheap: each imports its driver only when it connects.
"""

from __future__ import annotations

import importlib
from functools import cache

from tools.db.base import Adapter, Role
from tools.db.urls import scheme
from tools.errors import ConfigError
from tools.trace import Tracer

ADAPTERS = (
    "tools.db.sqlite:SQLiteAdapter",
    "tools.db.duckdb:DuckDBAdapter",
    "tools.db.postgres:PostgresAdapter",
    "tools.db.mysql:MySQLAdapter",
    "tools.db.clickhouse:ClickHouseAdapter",
    "tools.db.spark:SparkAdapter",
    "tools.db.translate_only:TranslateOnlyAdapter",
)


@cache
def adapter_classes() -> tuple[type[Adapter], ...]:
    found = []
    for target in ADAPTERS:
        module, name = target.split(":")
        found.append(getattr(importlib.import_module(module), name))
    return tuple(found)


@cache
def _by_scheme() -> dict[str, type[Adapter]]:
    table: dict[str, type[Adapter]] = {}
    for cls in adapter_classes():
        for s in cls.SCHEMES:
            if s in table:  # one table per fact: a scheme belongs to one adapter
                raise RuntimeError(f"URL scheme {s!r} claimed by {table[s].__name__} and "
                                   f"{cls.__name__}")
            table[s] = cls
    return table


def schemes() -> list[str]:
    return sorted(_by_scheme())


def adapter_class(url: str) -> type[Adapter]:
    s = scheme(url)
    cls = _by_scheme().get(s)
    if cls is None:
        raise ConfigError(f"no engine adapter for URL scheme {s!r} (known: "
                          f"{', '.join(schemes())})")
    return cls


def engine_class(name: str) -> type[Adapter] | None:
    """The adapter of an engine by its short name (Adapter.ENGINE), or None."""
    return next((cls for cls in adapter_classes() if cls.ENGINE and cls.ENGINE == name), None)


def dialect_for(url: str) -> str:
    """The sqlglot dialect a URL implies; a clear error when it implies none."""
    s = scheme(url)
    cls = _by_scheme().get(s)
    dialect = cls.dialect_of(s) if cls else ""
    if not dialect:
        raise ConfigError(f"cannot infer the SQL dialect of a {s!r} URL; set `dialect` next to "
                          f"the url (one of sqlglot's names, e.g. postgres, mysql, duckdb)")
    return dialect


def is_embedded(url: str) -> bool:
    """True for an engine that runs in this process on a local file (False when unknown)."""
    cls = _by_scheme().get(scheme(url))
    return bool(cls and cls.EMBEDDED)


def translate_only_dialects() -> list[str]:
    """Dialects sqlglot writes that have no engine on this machine."""
    return sorted({cls.dialect_of(s) for cls in adapter_classes() if not cls.RUNS_HERE
                   for s in cls.SCHEMES} - {""})


def open_adapter(url: str, role: Role, tracer: Tracer | None = None,
                 timeout_s: float = 60.0) -> Adapter:
    return adapter_class(url)(url, role, tracer, timeout_s)
