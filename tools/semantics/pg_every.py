"""every() (PostgreSQL source): the SQL standard's name for bool_and().

sqlglot keeps every(x) as written; DuckDB, MySQL/MariaDB, SQLite and ClickHouse have no
every(). It becomes sqlglot's own bool_and node, which sqlglot already writes per target
(BOOL_AND on DuckDB, MIN(x) on MySQL and SQLite, and so on): NULLs are skipped, and no rows
(or only NULLs) give NULL, as in PostgreSQL. The library's PostgreSQL reader
(format_codes.PostgresKeepingTemplates) already reads every() as bool_and, so that the other
families see an aggregate (grouped_columns would otherwise wrap its argument); this family
names the pair in the catalog and rewrites a call that reaches it unread.
"""

from __future__ import annotations

from typing import ClassVar

from sqlglot import exp

from tools.semantics.base import DIALECTS, Family, SemanticsContext
from tools.semantics.pg_calls import BUILT_IN, MISSING, calls, open_on


class Every(Family):
    name = "pg_every"
    why = "every() (PostgreSQL function counterparts)"
    BEHAVIOUR: ClassVar[dict[str, str]] = {d: MISSING for d in DIALECTS} | {"postgres": BUILT_IN}
    OVERRIDES: ClassVar[dict[tuple[str, str], str]] = open_on(
        "clickhouse", why="sqlglot writes bool_and as LOGICAL_AND, which ClickHouse lacks")
    SOURCES = ("postgres",)
    REWRITES: ClassVar[dict[tuple[str, str], str]] = {(BUILT_IN, MISSING): "as_bool_and"}

    def nodes(self, tree: exp.Expr, ctx: SemanticsContext) -> list[exp.Expr]:
        return [n for n in calls(tree, ctx, "every") if len(n.expressions) == 1]

    def as_bool_and(self, node: exp.Expr, ctx: SemanticsContext) -> exp.Expr:
        return exp.LogicalAnd(this=node.expressions[0].copy())
