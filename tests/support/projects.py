"""Small real projects for tests: a SQLite source file, SQL files, a cutover.toml."""

from __future__ import annotations

import sqlite3
import textwrap
from pathlib import Path

SHOP_SCHEMA = """
CREATE TABLE customers (id INTEGER PRIMARY KEY, name TEXT, email TEXT, city TEXT);
CREATE TABLE orders (id INTEGER PRIMARY KEY, customer_id INTEGER, qty INTEGER,
                     price NUMERIC(10,2), ordered_at DATE);
INSERT INTO customers VALUES (1, 'Ada', 'ADA@Example.com', 'Paris'), (2, 'Bob', 'bob@example.com',
  'Oslo'), (3, 'Cy', NULL, 'Paris'), (4, 'Dee', 'dee@other.org', NULL);
INSERT INTO orders VALUES (1, 1, 3, 9.99, '2024-01-05'), (2, 1, 4, 19.50, '2024-02-11'),
  (3, 2, 1, 5.00, '2024-02-12'), (4, 3, 7, 1.25, '2024-03-01'), (5, 4, 2, 100.00, '2024-03-15'),
  (6, 2, 5, 3.10, '2024-03-20');
"""


def write_files(root: Path, files: dict[str, str]) -> None:
    """The project's SQL files (dedented), folders created as needed."""
    for rel, text in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text).strip() + "\n", encoding="utf-8")


def make_project(root: Path, files: dict[str, str], *, config_extra: str = "",
                 schema: str = SHOP_SCHEMA, target: str = "duckdb:///data/target.duckdb") -> Path:
    """Write a project folder: data/source.sqlite built from `schema`, the SQL files, config."""
    root.mkdir(parents=True, exist_ok=True)
    (root / "data").mkdir(exist_ok=True)
    con = sqlite3.connect(root / "data" / "source.sqlite")
    con.executescript(schema)
    con.commit()
    con.close()
    write_files(root, files)
    (root / "cutover.toml").write_text(textwrap.dedent(f"""
        [project]
        name = "tiny"
        codebase = ["sql/**/*.sql"]

        [source]
        url = "sqlite:///data/source.sqlite"

        [target]
        url = "{target}"
        """) + textwrap.dedent(config_extra), encoding="utf-8")
    return root


def postgres_dbt_project(root: Path, name: str, pg_url: str, files: dict[str, str], *,
                         config_extra: str = "") -> Path:
    """Write a project migrating `files` from the PostgreSQL database `pg_url` (made by the
    test, as a role that writes) to a DuckDB dbt project; `config_extra` follows [output]."""
    write_files(root, files)
    (root / "cutover.toml").write_text(textwrap.dedent(f"""
        [project]
        name = "{name}"
        codebase = ["sql/**/*.sql"]
        [source]
        url = "{pg_url}"
        allow_privileged = true  # the test made this database, as a role that writes
        [target]
        url = "duckdb:///data/target.duckdb"
        [output]
        format = "dbt"
        """) + textwrap.dedent(config_extra), encoding="utf-8")
    return root
