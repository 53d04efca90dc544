"""Fixtures for tests against real servers: PostgreSQL and MariaDB, started by tests/servers.py.

`.ci/run` starts the servers once and exports CUTOVER_TEST_PG_URL / CUTOVER_TEST_MYSQL_URL;
without them the session (each pytest-xdist worker) starts its own servers (and stops them at
the end). A test skips only when the server binaries are not installed at all — in CI they
always are, so nothing skips.
"""

from __future__ import annotations

import os
import re
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import psycopg
import pytest
from sqlalchemy.engine import make_url

from tests import servers  # importable: tests/conftest.py puts the repo root on sys.path
from tests.support.llm_fixtures import pair, tracer  # noqa: F401 - LLM loop fixtures


def _server_url(engine: str, available: Callable[[], bool],
                start: Callable[[], servers.Server], install: str) -> Iterator[str]:
    env = servers.ENV_VARS[engine]
    if os.environ.get(env):
        yield os.environ[env]
        return
    if not available():
        pytest.skip(f"{engine} binaries are not installed and {env} is not set: run "
                    f"`apt-get install -y {install}` (or .ci/run) to run these tests")
    server = start()
    try:
        yield server.url
    finally:
        servers.stop(server)


@pytest.fixture(scope="session")
def pg_url() -> Iterator[str]:
    """URL of the test database on a PostgreSQL 15 server (the test role, not a superuser)."""
    yield from _server_url("postgres", servers.postgres_available, servers.start_postgres,
                           "postgresql")


@pytest.fixture(scope="session")
def mysql_url() -> Iterator[str]:
    """URL of the test database on a MariaDB 10.11 server (the test role, without FILE)."""
    yield from _server_url("mariadb", servers.mariadb_available, servers.start_mariadb,
                           "mariadb-server")


def pg_connect(url: str) -> Any:
    """An autocommit psycopg connection to `url`: tests seed and inspect PostgreSQL with it,
    never through the adapters under test."""
    import psycopg

    u = make_url(url)
    return psycopg.connect(host=u.host, port=u.port, user=u.username, password=u.password,
                           dbname=u.database, autocommit=True, connect_timeout=10)


def mysql_connect(url: str) -> Any:
    """An autocommit pymysql connection to `url`'s server (no database selected): tests seed
    and inspect MariaDB with it, never through the adapters under test."""
    import pymysql

    u = make_url(url)
    return pymysql.connect(host=u.host, port=u.port, user=u.username,
                           password=u.password or "", autocommit=True, connect_timeout=10)


def new_database(server_url: str) -> str:
    """Create an empty database next to `server_url`'s and return its URL."""
    name = f"t_{uuid.uuid4().hex[:10]}"
    if server_url.startswith("postgres"):
        with pg_connect(server_url) as con:
            con.execute(f'CREATE DATABASE "{name}"')
    else:
        con = mysql_connect(server_url)
        try:
            con.cursor().execute(f"CREATE DATABASE `{name}`")
        finally:
            con.close()
    return make_url(server_url).set(database=name).render_as_string(hide_password=False)


def drop_database(server_url: str, url: str) -> None:
    """Drop a database made by new_database (and, on MySQL, its sandbox database)."""
    name = make_url(url).database
    if server_url.startswith("postgres"):
        for wait in (0.2, 0.5, 1.0, 2.0, None):
            with pg_connect(server_url) as con:
                try:
                    # FORCE: a test that failed half-way may have left an adapter connected.
                    con.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
                    return
                except psycopg.errors.InsufficientPrivilege:
                    # A session of another role (a run's read-only source role) is still
                    # closing; FORCE may not end it, but it ends by itself in a moment.
                    if wait is None:
                        raise
            time.sleep(wait)
        return
    con = mysql_connect(server_url)
    try:
        con.cursor().execute(f"DROP DATABASE IF EXISTS `{name}`")
        # Sandboxes are databases of their own on MySQL: tests name theirs sandbox_for(url).
        con.cursor().execute(f"DROP DATABASE IF EXISTS `{sandbox_for(url)}`")
    finally:
        con.close()


def sandbox_for(url: str) -> str:
    """The sandbox name a test uses on the fresh database `url` (dropped with it on MySQL)."""
    database = Path(make_url(url).database or "db").stem  # a DuckDB URL names a file
    return f"cutover_{re.sub(r'[^A-Za-z0-9_]', '_', database)}"


@pytest.fixture
def pg_db(pg_url: str) -> Iterator[str]:
    """A fresh, empty PostgreSQL database for one test, dropped afterwards."""
    url = new_database(pg_url)
    try:
        yield url
    finally:
        drop_database(pg_url, url)


@pytest.fixture
def mysql_db(mysql_url: str) -> Iterator[str]:
    """A fresh, empty MariaDB database for one test, dropped afterwards."""
    url = new_database(mysql_url)
    try:
        yield url
    finally:
        drop_database(mysql_url, url)


@pytest.fixture
def engine_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Callable[[str, str],
                                                                                     str]]:
    """engine_url(engine, role) -> URL of a fresh database; server ones dropped afterwards."""
    made: list[tuple[str, str]] = []

    def make(engine: str, role: str) -> str:
        if engine in ("postgres", "mysql"):
            server = request.getfixturevalue("pg_url" if engine == "postgres" else "mysql_url")
            url = new_database(server)
            made.append((server, url))
            return url
        return {
            "duckdb": f"duckdb:///{tmp_path / role}.duckdb",
            "sqlite": f"sqlite:///{tmp_path / role}.sqlite",
            # chdb runs one server per process: source and target share a directory.
            "clickhouse": f"chdb:///{tmp_path / 'chdb'}?database={role}",
            "spark": f"spark:///{tmp_path / 'spark'}?database={role}",
        }[engine]

    yield make
    for server, url in made:
        drop_database(server, url)
