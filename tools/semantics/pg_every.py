"""every() (PostgreSQL source): the SQL standard's name for bool_and().

sqlglot keeps every(x) as written; DuckDB, MySQL/MariaDB, SQLite and ClickHouse have no
every(). It becomes sqlglot's own bool_and node, which sqlglot already writes per target
(BOOL_AND on DuckDB, MIN(x) on MySQL and SQLite, and so on): NULLs are skipped, and no rows
(or only NULLs) give NULL, as in PostgreSQL. The library's PostgreSQL reader
(format_codes.PostgresKeepingTemplates) already reads every() as bool_and, so that the other
families see an aggregate (grouped_columns would otherwise wrap its argument); this family
names the pair in the catalog and rewrites a call that reaches it unread.

ClickHouse has neither every() nor bool_and (sqlglot writes LOGICAL_AND, which it lacks):
there the aggregate, read or unread, becomes min(toNullable(x)). min skips NULLs as
PostgreSQL does, a false (0) is below a true (1), and toNullable makes no rows or only NULLs
give NULL rather than ClickHouse's default 0.
"""

from __future__ import annotations

from typing import ClassVar

from sqlglot import exp

from tools.semantics.base import DIALECTS, Family, SemanticsContext
from tools.semantics.pg_calls import BUILT_IN, MISSING, calls

_NO_BOOL_AND = "no every() nor bool_and()"


class Every(Family):
    name = "pg_every"
    why = "every() (PostgreSQL function counterparts)"
    BEHAVIOUR: ClassVar[dict[str, str]] = {d: MISSING for d in DIALECTS} | {
        "postgres": BUILT_IN, "clickhouse": _NO_BOOL_AND}
    SOURCES = ("postgres",)
    REWRITES: ClassVar[dict[tuple[str, str], str]] = {
        (BUILT_IN, MISSING): "as_bool_and", (BUILT_IN, _NO_BOOL_AND): "nullable_min"}

    def nodes(self, tree: exp.Expr, ctx: SemanticsContext) -> list[exp.Expr]:
        unread: list[exp.Expr] = [n for n in calls(tree, ctx, "every")
                                  if len(n.expressions) == 1]
        if ctx.target == "clickhouse":  # every() read as bool_and, and bool_and itself
            return unread + list(ctx.find(tree, exp.LogicalAnd))
        return unread

    def as_bool_and(self, node: exp.Expr, ctx: SemanticsContext) -> exp.Expr:
        return exp.LogicalAnd(this=node.expressions[0].copy())

    def nullable_min(self, node: exp.Expr, ctx: SemanticsContext) -> exp.Expr:
        argument = node.this if isinstance(node, exp.LogicalAnd) else node.expressions[0]
        return exp.Min(this=exp.Anonymous(this="toNullable", expressions=[argument.copy()]))
