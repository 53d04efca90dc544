"""tools.semantics.tree_walk visits exactly what sqlglot's walk visits, in the same order: the
families rewrite nodes in walk order, so a different order could change the SQL written. Its
copy is sqlglot's deep copy, and SemanticsContext.owned each SELECT's own nodes."""

from __future__ import annotations

import pytest
import sqlglot
from sqlglot import exp

from tools.semantics import tree_walk
from tools.semantics.base import SemanticsContext

STATEMENTS = [
    # CTE, join, nested scalar subquery, IN subquery, window, GROUP BY / HAVING / ORDER BY
    """WITH totals AS (SELECT c.id, SUM(o.qty) AS n FROM customers AS c
                         JOIN orders AS o ON o.customer_id = c.id GROUP BY c.id)
       SELECT t.id, t.n, (SELECT MAX(x.n) FROM totals AS x WHERE x.id <> t.id) AS other,
              ROW_NUMBER() OVER (PARTITION BY t.id ORDER BY t.n DESC) AS r
       FROM totals AS t
       WHERE t.id IN (SELECT id FROM customers WHERE name LIKE 'A%') AND t.n BETWEEN 1 AND 9
       GROUP BY t.id, t.n HAVING COUNT(*) > 1 ORDER BY t.n, 1""",
    # a union whose ORDER BY belongs to no SELECT, a derived table, CASE and IN lists
    """SELECT a FROM (SELECT a, b FROM t1 WHERE b IN (1, 2, 3)) AS d
       UNION ALL SELECT CASE WHEN a = 'x' THEN 1 ELSE 2 END FROM t2 ORDER BY a""",
]


def _trees() -> list[exp.Expr]:
    return [sqlglot.parse_one(sql, read="duckdb") for sql in STATEMENTS]


@pytest.mark.parametrize("tree", _trees())
def test_nodes_in_sqlglot_walk_order(tree: exp.Expr) -> None:
    assert [id(n) for n in tree_walk.nodes(tree)] == [id(n) for n in tree.walk()]


@pytest.mark.parametrize("tree", _trees())
def test_find_all_in_sqlglot_order(tree: exp.Expr) -> None:
    for types in ((exp.Table,), (exp.Column,), (exp.EQ, exp.In, exp.Select)):
        assert [id(n) for n in tree_walk.find_all(tree, *types)] == \
            [id(n) for n in tree.find_all(*types)]


@pytest.mark.parametrize("tree", _trees())
def test_own_nodes_are_the_pruned_walk_without_nested_selects(tree: exp.Expr) -> None:
    selects = list(tree.find_all(exp.Select))
    assert len(selects) >= 3
    for select in selects:
        pruned = [n for n in select.walk(prune=lambda n, s=select: n is not s
                                         and isinstance(n, exp.Select))
                  if n is select or not isinstance(n, exp.Select)]
        own = tree_walk.own_nodes(select)
        assert [id(n) for n in own] == [id(n) for n in pruned]
        # every own node but the SELECT itself has it as its nearest SELECT
        assert all(n.find_ancestor(exp.Select) is select for n in own[1:])


def _same_copy(original: exp.Expr, copied: exp.Expr) -> None:
    """`copied` holds new nodes equal to `original`'s, each linked to its new parent alike."""
    assert copied is not original and type(copied) is type(original)
    assert (copied.comments, copied._meta, copied.arg_key, copied.index) == \
        (original.comments, original._meta, original.arg_key, original.index)
    assert copied._meta is None or copied._meta is not original._meta
    assert list(copied.args) == list(original.args)
    for key, value in original.args.items():
        twin = copied.args[key]
        pairs = list(zip(value, twin, strict=True)) if isinstance(value, list) \
            else [(value, twin)]
        for item, copy in pairs:
            if isinstance(item, exp.Expr):
                assert copy.parent is copied
                _same_copy(item, copy)
            else:
                assert copy == item


@pytest.mark.parametrize("tree", _trees())
def test_copy_equals_sqlglots_deep_copy(tree: exp.Expr) -> None:
    for node in tree_walk.nodes(tree):
        copied = tree_walk.copy(node)
        assert copied.parent is None and copied.arg_key is None and copied.index is None
        _same_copy(node.copy(), copied)
        assert copied == node and copied.sql("mysql") == node.sql("mysql")
    # a copy is its own tree: changing it leaves the original as it was
    before = tree.sql()
    copied = tree_walk.copy(tree)
    for column in list(copied.find_all(exp.Column)):
        column.replace(exp.column("changed"))
    assert tree.sql() == before and copied.sql() != before


@pytest.mark.parametrize("tree", _trees())
def test_owned_is_each_selects_own_nodes_in_walk_order(tree: exp.Expr) -> None:
    ctx = SemanticsContext("duckdb", "mysql")
    kinds = (exp.EQ, exp.In, exp.Column, exp.Table, exp.Ordered)
    owned = ctx.owned(tree, *kinds)
    for select in tree.find_all(exp.Select):
        own = [n for n in tree_walk.own_nodes(select) if isinstance(n, kinds)]
        assert [id(n) for n in owned.get(id(select), [])] == [id(n) for n in own]
