"""One table per engine fact: the adapters' class attributes, read through the registry."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from evals.engines import engine_dialect, engine_kind
from tools.db.registry import (
    adapter_class,
    adapter_classes,
    dialect_for,
    engine_class,
    is_embedded,
    schemes,
)
from tools.errors import ConfigError


def test_every_scheme_belongs_to_one_adapter() -> None:
    claimed = [s for cls in adapter_classes() for s in cls.SCHEMES]
    assert len(claimed) == len(set(claimed)) == len(schemes())
    for cls in adapter_classes():
        for s in cls.SCHEMES:
            assert adapter_class(f"{s}://host/db") is cls


@pytest.mark.parametrize(("url", "dialect", "embedded"), [
    ("sqlite:///x.db", "sqlite", True), ("duckdb:///x.duckdb", "duckdb", True),
    ("chdb:///x.chdb", "clickhouse", True), ("spark:///wh", "spark", True),
    ("postgresql+psycopg://u@h/db", "postgres", False), ("mariadb://u@h/db", "mysql", False),
    ("mssql://h/db", "tsql", False), ("clickhousedb://h/db", "clickhouse", False),
])
def test_dialect_and_embedded_come_from_the_adapter(url: str, dialect: str,
                                                    embedded: bool) -> None:
    assert dialect_for(url) == dialect == adapter_class(url).dialect_of(url.split(":")[0]
                                                                          .split("+")[0])
    assert is_embedded(url) is embedded


def test_unknown_or_dialectless_urls_get_a_clear_error() -> None:
    with pytest.raises(ConfigError, match="no engine adapter for URL scheme 'nosuch'"):
        adapter_class("nosuch://h/db")
    with pytest.raises(ConfigError, match="set `dialect` next to the url"):
        dialect_for("translate://")
    assert is_embedded("nosuch:///x") is False


def test_engine_names_are_unique_and_found() -> None:
    names = [cls.ENGINE for cls in adapter_classes() if cls.ENGINE]
    assert len(names) == len(set(names))
    assert engine_class("clickhouse") is adapter_class("chdb:///x")
    assert engine_class("oracle") is None


@pytest.mark.parametrize(("spec", "kind", "dialect"), [
    ("sqlite", "sqlite", "sqlite"), ("duckdb", "duckdb", "duckdb"),
    ("clickhouse", "clickhouse", "clickhouse"),
    ("postgresql://u:pw@h:1/db", "postgres", "postgres"), ("mariadb://u@h/db", "mysql", "mysql"),
])
def test_eval_engines_are_read_from_the_adapters(spec: str, kind: str, dialect: str) -> None:
    assert (engine_kind(spec), engine_dialect(spec)) == (kind, dialect)


@pytest.mark.parametrize("spec", ["spark", "oracle", "mssql://h/db", "sqlite:///x.db"])
def test_eval_engines_without_a_fresh_database_recipe_are_refused(spec: str) -> None:
    with pytest.raises(ConfigError, match="unknown engine"):
        engine_kind(spec)


def test_listing_the_adapters_imports_no_driver() -> None:
    code = ("import sys; from tools.db.registry import adapter_classes, dialect_for; "
            "adapter_classes(); dialect_for('postgresql://h/db'); "
            "print(sorted(m for m in ('psycopg', 'pymysql', 'pyspark', 'chdb', 'duckdb') "
            "if m in sys.modules))")
    root = Path(__file__).resolve().parents[2]
    out = subprocess.run([sys.executable, "-c", code], cwd=root, capture_output=True,
                         text=True, check=True).stdout
    assert out.strip() == "[]"


@pytest.mark.parametrize("engine", ["sqlite", "duckdb"])
def test_a_fresh_embedded_database_takes_setup_writes(engine: str, tmp_path: Path) -> None:
    from evals.engines import Session, provision
    from tools.db.registry import open_adapter

    endpoint = provision(engine, tmp_path, "source")
    assert endpoint.url.startswith(f"{engine}:///") and endpoint.dialect == engine
    session = Session(endpoint)
    try:
        session.execute('CREATE TABLE "odd name" (id INTEGER, "select" TEXT)')
        session.insert_rows("odd name", ["id", "select"], [(1, "a"), (2, None)])
        assert session.query('SELECT COUNT(*) FROM "odd name"') == [(2,)]
    finally:
        session.close()
    source = open_adapter(endpoint.url, "source")  # the migration then reads it, read-only
    try:
        assert source.read_arrow('SELECT "select" FROM "odd name" ORDER BY id').to_pylist() == [
            {"select": "a"}, {"select": None}]
    finally:
        source.close()


def test_an_engine_without_a_setup_connection_is_not_runnable(tmp_path: Path) -> None:
    from evals.engines import EngineNotRunnable, Session, provision

    endpoint = provision("clickhouse", tmp_path, "source")
    assert endpoint.url == f"chdb:///{tmp_path / 'source.chdb'}"
    with pytest.raises(EngineNotRunnable, match="no setup session for clickhouse"):
        Session(endpoint)
