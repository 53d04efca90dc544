"""The PostgreSQL scan recipe (tools/db/postgres_scan.py) as text: the password only inside the
DuckDB secret, the source session's guarantees in libpq options, quoting that holds."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from tools.db import postgres_scan

ARGS = {"host": "db.example", "port": 5433, "user": "app", "password": "s3cr'et-pass",
        "dbname": "prod", "connect_timeout": "10", "application_name": "cutover-source"}


def test_the_password_is_only_in_the_secret() -> None:
    recipe = postgres_scan.recipe(ARGS, "SELECT 1 AS one", "cutover_scan_s_raw", 60)
    secret = [s for s in recipe.setup if "SECRET cutover_scan_s_raw (" in s]
    assert len(secret) == 1 and "PASSWORD 's3cr''et-pass'" in secret[0]
    elsewhere = [*recipe.setup, recipe.relation, *recipe.teardown, recipe.via]
    elsewhere.remove(secret[0])
    assert not any("s3cr" in text for text in elsewhere)
    assert "DROP SECRET IF EXISTS cutover_scan_s_raw" in recipe.teardown


def test_the_scan_session_is_read_only_utc_with_the_timeout() -> None:
    recipe = postgres_scan.recipe({**ARGS, "options": "-c search_path=app"}, "SELECT 1",
                                  "a", 12.5)
    attach = next(s for s in recipe.setup if s.startswith("ATTACH"))
    assert "READ_ONLY" in attach
    for setting in ("-c search_path=app", "default_transaction_read_only=on",
                    "TimeZone=UTC", "statement_timeout=12500"):
        assert setting in attach
    assert "application_name=''cutover-source''" in attach


def test_the_query_is_quoted_and_a_trailing_comment_cannot_eat_the_wrapper() -> None:
    recipe = postgres_scan.recipe(ARGS, "SELECT 'it''s' AS s -- note;", "a", 60)
    assert recipe.relation == "postgres_query('a', '\nSELECT ''it''''s'' AS s -- note\n')"


@pytest.mark.parametrize(("oid", "precision", "scannable"), [
    (20, None, True), (25, None, True), (1184, None, True), (1700, 12, True),
    (1700, None, False),  # unconstrained numeric: the scanner would make it DOUBLE
    (1700, 50, False), (3802, None, False), (2950, None, False), (1042, None, False),
])
def test_only_columns_typed_like_the_arrow_path_are_scanned(oid: int, precision: int | None,
                                                             scannable: bool) -> None:
    column = SimpleNamespace(type_code=oid, precision=precision)
    assert postgres_scan.scannable([column]) is scannable
    assert postgres_scan.scannable([]) is False


def test_a_missing_scanner_wheel_is_a_clear_config_error(monkeypatch: pytest.MonkeyPatch) -> None:
    """The adapter turns this into 'no recipe' (the Arrow path), naming the package to install."""
    import importlib.util

    from tools.errors import ConfigError

    real = importlib.util.find_spec
    monkeypatch.setattr(importlib.util, "find_spec",
                        lambda name, *a: None if "postgres_scanner" in name else real(name, *a))
    with pytest.raises(ConfigError, match="duckdb-extension-postgres-scanner"):
        postgres_scan.recipe(ARGS, "SELECT 1", "a", 60)
