"""Fixtures for tests against real servers: PostgreSQL and MariaDB, started by tests/servers.py.

`.ci/run` starts the servers once and exports CUTOVER_TEST_PG_URL / CUTOVER_TEST_MYSQL_URL;
without them the session starts its own servers (and stops them at the end). A test skips only
when the server binaries are not installed at all — in CI they always are, so nothing skips.
"""

from __future__ import annotations

import os
import re
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from sqlalchemy.engine import make_url

from tests import servers  # importable: tests/conftest.py puts the repo root on sys.path


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


def _fresh_pg(url: str) -> Iterator[str]:
    import psycopg

    name = f"t_{uuid.uuid4().hex[:10]}"
    admin = make_url(url)
    dsn = dict(host=admin.host, port=admin.port, user=admin.username, password=admin.password,
               dbname=admin.database)
    with psycopg.connect(**dsn, autocommit=True) as con:
        con.execute(f'CREATE DATABASE "{name}"')
    try:
        yield admin.set(database=name).render_as_string(hide_password=False)
    finally:
        with psycopg.connect(**dsn, autocommit=True) as con:
            # FORCE: a test that failed half-way may have left an adapter connected.
            con.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _fresh_mysql(url: str) -> Iterator[str]:
    import pymysql

    name = f"t_{uuid.uuid4().hex[:10]}"
    admin = make_url(url)
    args = dict(host=admin.host, port=admin.port, user=admin.username,
                password=admin.password or "", autocommit=True)
    con = pymysql.connect(**args)
    try:
        con.cursor().execute(f"CREATE DATABASE `{name}`")
    finally:
        con.close()
    try:
        yield admin.set(database=name).render_as_string(hide_password=False)
    finally:
        con = pymysql.connect(**args)
        try:
            con.cursor().execute(f"DROP DATABASE IF EXISTS `{name}`")
            # Sandboxes are databases of their own on MySQL: tests name theirs sandbox_for(url).
            con.cursor().execute(f"DROP DATABASE IF EXISTS `cutover_{name}`")
        finally:
            con.close()


def sandbox_for(url: str) -> str:
    """The sandbox name a test uses on the fresh database `url` (dropped with it on MySQL)."""
    database = Path(make_url(url).database or "db").stem  # a DuckDB URL names a file
    return f"cutover_{re.sub(r'[^A-Za-z0-9_]', '_', database)}"


@pytest.fixture
def pg_db(pg_url: str) -> Iterator[str]:
    """A fresh, empty PostgreSQL database for one test, dropped afterwards."""
    yield from _fresh_pg(pg_url)


@pytest.fixture
def mysql_db(mysql_url: str) -> Iterator[str]:
    """A fresh, empty MariaDB database for one test, dropped afterwards."""
    yield from _fresh_mysql(mysql_url)
