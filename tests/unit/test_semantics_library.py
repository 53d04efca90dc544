"""The semantics library as data: its catalog page is current, every rewrite has a grid case
that proves it, and the translator applies it (or refuses with a reason) up front."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.support import semantics_grid as grid
from tests.support.projects import make_project
from tools.errors import Unsupported
from tools.semantics import FAMILIES, pair_table
from tools.semantics.base import OPEN, SAME, UNSUPPORTED
from tools.semantics.catalog import render
from tools.sql import transpile

DOC = Path(__file__).resolve().parents[2] / "docs" / "semantics.md"


def test_catalog_page_is_generated_from_the_library() -> None:
    assert DOC.read_text(encoding="utf-8") == render(), (
        "docs/semantics.md is stale: run python -m tools.semantics.catalog > docs/semantics.md")


def test_every_rewrite_has_a_grid_case_on_its_pair() -> None:
    proven = {(c.family, c.source, t) for c in grid.load_cases() for t in c.targets}
    missing = [(family, source, target)
               for family, pairs in pair_table().items()
               for (source, target), entry in pairs.items()
               if entry != SAME and not entry.startswith((UNSUPPORTED, OPEN))
               and (family, source, target) not in proven]
    assert not missing, f"rewrites without a grid proof: {missing}"


def test_every_family_names_a_behaviour_for_every_dialect() -> None:
    for family in FAMILIES:
        for entry in family.pairs().values():
            assert entry == SAME or entry.startswith((UNSUPPORTED, OPEN)) or callable(
                getattr(family, entry)), (family.name, entry)


def test_translator_rewrites_up_front_using_source_types() -> None:
    schema = {"t": {"a": "int", "b": "int", "x": "float", "y": "decimal(10,2)"}}
    sql = transpile("SELECT a / b, x / b, round(x), round(y) FROM t", "postgres", "duckdb",
                    "q", schema)
    assert "a // NULLIF(b, 0)" in sql          # int / int truncates in PostgreSQL
    assert "x / b" in sql                      # a float division stays one
    assert sql.count("TRUNC(x)") >= 1          # round(double) is half-even in PostgreSQL
    assert "ROUND(y)" in sql                   # a decimal rounds half away on both


def test_plain_sqlglot_when_the_library_is_off() -> None:
    sql = transpile("SELECT substr(s, 0, 2) FROM t", "postgres", "mysql", "q", semantics=False)
    assert sql == "SELECT SUBSTRING(s, 0, 2) FROM t"


def test_no_faithful_rewrite_gives_a_verdict_with_the_reason() -> None:
    # a computed pattern with PostgreSQL's backslash escapes has no GLOB spelling
    with pytest.raises(Unsupported, match=r"q: .*cannot be carried from postgres to sqlite: "
                                          r"SQLite has no case-sensitive LIKE"):
        transpile("SELECT s LIKE p FROM t", "postgres", "sqlite", "q")
    # a literal one is GLOB (tests/fixtures/semantics/like_glob.yaml proves it)
    assert "GLOB 'Ab*'" in transpile("SELECT s LIKE 'Ab%' FROM t", "postgres", "sqlite", "q")
    # the same pair without a letter in the pattern means the same on SQLite
    assert "LIKE '%5'" in transpile("SELECT s LIKE '%5' FROM t", "postgres", "sqlite", "q")


def test_a_run_gets_integer_division_right_on_the_first_attempt(tmp_path, run_project) -> None:
    project = make_project(tmp_path / "p", {"sql/basket.sql": """
        CREATE VIEW basket AS
          SELECT customer_id, SUM(qty) / COUNT(*) AS avg_qty FROM orders GROUP BY customer_id;
    """})
    outcome = run_project(project)
    basket = next(o for o in outcome.report["objects"] if o["name"] == "basket")
    assert basket["verdict"] == "parity"
    assert basket["attempts"] == 1 and not basket["needed_fixer"]


def test_duckdb_glob_of_one_byte_towards_sqlite_is_unsupported_with_the_reason() -> None:
    # DuckDB's '?' is one byte of 'é', SQLite's one character: no SQLite spelling says "byte"
    with pytest.raises(Unsupported, match=r"q: .*cannot be carried from duckdb to sqlite: "
                                          r"DuckDB's '\?' and '\[\.\.\.\]' match one byte"):
        transpile("SELECT s GLOB 'a?' FROM t", "duckdb", "sqlite", "q")
    # literal text and '*' mean the same in bytes and characters (glob.yaml proves it)
    assert "GLOB 'a[*]b*'" in transpile(r"SELECT s GLOB 'a\*b*' FROM t", "duckdb", "sqlite",
                                        "q")


def test_sqlite_decimal_quotient_of_an_aggregate_is_unsupported_with_the_reason() -> None:
    # SUM(d) is an INTEGER in SQLite only when every stored d is whole: no per-row test says so
    schema = {"t": {"d": "decimal(12,2)", "g": "int"}}
    with pytest.raises(Unsupported, match=r"q: .*cannot be carried from sqlite to postgres: "
                                          r"SQLite divides as integers .* not of SUM\(d\)"):
        transpile("SELECT SUM(d) / COUNT(*) FROM t GROUP BY g", "sqlite", "postgres", "q",
                  schema)
    # a column's quotient is told row by row (decimal_scale.yaml proves it on both engines)
    assert "WHEN d = TRUNC(d) THEN" in transpile("SELECT d / 3 FROM t", "sqlite", "duckdb",
                                                 "q", schema)


@pytest.mark.parametrize("sql", [
    "SELECT a.g, string_agg(s, ',' ORDER BY k) FROM t AS a JOIN u ON a.k = u.k GROUP BY a.g",
    "SELECT g, string_agg(s, ',' ORDER BY k) FROM t GROUP BY ROLLUP (g)",
    "SELECT g AS h, string_agg(s, ',' ORDER BY k) FROM t GROUP BY h",
])
def test_an_ordered_string_agg_sqlite_cannot_window_is_unsupported_with_the_reason(
        sql: str) -> None:
    # SQLite < 3.44 orders group_concat only as a window over one table's plain groups
    with pytest.raises(Unsupported, match="cannot be carried from postgres to sqlite"):
        transpile(sql, "postgres", "sqlite", "q")


def test_a_remembered_simplify_writes_the_same_sql() -> None:
    # substring keeps sqlglot's simplify of a start/length tree it met (milliseconds a call):
    # a hit must write what the first, computed, translation wrote, however often it is used
    from tools.semantics import substring

    sql = "SELECT substr(s, 0, 2) AS a, substr(s, -3, 2) AS b, substr(s, 0, 2) AS c FROM t"
    substring.SIMPLIFIED.clear()
    first = transpile(sql, "duckdb", "mysql", "q")
    assert substring.SIMPLIFIED, "the literal starts were simplified and remembered"
    kept = dict(substring.SIMPLIFIED)
    again = [transpile(sql, "duckdb", "mysql", "q") for _ in range(2)]
    assert again == [first, first]
    assert {k: v.sql() for k, v in substring.SIMPLIFIED.items()} == \
        {k: v.sql() for k, v in kept.items()}, "a hit must not change the remembered tree"
    substring.SIMPLIFIED.clear()
    assert transpile(sql, "duckdb", "mysql", "q") == first
