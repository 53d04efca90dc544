"""hex() of a number or a text.

SQLite's hex(x) reads its argument as a blob: a number is first written as text, so hex(7) is
'37' and hex(-7) '2D37'; a text gives its UTF-8 bytes in upper case ('é' is 'C3A9'), and
NULL gives '' rather than NULL. DuckDB, MySQL and ClickHouse write a number's own value in
base 16 (hex(7) = '7', ClickHouse '07') and return NULL for NULL; PostgreSQL has no hex().
The rewrite writes the argument as text, takes the hex of its UTF-8 bytes in upper case and
turns NULL into ''. A REAL argument is first written with SQLite's 15 digits (real_text's
spelling); a NUMERIC one is unsupported (SQLite stores 2.00 as the integer 2); an
argument of a type the catalog does not tell is left alone.
"""

from __future__ import annotations

from typing import ClassVar

from sqlglot import exp

from tools.errors import Unsupported
from tools.semantics import kinds
from tools.semantics.base import Family, SemanticsContext, template
from tools.semantics.real_text import RealText

_TEXT_BYTES = "hex of the value's text, NULL is ''"
_VALUE = "a number in base 16, NULL is NULL"
_NONE = "no hex()"

#: per target: the upper-case hex of X's UTF-8 text, '' for NULL, in the target's dialect
_OF_TEXT = {
    "duckdb": "COALESCE(UPPER(HEX(CAST(X AS VARCHAR))), '')",
    "postgres": "COALESCE(UPPER(ENCODE(CONVERT_TO(CAST(X AS TEXT), 'UTF8'), 'hex')), '')",
    "mysql": "COALESCE(HEX(CONVERT(X USING utf8mb4)), '')",
    "clickhouse": "COALESCE(hex(toString(X)), '')",
}


class HexText(Family):
    name = "hex_text"
    why = "hex() of a number or a text"
    BEHAVIOUR: ClassVar[dict[str, str]] = {
        "sqlite": _TEXT_BYTES, "duckdb": _VALUE, "mysql": _VALUE, "clickhouse": _VALUE,
        "postgres": _NONE,
    }
    SOURCES = ("sqlite",)
    REWRITES: ClassVar[dict[tuple[str, str], str]] = {
        (_TEXT_BYTES, _VALUE): "hex_of_text",
        (_TEXT_BYTES, _NONE): "hex_of_text",
    }

    def nodes(self, tree: exp.Expr, ctx: SemanticsContext) -> list[exp.Expr]:
        return list(ctx.find(tree, exp.Hex))

    def applies(self, node: exp.Expr, tree: exp.Expr, ctx: SemanticsContext) -> bool:
        # an argument of unknown type (a CTE's column) is left to sqlglot and the fixer
        return ctx.source_kind(tree, node.this) is not None

    def hex_of_text(self, node: exp.Expr, ctx: SemanticsContext) -> exp.Expr:
        argument = node.this
        kind = ctx.source_kind(node.root(), argument)
        if kind == kinds.DECIMAL:
            raise Unsupported(f"{self.why} cannot be carried from {ctx.source} to {ctx.target}: "
                              f"SQLite keeps a NUMERIC value as an integer or a REAL by its "
                              f"value (2.00 is '2', 2.50 is '2.5'); cast it to TEXT first")
        if kind == kinds.FLOAT:
            argument = RealText().fifteen_digits(exp.cast(argument.copy(), exp.DType.TEXT), ctx)
        return template(_OF_TEXT[ctx.target], ctx.target, X=argument)
