"""`[source] include = ["views", ...]`: the source's own views (and routines) read from its
catalog — information_schema VIEWS / ROUTINES on MariaDB, sqlite_master on SQLite — and
migrated like codebase objects, through `cutover run` against the real servers."""

from __future__ import annotations

import textwrap

import pymysql
import pytest
from sqlalchemy.engine import make_url

from tests.support.projects import SHOP_SCHEMA, make_project, write_files

pytestmark = pytest.mark.integration

MARIADB_SEED = [
    "CREATE TABLE orders (id INT PRIMARY KEY, customer_id INT, qty INT, price DECIMAL(10,2))",
    "INSERT INTO orders VALUES (1, 1, 3, 9.99), (2, 1, 4, 19.50), (3, 2, 1, 5.00), "
    "(4, 3, 7, 1.25)",
    "CREATE VIEW big_orders AS SELECT id, customer_id, qty * price AS total FROM orders "
    "WHERE qty > 2",
    "CREATE VIEW per_customer AS SELECT customer_id, SUM(total) AS spent FROM big_orders "
    "GROUP BY customer_id",
    "CREATE PROCEDURE bump(IN p_qty INT) BEGIN UPDATE orders SET qty = qty + 1 "
    "WHERE qty < p_qty; END",
    "CREATE FUNCTION twice(x INT) RETURNS INT DETERMINISTIC RETURN x * 2",
]


def _mysql(url: str):
    u = make_url(url)
    return pymysql.connect(host=u.host, port=u.port or 3306, user=u.username,
                           password=u.password or "", database=u.database, autocommit=True)


def test_mariadb_views_and_routines_come_from_the_catalog(mysql_db, tmp_path, run_project):
    con = _mysql(mysql_db)
    with con.cursor() as cur:
        for statement in MARIADB_SEED:
            cur.execute(statement)
    con.close()
    project = tmp_path / "p"
    write_files(project, {"sql/q.sql": "SELECT id, qty FROM orders WHERE qty > 1;"})
    (project / "cutover.toml").write_text(textwrap.dedent(f"""
        [project]
        name = "shop"
        codebase = ["sql/**/*.sql"]
        [source]
        url = "{mysql_db}"
        allow_privileged = true  # the test made this database, as a role that writes
        include = ["views", "procedures", "functions"]
        [target]
        url = "duckdb:///data/target.duckdb"
        """), encoding="utf-8")
    from tools.db.registry import open_adapter

    source = open_adapter(mysql_db, "source")
    try:
        definitions = source.view_definitions()
        routines = source.routines()
    finally:
        source.close()
    assert set(definitions) == {"big_orders", "per_customer"}
    assert any(r.startswith("CREATE PROCEDURE `bump`(IN `p_qty` int") for r in routines), routines
    assert any(r.startswith("CREATE FUNCTION `twice`(`x` int") and "RETURNS int" in r
               for r in routines), routines

    report = run_project(project).report
    verdicts = {o["name"]: o["verdict"] for o in report["objects"]}
    # both catalog views migrated and proven, the second one reading the first
    assert verdicts.get("big_orders") == "parity", verdicts
    assert verdicts.get("per_customer") == "parity", verdicts
    files = {o["name"]: o.get("file") for o in report["objects"]}
    assert files["per_customer"] == "catalog:per_customer"


def test_sqlite_views_come_from_sqlite_master(tmp_path, run_project):
    schema = SHOP_SCHEMA + """
CREATE VIEW paris AS SELECT id, name FROM customers WHERE city = 'Paris';
CREATE VIEW paris_orders AS SELECT o.id, p.name, o.qty FROM orders o JOIN paris p
  ON p.id = o.customer_id;
"""
    project = make_project(tmp_path / "p", {"sql/q.sql": "SELECT id FROM orders;"},
                           schema=schema)
    toml = (project / "cutover.toml").read_text()
    (project / "cutover.toml").write_text(toml.replace(
        'url = "sqlite:///data/source.sqlite"',
        'url = "sqlite:///data/source.sqlite"\ninclude = ["views"]'), encoding="utf-8")
    report = run_project(project).report
    verdicts = {o["name"]: o["verdict"] for o in report["objects"]}
    assert verdicts.get("paris") == "parity" and verdicts.get("paris_orders") == "parity", \
        verdicts
    without = make_project(tmp_path / "q", {"sql/q.sql": "SELECT id FROM orders;"},
                           schema=schema)
    names = {o["name"] for o in run_project(without).report["objects"]}
    assert "paris" not in names  # only with include = ["views"]
