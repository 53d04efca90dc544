"""Text semantics through a whole run on the server targets: a SQLite source whose table and
columns are spelled in mixed case and compare under NOCASE, referenced in lower case, reaches
parity on PostgreSQL and on a MariaDB database in utf8mb4_general_ci on the first attempt
(the catalog's collation and spelling feed the translator's rewrites; the loader keeps the
spelling)."""

from __future__ import annotations

from pathlib import Path

import pytest
import sqlalchemy as sa

from tests.support.projects import make_project

SCHEMA = """
CREATE TABLE "Customers" (id INTEGER PRIMARY KEY, "Name" TEXT COLLATE NOCASE, city TEXT);
INSERT INTO "Customers" VALUES (1, 'Ada', 'Zürich'), (2, 'ada', 'zürich'), (3, 'BOB', 'Oslo'),
  (4, 'bob', 'oslo '), (5, NULL, 'Åre'), (6, 'Cy', NULL);
"""
VIEWS = {
    "sql/views.sql": """
        CREATE VIEW named_ada AS SELECT id FROM customers WHERE name = 'ADA';
        CREATE VIEW names AS SELECT COUNT(DISTINCT name) AS n FROM customers;
        CREATE VIEW cities AS SELECT id FROM customers WHERE city = 'oslo';
        CREATE VIEW ordered AS SELECT id, name FROM customers WHERE name IS NOT NULL
          ORDER BY name DESC, id;
    """,
}


def _collate_general_ci(url: str) -> None:
    engine = sa.create_engine(url.replace("mysql://", "mysql+pymysql://", 1))
    try:
        with engine.begin() as conn:
            conn.exec_driver_sql("ALTER DATABASE CHARACTER SET utf8mb4 "
                                 "COLLATE utf8mb4_general_ci")
    finally:
        engine.dispose()


@pytest.mark.parametrize("server", ["postgres", "mysql"])
def test_mixed_case_nocase_source_reaches_parity_on_servers(server: str, request, tmp_path: Path,
                                                             run_project) -> None:
    target = request.getfixturevalue("pg_db" if server == "postgres" else "mysql_db")
    if server == "mysql":
        _collate_general_ci(target)  # the collation most MariaDB targets run with
    project = make_project(tmp_path / "p", VIEWS, schema=SCHEMA, target=target)
    outcome = run_project(project)
    objects = {o["name"]: o for o in outcome.report["objects"]}
    assert {n: o["verdict"] for n, o in objects.items()} == dict.fromkeys(
        ("named_ada", "names", "cities", "ordered"), "parity"), objects
    assert all(o["attempts"] == 1 and not o["needed_fixer"] for o in objects.values())
