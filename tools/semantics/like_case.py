"""LIKE and letter case.

SQLite's LIKE ignores the case of ASCII letters only ('a_b' LIKE 'A_B' is true, 'é' LIKE 'É'
is not); PostgreSQL, DuckDB and ClickHouse compare case-sensitively. Towards a case-sensitive
engine both sides are folded with TRANSLATE over A-Z, which folds exactly SQLite's letters
(LOWER or ILIKE would also fold 'É'). SQLite has no case-sensitive LIKE, so a pattern with a
letter cannot go there. MySQL/MariaDB fold by the column's collation (accents too under
utf8mb4_general_ci): that belongs to the collation family, which is not written yet.
"""

from __future__ import annotations

import string
from typing import ClassVar

from sqlglot import exp

from tools.semantics.base import OPEN, Family, SemanticsContext

_ASCII = "ASCII letters fold"
_EXACT = "case-sensitive"
_COLLATION = "the collation decides"
_NO_MYSQL = OPEN + "MySQL/MariaDB LIKE folds by collation (the collation family)"


_LOWER_ASCII = str.maketrans(string.ascii_uppercase, string.ascii_lowercase)


def _fold(node: exp.Expr) -> exp.Expr:
    if isinstance(node, exp.Literal) and node.is_string:
        return exp.Literal.string(node.name.translate(_LOWER_ASCII))
    # lower case: ClickHouse function names are case-sensitive
    return exp.Anonymous(this="translate", expressions=[
        node.copy(), exp.Literal.string(string.ascii_uppercase),
        exp.Literal.string(string.ascii_lowercase)])


class LikeCase(Family):
    name = "like_case"
    why = "LIKE and letter case"
    BEHAVIOUR: ClassVar[dict[str, str]] = {
        "sqlite": _ASCII, "postgres": _EXACT, "duckdb": _EXACT, "clickhouse": _EXACT,
        "mysql": _COLLATION,
    }
    REWRITES: ClassVar[dict[tuple[str, str], str]] = {
        (_ASCII, _EXACT): "fold_ascii",
        (_EXACT, _ASCII): "unsupported: SQLite has no case-sensitive LIKE for a pattern "
                          "with letters",
    } | {(b, _COLLATION): _NO_MYSQL for b in (_ASCII, _EXACT)} | {
        (_COLLATION, b): _NO_MYSQL for b in (_ASCII, _EXACT)}

    def nodes(self, tree: exp.Expr, ctx: SemanticsContext) -> list[exp.Expr]:
        return list(ctx.find(tree, exp.Like))

    def applies(self, node: exp.Expr, tree: exp.Expr, ctx: SemanticsContext) -> bool:
        pattern = node.expression
        if ctx.target == "sqlite" and isinstance(pattern, exp.Literal):
            # a pattern without letters matches the same with or without folding
            return any(c.isalpha() for c in pattern.name)
        return True

    def fold_ascii(self, node: exp.Expr, ctx: SemanticsContext) -> exp.Expr:
        # in place, so a later family (like_escape) still finds this LIKE
        node.set("this", _fold(node.this))
        node.set("expression", _fold(node.expression))
        return node
