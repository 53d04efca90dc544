"""profiles.yml per target engine. Secrets are never written: the password is an env_var()
that the runner sets for the in-process build only."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sqlalchemy.engine import make_url

from tools.db.urls import file_path, scheme
from tools.errors import ConfigError

PASSWORD_ENV = "CUTOVER_DBT_PASSWORD"
DUCKDB_PATH_ENV = "CUTOVER_DBT_DUCKDB_PATH"
SOURCE_SCHEMA_ENV = "CUTOVER_DBT_SOURCE_SCHEMA"
ADAPTERS = {"duckdb": "duckdb", "postgresql": "postgres", "postgres": "postgres"}
"""URL scheme -> dbt adapter type (the adapters pinned in the `dbt` extra)."""


def adapter_for(target_url: str) -> str:
    found = ADAPTERS.get(scheme(target_url))
    if found is None:
        raise ConfigError(f"[output] format = \"dbt\" needs a target dbt can build on here "
                          f"(duckdb or postgresql); the target is {scheme(target_url)!r}. "
                          f"Use one of those targets or drop the dbt output")
    return found


def _env(name: str, default: str | None = None) -> str:
    return (f"{{{{ env_var('{name}', '{default}') }}}}" if default is not None
            else f"{{{{ env_var('{name}') }}}}")


def profile(target_url: str, schema: str) -> dict[str, Any]:
    """The `outputs.cutover` entry for the target, with no secret in it."""
    kind = adapter_for(target_url)
    if kind == "duckdb":
        path = file_path(target_url) or ":memory:"
        return {"type": "duckdb", "path": _env(DUCKDB_PATH_ENV, str(Path(path).resolve())),
                "schema": schema, "threads": 1}
    url = make_url(target_url)
    return {"type": "postgres", "host": url.host or "localhost", "port": url.port or 5432,
            "user": url.username or "postgres", "password": _env(PASSWORD_ENV, ""),
            "dbname": url.database or "postgres", "schema": schema, "threads": 1}


def secrets_env(target_url: str) -> dict[str, str]:
    """The environment the build needs (the password, when the URL carries one)."""
    if adapter_for(target_url) == "postgres":
        return {PASSWORD_ENV: make_url(target_url).password or ""}
    return {}
