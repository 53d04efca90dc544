"""A source role that can write is refused unless the user accepts it (issue: the role is the one
safety layer that holds when the read-only session and the guard both miss something).

Real servers: the harness's `cutover` role owns its test databases (it can write); the
`cutover_reader` role can only SELECT. The run is started the way a user starts it, through the
CLI app in-process.
"""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest
from sqlalchemy.engine import make_url
from typer.testing import CliRunner

from cutover.cli import app
from tests.integration.conftest import drop_database, mysql_connect, new_database, pg_connect
from tests.servers import READER_PASSWORD, READER_USER
from tools.db.registry import open_adapter

pytestmark = pytest.mark.integration


@pytest.fixture(params=["postgres", "mysql"])
def seeded(request: pytest.FixtureRequest):
    server = request.getfixturevalue(f"{'pg' if request.param == 'postgres' else 'mysql'}_url")
    url = new_database(server)
    name = make_url(url).database
    if request.param == "postgres":
        with pg_connect(url) as con:
            con.execute("CREATE TABLE orders (id integer PRIMARY KEY, total numeric(10,2))")
            con.execute("INSERT INTO orders VALUES (1, 10.50), (2, 3.25)")
            con.execute(f"GRANT SELECT ON orders TO {READER_USER}")
    else:
        con = mysql_connect(url)
        try:
            with con.cursor() as cur:
                cur.execute(f"CREATE TABLE `{name}`.orders (id INT PRIMARY KEY, "
                            f"total DECIMAL(10,2))")
                cur.execute(f"INSERT INTO `{name}`.orders VALUES (1, 10.50), (2, 3.25)")
        finally:
            con.close()
    reader = make_url(url).set(username=READER_USER, password=READER_PASSWORD)
    yield request.param, url, reader.render_as_string(hide_password=False)
    drop_database(server, url)


def _project(root: Path, source_url: str, extra: str = "") -> Path:
    (root / "sql").mkdir(parents=True)
    (root / "sql" / "order_total.sql").write_text(
        "SELECT COUNT(*) AS n, SUM(total) AS total FROM orders;\n", encoding="utf-8")
    (root / "cutover.toml").write_text(textwrap.dedent(f"""
        [project]
        name = "privileges"
        codebase = ["sql/*.sql"]

        [source]
        url = "{source_url}"
        {extra}

        [target]
        url = "duckdb:///target.duckdb"
        """), encoding="utf-8")
    return root


def test_a_writing_role_is_refused_with_one_line(seeded, tmp_path: Path) -> None:
    engine, url, _ = seeded
    project = _project(tmp_path / "p", url)
    result = CliRunner().invoke(app, ["run", str(project), "--runs-dir", str(tmp_path / "runs")])
    assert result.exit_code == 2, result.output
    message = result.output.strip()
    assert "can write" in message and "--allow-privileged-source" in message
    assert "Traceback" not in message
    assert f":{make_url(url).password}@" not in message  # the URL is shown redacted


def test_the_flag_and_the_config_accept_it(seeded, tmp_path: Path) -> None:
    _, url, _ = seeded
    flagged = _project(tmp_path / "flag", url)
    result = CliRunner().invoke(app, ["run", str(flagged), "--runs-dir", str(tmp_path / "r1"),
                                      "--allow-privileged-source"])
    assert result.exit_code == 0, result.output
    configured = _project(tmp_path / "toml", url, "allow_privileged = true")
    result = CliRunner().invoke(app, ["run", str(configured), "--runs-dir", str(tmp_path / "r2")])
    assert result.exit_code == 0, result.output


def test_a_read_only_role_needs_no_flag(seeded, tmp_path: Path) -> None:
    _, _, reader = seeded
    source = open_adapter(reader, "source")
    try:
        privileges = source.privileges()
    finally:
        source.close()
    assert not privileges.privileged, privileges.describe()
    project = _project(tmp_path / "p", reader)
    result = CliRunner().invoke(app, ["run", str(project), "--runs-dir", str(tmp_path / "runs")])
    assert result.exit_code == 0, result.output
