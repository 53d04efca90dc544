"""Every engine adapter, and the lookups over their class tables.

An engine's facts (URL schemes, sqlglot dialect, embedded or server, how to make a fresh
database, ...) are class attributes of its adapter in tools/db/<engine>.py and nowhere else;
this module only lists the adapters and finds one by URL scheme or engine name. Each adapter
imports its driver only when it connects; a lookup by scheme imports only the adapter modules
up to the one that claims the scheme.
"""

from __future__ import annotations

import importlib
import threading

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


class _Registry:
    """The scheme table, filled one adapter module at a time, in ADAPTERS order, until the
    scheme asked for is claimed. Importing every adapter costs seconds (the Spark adapter pulls
    in sqlglot's dialects and the semantics library, the server ones SQLAlchemy), and a
    `cutover diff` of two DuckDB files needs two of them (issue 15)."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.loaded: list[type[Adapter]] = []
        self.by_scheme: dict[str, type[Adapter]] = {}

    def _load_next(self) -> bool:
        if len(self.loaded) == len(ADAPTERS):
            return False
        module, name = ADAPTERS[len(self.loaded)].split(":")
        cls: type[Adapter] = getattr(importlib.import_module(module), name)
        for s in cls.SCHEMES:
            if s in self.by_scheme:  # one table per fact: a scheme belongs to one adapter
                raise RuntimeError(f"URL scheme {s!r} claimed by {self.by_scheme[s].__name__} "
                                   f"and {cls.__name__}")
            self.by_scheme[s] = cls
        self.loaded.append(cls)
        return True

    def find(self, s: str) -> type[Adapter] | None:
        with self.lock:
            while s not in self.by_scheme and self._load_next():
                pass
            return self.by_scheme.get(s)

    def everything(self) -> dict[str, type[Adapter]]:
        with self.lock:
            while self._load_next():
                pass
            return self.by_scheme


_registry = _Registry()


def adapter_classes() -> tuple[type[Adapter], ...]:
    """Every adapter class (imports every adapter module: for listings, not for lookups)."""
    _registry.everything()
    return tuple(_registry.loaded)


def schemes() -> list[str]:
    return sorted(_registry.everything())


def adapter_class(url: str) -> type[Adapter]:
    s = scheme(url)
    cls = _registry.find(s)
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
    cls = _registry.find(s)
    dialect = cls.dialect_of(s) if cls else ""
    if not dialect:
        raise ConfigError(f"cannot infer the SQL dialect of a {s!r} URL; set `dialect` next to "
                          f"the url (one of sqlglot's names, e.g. postgres, mysql, duckdb)")
    return dialect


def is_embedded(url: str) -> bool:
    """True for an engine that runs in this process on a local file (False when unknown)."""
    cls = _registry.find(scheme(url))
    return bool(cls and cls.EMBEDDED)


def translate_only_dialects() -> list[str]:
    """Dialects sqlglot writes that have no engine on this machine."""
    return sorted({cls.dialect_of(s) for cls in adapter_classes() if not cls.RUNS_HERE
                   for s in cls.SCHEMES} - {""})


def open_adapter(url: str, role: Role, tracer: Tracer | None = None,
                 timeout_s: float = 60.0) -> Adapter:
    return adapter_class(url)(url, role, tracer, timeout_s)
