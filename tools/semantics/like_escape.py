"""LIKE's escape character when the statement names none.

PostgreSQL, MySQL/MariaDB and ClickHouse read a backslash in a LIKE pattern as the escape
('A\\_B' matches only 'A_B'); SQLite and DuckDB have no default escape, so the same pattern
looks for a backslash. Towards SQLite/DuckDB the rewrite names the escape (ESCAPE '\\');
from them, a pattern's backslashes are doubled so they stay literal characters.
"""

from __future__ import annotations

from typing import ClassVar

from sqlglot import exp

from tools.semantics.base import Family, SemanticsContext

_BACKSLASH = "backslash escapes by default"
_NONE = "no default escape"
_LIKES = (exp.Like, exp.ILike)


class LikeEscape(Family):
    name = "like_escape"
    why = "LIKE/ILIKE patterns with a backslash and no ESCAPE clause"
    BEHAVIOUR: ClassVar[dict[str, str]] = {
        "postgres": _BACKSLASH, "mysql": _BACKSLASH, "clickhouse": _BACKSLASH,
        "sqlite": _NONE, "duckdb": _NONE,
    }
    REWRITES: ClassVar[dict[tuple[str, str], str]] = {
        (_BACKSLASH, _NONE): "name_escape",
        (_NONE, _BACKSLASH): "double_backslashes",
    }

    def nodes(self, tree: exp.Expr, ctx: SemanticsContext) -> list[exp.Expr]:
        return [n for n in tree.find_all(*_LIKES) if not isinstance(n.parent, exp.Escape)]

    def applies(self, node: exp.Expr, tree: exp.Expr, ctx: SemanticsContext) -> bool:
        pattern = node.expression
        # a pattern with no backslash means the same everywhere; a computed one may hold one
        return not (isinstance(pattern, exp.Literal) and "\\" not in pattern.name)

    def name_escape(self, node: exp.Expr, ctx: SemanticsContext) -> exp.Expr:
        return exp.Escape(this=node.copy(), expression=exp.Literal.string("\\"))

    def double_backslashes(self, node: exp.Expr, ctx: SemanticsContext) -> exp.Expr:
        pattern = node.expression
        doubled: exp.Expr
        if isinstance(pattern, exp.Literal):
            doubled = exp.Literal.string(pattern.name.replace("\\", "\\\\"))
        else:
            doubled = exp.Anonymous(this="REPLACE", expressions=[
                pattern.copy(), exp.Literal.string("\\"), exp.Literal.string("\\\\")])
        out = node.copy()  # keeps NOT (negate) and the other arguments
        out.set("expression", doubled)
        return out
