"""PostgreSQL char(n): trailing blanks are insignificant.

A char(6) column holds 'AB    ' (the loader copies it so), but PostgreSQL strips the padding
wherever the value is used as text: length(code) is 2, code || '-' is 'AB-', code = 'AB '
and code = 'AB' are both true; LIKE, ~, concat() and octet_length() see the blanks (code
LIKE '%B' is false). No other engine pads on read and strips on use (DuckDB and ClickHouse
have no padded type, MySQL strips CHAR on read, and the copied values are VARCHARs
everywhere), so every other use of such a column than showing, grouping or ordering by it is
wrapped in RTRIM on the target, and a string literal it is compared with loses its trailing
blanks. Labels come from the source catalog's declared type.
"""

from __future__ import annotations

from typing import ClassVar

from sqlglot import exp

from tools.semantics import collations as coll
from tools.semantics.base import Family, SemanticsContext

_STRIPS = "char(n) strips its padding when used"
_NO_PAD = "no padded character type"
_COMPARISONS = (exp.EQ, exp.NEQ, exp.GT, exp.GTE, exp.LT, exp.LTE, exp.In, exp.Between)


def _shown(node: exp.Expr) -> bool:
    """The column is an output value, a grouping key or an ordering key as it stands."""
    parent = node.parent
    if isinstance(parent, exp.Alias):
        node, parent = parent, parent.parent
    if isinstance(parent, exp.Select) and node.arg_key == "expressions":
        return True
    # the padded value is what LIKE, ~, concat() and octet_length() see in PostgreSQL:
    # 'AB    '::char(6) LIKE '%B' is false, concat(code, '|') is 'AB    |'
    if isinstance(parent, exp.Anonymous) and parent.name.lower() == "octet_length":
        return True
    return isinstance(parent, (exp.Group, exp.Ordered, exp.Distinct, exp.Like, exp.ILike,
                               exp.RegexpLike, exp.RegexpILike, exp.Concat))


class CharPadding(Family):
    name = "char_padding"
    why = "char(n) values used as text: PostgreSQL ignores their trailing blanks"
    BEHAVIOUR: ClassVar[dict[str, str]] = {
        "postgres": _STRIPS, "duckdb": _NO_PAD, "sqlite": _NO_PAD, "mysql": _NO_PAD,
        "clickhouse": _NO_PAD,
    }
    REWRITES: ClassVar[dict[tuple[str, str], str]] = {(_STRIPS, _NO_PAD): "strip_padding"}
    SOURCES = ("postgres",)

    def nodes(self, tree: exp.Expr, ctx: SemanticsContext) -> list[exp.Expr]:
        if not ctx.collations:
            return []
        columns = coll.column_labels(tree.root(), ctx.collations)
        return [c for c in ctx.find(tree, exp.Column)
                if coll.of_column(c, columns) == coll.BPCHAR]

    def applies(self, node: exp.Expr, tree: exp.Expr, ctx: SemanticsContext) -> bool:
        return not _shown(node)

    def strip_padding(self, node: exp.Expr, ctx: SemanticsContext) -> exp.Expr:
        comparison = node.parent
        if isinstance(comparison, _COMPARISONS):
            # the other side is compared as char(n) too: 'AB ' = 'AB'
            for key in ("this", "expression", "low", "high"):
                other = comparison.args.get(key)
                if isinstance(other, exp.Literal) and other.is_string:
                    other.replace(exp.Literal.string(other.name.rstrip(" ")))
            for other in comparison.args.get("expressions") or []:
                if isinstance(other, exp.Literal) and other.is_string:
                    other.replace(exp.Literal.string(other.name.rstrip(" ")))
            # compared: as bytes where the target compares by a collation (MySQL's BINARY)
            return coll.fold(node, coll.BPCHAR, ctx.target)
        # used as a value (length, ||, upper, replace): only the blanks go, the type stays text
        if ctx.target == "clickhouse":
            return exp.Anonymous(this="trimRight", expressions=[node.copy()])
        return exp.Trim(this=node.copy(), position="TRAILING")
