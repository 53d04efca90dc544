"""An explicit binary COLLATE on MySQL/MariaDB: `x LIKE 'a%' COLLATE utf8mb4_bin`.

MySQL users write it to compare exactly where the column's collation would fold case and
accents. The collation name means nothing elsewhere (DuckDB: "Collation with name utf8mb4_bin
does not exist"). A *_bin (or binary) collation compares by code point, which is what SQLite,
DuckDB and ClickHouse do by default: the clause is dropped there; PostgreSQL's database
collation may order by locale, so it becomes COLLATE "C". The families that fold by the
column's collation read the explicit one instead: LIKE then compares exactly, and =, <, IN,
ORDER BY compare bytes with trailing spaces ignored (MariaDB's *_bin are PAD SPACE), since a
MARK on the rewritten node survives this family running first. Any other
named collation has no faithful rewrite here.
"""

from __future__ import annotations

from typing import ClassVar

from sqlglot import exp

from tools.errors import Unsupported
from tools.semantics import collations as coll
from tools.semantics.base import Family, SemanticsContext

_NAMED = "collations named as MySQL names them"
_CODE_POINT = "code-point order by default"
_LOCALE = "the database's locale; COLLATE \"C\" for code points"


#: set on what replaces a binary COLLATE, so the folding families still see it was there
MARK = "mysql_binary_collation"


def binary_collation(node: exp.Expr | None) -> str | None:
    """How `... COLLATE <a MySQL binary collation>` compares (collations.PAD for *_bin, which
    ignore trailing spaces in MariaDB; BYTES for binary and *_nopad_bin), else None."""
    if node is None:
        return None
    marks = getattr(node, "_meta", None)  # not .meta: that allocates a dict on every node
    if marks and MARK in marks:
        return marks[MARK]
    if not isinstance(node, exp.Collate):
        return None
    name = node.expression.name.lower().strip("`'\"")
    if name == "binary" or name.endswith("_nopad_bin"):
        return coll.BYTES
    return coll.PAD if name.endswith("_bin") else None


def is_binary_collation(node: exp.Expr | None) -> bool:
    return binary_collation(node) is not None


class ExplicitCollate(Family):
    name = "explicit_collate"
    why = "an explicit COLLATE clause"
    BEHAVIOUR: ClassVar[dict[str, str]] = {
        "mysql": _NAMED, "sqlite": _CODE_POINT, "duckdb": _CODE_POINT,
        "clickhouse": _CODE_POINT, "postgres": _LOCALE,
    }
    REWRITES: ClassVar[dict[tuple[str, str], str]] = {
        (_NAMED, _CODE_POINT): "binary_as_default",
        (_NAMED, _LOCALE): "binary_as_c",
        # other sources' COLLATE clauses name their own collations; sqlglot carries those
        **{(s, t): "same" for s in (_CODE_POINT, _LOCALE)
           for t in (_NAMED, _CODE_POINT, _LOCALE) if s != t},
    }

    def nodes(self, tree: exp.Expr, ctx: SemanticsContext) -> list[exp.Expr]:
        return list(ctx.find(tree, exp.Collate))

    def _binary(self, node: exp.Expr, ctx: SemanticsContext) -> None:
        if not is_binary_collation(node):
            raise Unsupported(f"{self.why} cannot be carried from {ctx.source} to {ctx.target}: "
                              f"only a binary collation (*_bin) has a faithful equivalent "
                              f"({node.expression.name} does not)")

    def binary_as_default(self, node: exp.Expr, ctx: SemanticsContext) -> exp.Expr:
        self._binary(node, ctx)
        out = node.this.copy()
        out.meta[MARK] = binary_collation(node)
        return out

    def binary_as_c(self, node: exp.Expr, ctx: SemanticsContext) -> exp.Expr:
        self._binary(node, ctx)
        out = exp.Collate(this=node.this.copy(), expression=exp.Identifier(this="C",
                                                                         quoted=True))
        out.meta[MARK] = binary_collation(node)
        return out
