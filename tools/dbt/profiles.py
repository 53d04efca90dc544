"""profiles.yml per target engine. Secrets are never written: the password is an env_var()
that the runner sets for the in-process build only (and that whoever builds a translate-only
target's project sets themselves)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sqlalchemy.engine import make_url

from tools.db.translate_only import TranslateOnlyAdapter
from tools.db.urls import file_path, scheme
from tools.errors import ConfigError

PASSWORD_ENV = "CUTOVER_DBT_PASSWORD"
DUCKDB_PATH_ENV = "CUTOVER_DBT_DUCKDB_PATH"
SOURCE_SCHEMA_ENV = "CUTOVER_DBT_SOURCE_SCHEMA"
ADAPTERS = {"duckdb": "duckdb", "postgresql": "postgres", "postgres": "postgres"}
"""URL scheme -> dbt adapter type (the adapters pinned in the `dbt` extra: these build here)."""
TRANSLATE_ONLY_ADAPTERS = {
    "tsql": "sqlserver", "oracle": "oracle", "snowflake": "snowflake", "bigquery": "bigquery",
    "trino": "trino", "databricks": "databricks", "redshift": "redshift",
    "clickhouse": "clickhouse",
}
"""Translate-only dialect -> the dbt adapter type named after it: the project is written for
it and built elsewhere (no such adapter or server here)."""
_PORTS = {"sqlserver": 1433, "oracle": 1521, "redshift": 5439, "trino": 8080,
          "clickhouse": 8123}


def translate_only_dialect(target_url: str, dialect: str = "") -> str | None:
    """The dialect of a translate-only target (`translate://` takes `[target] dialect`), None
    for a target with an engine here."""
    found = scheme(target_url)
    if found not in TranslateOnlyAdapter.DIALECTS:
        return None
    return TranslateOnlyAdapter.dialect_of(found) or dialect or found


def adapter_for(target_url: str, dialect: str = "") -> str:
    """The dbt adapter type of the project for this target (`dialect`: the run's target
    dialect, which names a `translate://` target's)."""
    found = ADAPTERS.get(scheme(target_url))
    if found is not None:
        return found
    written = translate_only_dialect(target_url, dialect)
    if written is None:
        raise ConfigError(f"[output] format = \"dbt\" needs a target dbt can build on here "
                          f"(duckdb or postgresql) or a translate-only one with a dbt adapter; "
                          f"the target is {scheme(target_url)!r}. Use one of those targets or "
                          f"drop the dbt output")
    if written not in TRANSLATE_ONLY_ADAPTERS:
        raise ConfigError(f"[output] format = \"dbt\": the translate-only dialect {written!r} "
                          f"has no dbt adapter to write the project for (those with one: "
                          f"{', '.join(sorted(TRANSLATE_ONLY_ADAPTERS))}). Drop the dbt output "
                          f"or use `cutover run` without it")
    return TRANSLATE_ONLY_ADAPTERS[written]


def _env(name: str, default: str | None = None) -> str:
    return (f"{{{{ env_var('{name}', '{default}') }}}}" if default is not None
            else f"{{{{ env_var('{name}') }}}}")


def profile(target_url: str, schema: str, dialect: str = "") -> dict[str, Any]:
    """The `outputs.cutover` entry for the target, with no secret in it."""
    kind = adapter_for(target_url, dialect)
    if kind == "duckdb":
        path = file_path(target_url) or ":memory:"
        return {"type": "duckdb", "path": _env(DUCKDB_PATH_ENV, str(Path(path).resolve())),
                "schema": schema, "threads": 1}
    url = make_url(target_url)
    if kind == "postgres":
        return {"type": "postgres", "host": url.host or "localhost", "port": url.port or 5432,
                "user": url.username or "postgres", "password": _env(PASSWORD_ENV, ""),
                "dbname": url.database or "postgres", "schema": schema, "threads": 1}
    return _translate_only_profile(kind, url, schema)


def _translate_only_profile(kind: str, url: Any, schema: str) -> dict[str, Any]:
    """The profile of a target no engine here runs: what the URL says (host, port, user,
    database), the password as env_var(), each adapter's own key names."""
    host, user, database = url.host or "localhost", url.username or "", url.database or ""
    port = url.port or _PORTS.get(kind)
    password = _env(PASSWORD_ENV, "")
    base: dict[str, Any] = {"type": kind, "schema": schema, "threads": 1}
    if kind == "sqlserver":
        return {**base, "driver": "ODBC Driver 18 for SQL Server", "server": host, "port": port,
                "database": database or "master", "user": user, "password": password}
    if kind == "oracle":
        return {**base, "protocol": "tcp", "host": host, "port": port, "user": user,
                "password": password, "service": database or "XEPDB1"}
    if kind == "snowflake":
        return {**base, "account": host, "user": user, "password": password,
                "database": database}
    if kind == "bigquery":  # the credentials are the environment's (gcloud), never a file here
        return {**base, "method": "oauth", "project": host, "dataset": schema}
    if kind == "databricks":
        return {**base, "host": host, "http_path": url.query.get("http_path", ""),
                "token": password}
    if kind == "trino":
        return {**base, "method": "none", "host": host, "port": port, "user": user,
                "database": database}
    if kind == "redshift":
        return {**base, "host": host, "port": port, "user": user, "password": password,
                "dbname": database}
    return {**base, "host": host, "port": port, "user": user, "password": password}


def secrets_env(target_url: str) -> dict[str, str]:
    """The environment the build needs (the password, when the URL carries one)."""
    if ADAPTERS.get(scheme(target_url)) == "postgres":
        return {PASSWORD_ENV: make_url(target_url).password or ""}
    return {}
