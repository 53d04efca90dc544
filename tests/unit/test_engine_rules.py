"""The rules added for the ClickHouse, MariaDB and Spark targets: what each rewrites, and
what each leaves alone (pure sqlglot; the TPC-H pairs prove them on the engines)."""

from __future__ import annotations

import pytest

from tools.rules.base import RuleContext
from tools.rules.catalog import apply_rule, candidates, get

LINEITEM = {"lineitem": {"l_quantity": "decimal(15,2)", "l_discount": "decimal(15,2)",
                         "l_price": "float", "l_partkey": "int"}}


def ctx(source: str, target: str, causes: frozenset[str] = frozenset(),
        error: str | None = None) -> RuleContext:
    return RuleContext(source, target, LINEITEM, "", causes, error)


Q13 = ("SELECT c_count, COUNT(*) AS custdist FROM (SELECT c_custkey, COUNT(o_orderkey) "
       "FROM customer LEFT OUTER JOIN orders ON c_custkey = o_custkey GROUP BY c_custkey) "
       "AS c_orders(c_custkey, c_count) GROUP BY c_count")


def test_join_use_nulls_for_outer_joins_on_clickhouse() -> None:
    rule = get("outer_joins.clickhouse_join_use_nulls")
    sql = Q13.replace("(c_custkey, c_count)", "").replace("COUNT(o_orderkey)",
                                                          "COUNT(o_orderkey) AS c_count")
    out = apply_rule(rule, sql, ctx("postgres", "clickhouse", frozenset({"missing_rows"})))
    assert out is not None and out.endswith("SETTINGS join_use_nulls = 1")
    assert apply_rule(rule, out, ctx("postgres", "clickhouse")) is None  # already set
    inner = "SELECT a FROM x JOIN y ON x.k = y.k"
    assert apply_rule(rule, inner, ctx("postgres", "clickhouse")) is None  # no outer join
    assert rule in candidates(ctx("duckdb", "clickhouse", frozenset({"extra_rows"})), set())
    assert rule not in candidates(ctx("duckdb", "postgres", frozenset({"extra_rows"})), set())


def test_derived_column_list_moves_into_the_select() -> None:
    rule = get("derived_columns.alias_list_into_select")
    error = ("You have an error in your SQL syntax; check the manual that corresponds to your "
             "MariaDB server version for the right syntax to use near '(c_custkey, c_count) "
             "GROUP BY c_count' at line 1")
    assert candidates(ctx("postgres", "mysql", error=error), set()) == [rule]
    out = apply_rule(rule, Q13, ctx("postgres", "mysql", error=error))
    assert out is not None
    assert "AS `c_count`" in out and "c_orders(" not in out and "AS c_orders GROUP" in out
    star = "SELECT n FROM (SELECT * FROM t) AS s(n)"
    assert apply_rule(rule, star, ctx("postgres", "mysql", error=error)) is None


@pytest.mark.parametrize(("sql", "expected"), [
    ("SELECT AVG(l_quantity) AS a FROM lineitem",
     "SELECT AVG(CAST(l_quantity AS DOUBLE)) AS a FROM lineitem"),
    ("SELECT SUM(l_quantity) / SUM(l_discount) AS r FROM lineitem",
     "SELECT CAST(SUM(l_quantity) AS DOUBLE) / SUM(l_discount) AS r FROM lineitem"),
    ("SELECT AVG(l_partkey) AS a, AVG(l_price) AS b FROM lineitem", None),  # no DECIMAL
    ("SELECT SUM(l_quantity) / COUNT(*) AS r FROM lineitem",  # DOUBLE in DuckDB too
     "SELECT CAST(SUM(l_quantity) AS DOUBLE) / COUNT(*) AS r FROM lineitem"),
    ("SELECT l_partkey / 2 AS r FROM lineitem", None),  # no DECIMAL: not this rule's case
])
def test_decimal_avg_and_division_compute_in_double(sql: str, expected: str | None) -> None:
    rule = get("double_source.decimal_avg_div_as_double")
    assert apply_rule(rule, sql, ctx("duckdb", "spark", frozenset({"rounding"}))) == expected
    assert not rule.covers("postgres", "spark")  # PostgreSQL's AVG is a DECIMAL too
