"""LIKE and letter case.

SQLite's LIKE ignores the case of ASCII letters only ('a_b' LIKE 'A_B' is true, 'é' LIKE 'É'
is not); PostgreSQL, DuckDB and ClickHouse compare case-sensitively. Towards a case-sensitive
engine both sides are folded with TRANSLATE over A-Z, which folds exactly SQLite's letters
(LOWER or ILIKE would also fold 'É'). SQLite has no case-sensitive LIKE, but its GLOB is
case-sensitive: there a LIKE becomes GLOB (tools.semantics.like_glob). MySQL/MariaDB fold
by the column's collation: a utf8mb4_general_ci
column (from the source catalog) matches case- and accent-insensitively, but LIKE does not
ignore trailing spaces; it is folded with the collation's own fold (tools.semantics.
collations; towards SQLite its weight table, after which SQLite's ASCII folding adds
nothing). Towards MySQL the target's column collation would fold, so the match is made
under utf8mb4_bin (characters, not bytes: '_' still matches 'é'); SQLite's ASCII folding is
LOWER on both sides when the pattern is an ASCII literal (a non-ASCII subject character can
then only meet a wildcard, which matches it in any case).
"""

from __future__ import annotations

import string
from typing import ClassVar

from sqlglot import exp

from tools.errors import Unsupported
from tools.semantics import collations as coll
from tools.semantics.base import Family, SemanticsContext
from tools.semantics.explicit_collate import is_binary_collation
from tools.semantics.like_glob import like_as_glob

_ASCII = "ASCII letters fold"
_EXACT = "case-sensitive"
_COLLATION = "the collation decides"


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
        (_EXACT, _ASCII): "glob_on_sqlite",
        (_ASCII, _COLLATION): "ascii_fold_on_mysql",
        (_EXACT, _COLLATION): "exact_on_mysql",
        (_COLLATION, _EXACT): "fold_by_collation",
        (_COLLATION, _ASCII): "fold_by_collation_on_sqlite",
    }

    def nodes(self, tree: exp.Expr, ctx: SemanticsContext) -> list[exp.Expr]:
        return list(ctx.find(tree, exp.Like))

    def applies(self, node: exp.Expr, tree: exp.Expr, ctx: SemanticsContext) -> bool:
        pattern = node.expression
        if ctx.source == "mysql" and ctx.target != "sqlite":
            # an explicit `COLLATE utf8mb4_bin` already compares exactly (explicit_collate)
            if is_binary_collation(node.this) or is_binary_collation(pattern):
                return False
            return self._subject_label(node, tree, ctx) == coll.CI
        if ctx.target == "sqlite" and isinstance(pattern, exp.Literal):
            # a pattern without letters matches the same with or without folding
            return any(c.isalpha() for c in pattern.name)
        return True

    def glob_on_sqlite(self, node: exp.Expr, ctx: SemanticsContext) -> exp.Expr:
        return like_as_glob(node, ctx.source, ctx.target, self.why)  # type: ignore[arg-type]

    def fold_ascii(self, node: exp.Expr, ctx: SemanticsContext) -> exp.Expr:
        # in place, so a later family (like_escape) still finds this LIKE
        node.set("this", _fold(node.this))
        node.set("expression", _fold(node.expression))
        return node

    @staticmethod
    def _subject_label(node: exp.Expr, tree: exp.Expr, ctx: SemanticsContext) -> str | None:
        columns = getattr(ctx, "_like_labels", None)
        if columns is None:
            columns = ctx._like_labels = coll.column_labels(  # type: ignore[attr-defined]
                tree.root(), ctx.collations)
        return coll.of_column(node.this, columns) or coll.of_column(node.expression, columns)

    def fold_by_collation(self, node: exp.Expr, ctx: SemanticsContext) -> exp.Expr:
        # LIKE is not PAD SPACE: 'a ' LIKE 'a' is false even under a PAD SPACE collation
        node.set("this", coll.fold(node.this, coll.CI, ctx.target, padded=False))
        node.set("expression", coll.fold(node.expression, coll.CI, ctx.target, padded=False))
        return node

    def fold_by_collation_on_sqlite(self, node: exp.Expr, ctx: SemanticsContext) -> exp.Expr:
        # an explicit `COLLATE utf8mb4_bin` compares exactly: SQLite's exact LIKE is GLOB
        if is_binary_collation(node.this) or is_binary_collation(node.expression):
            return self.glob_on_sqlite(node, ctx)
        # both sides folded to upper-case weights: SQLite's ASCII-only folding then adds nothing
        if self._subject_label(node, node.root(), ctx) != coll.CI:
            raise Unsupported(f"{self.why} cannot be carried from {ctx.source} to {ctx.target}: "
                              f"SQLite has no case-sensitive LIKE for a column that is not "
                              f"*_general_ci (its LIKE folds ASCII letters)")
        return self.fold_by_collation(node, ctx)

    def exact_on_mysql(self, node: exp.Expr, ctx: SemanticsContext) -> exp.Expr:
        node.set("expression", exp.Collate(this=node.expression.copy(),
                                           expression=exp.Var(this="utf8mb4_bin")))
        return node

    def ascii_fold_on_mysql(self, node: exp.Expr, ctx: SemanticsContext) -> exp.Expr:
        pattern = node.expression
        if not (isinstance(pattern, exp.Literal) and pattern.is_string and pattern.name.isascii()):
            raise Unsupported(f"{self.why} cannot be carried from {ctx.source} to {ctx.target}: "
                              f"MySQL's LOWER folds more than SQLite's ASCII letters; only an "
                              f"ASCII pattern literal matches the same")
        node.set("this", exp.Lower(this=node.this.copy()))
        node.set("expression", exp.Collate(
            this=exp.Literal.string(pattern.name.translate(_LOWER_ASCII)),
            expression=exp.Var(this="utf8mb4_bin")))
        return node
