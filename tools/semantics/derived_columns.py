"""Derived-table column lists: `FROM (SELECT a, COUNT(b) ...) AS t (k, n)` (TPC-H q13).

PostgreSQL, DuckDB and ClickHouse rename a subquery's columns in its alias; SQLite has no such
list (sqlglot refuses to write it) and MariaDB rejects it. The same query names the columns
inside the subquery instead, by position: `SELECT a AS k, COUNT(b) AS n`. Done up front, so
the statement compiles on the first attempt (the fixer's rule derived_columns does the same
after a compile error, for SQL that reaches it some other way).
"""

from __future__ import annotations

from typing import ClassVar

from sqlglot import exp

from tools.errors import Unsupported
from tools.rules.derived_columns import move_alias_list
from tools.semantics.base import Family, SemanticsContext

_LIST = "column list in the alias"
_NO_LIST = "no column list"


class DerivedColumns(Family):
    name = "derived_columns"
    why = "a derived table's column list (AS t (a, b))"
    BEHAVIOUR: ClassVar[dict[str, str]] = {
        "postgres": _LIST, "duckdb": _LIST, "clickhouse": _LIST,
        "sqlite": _NO_LIST, "mysql": _NO_LIST,
    }
    REWRITES: ClassVar[dict[tuple[str, str], str]] = {
        (_LIST, _NO_LIST): "names_into_select",
        (_NO_LIST, _LIST): "same",
    }

    def nodes(self, tree: exp.Expr, ctx: SemanticsContext) -> list[exp.Expr]:
        return [n for n in ctx.find(tree, exp.Subquery)
                if n.args.get("alias") is not None and n.args["alias"].args.get("columns")]

    def names_into_select(self, node: exp.Expr, ctx: SemanticsContext) -> exp.Expr:
        if not move_alias_list(node):  # type: ignore[arg-type]
            raise Unsupported(f"{self.why} cannot be carried from {ctx.source} to "
                              f"{ctx.target}: the list renames a SELECT * or a set operation; "
                              f"name the columns inside the subquery")
        return node
