"""LENGTH: bytes or characters.

MySQL/MariaDB's LENGTH('héllo') is 6 (bytes of the UTF-8 text); CHAR_LENGTH is 5. Everywhere
else LENGTH counts characters (ClickHouse's length() counts bytes, but sqlglot already writes
CHAR_LENGTH there). sqlglot marks MySQL's LENGTH as binary and writes a character count for
PostgreSQL and SQLite, and a TYPEOF switch for DuckDB that counts characters of text. The
rewrite spells the byte count the target's way.
"""

from __future__ import annotations

from typing import ClassVar

from sqlglot import exp

from tools.semantics.base import Family, SemanticsContext, template

_BYTES = "LENGTH counts bytes"
_CHARS = "LENGTH counts characters"

#: the target's spelling of "bytes of X as UTF-8"
BYTE_LENGTH = {
    "postgres": "OCTET_LENGTH(X)",
    "duckdb": "STRLEN(X)",
    "sqlite": "LENGTH(CAST(X AS BLOB))",
    "clickhouse": "length(X)",
    "mysql": "LENGTH(X)",
}


class TextLength(Family):
    name = "text_length"
    why = "LENGTH of text: bytes or characters"
    BEHAVIOUR: ClassVar[dict[str, str]] = {
        "mysql": _BYTES, "postgres": _CHARS, "duckdb": _CHARS, "sqlite": _CHARS,
        "clickhouse": _CHARS,
    }
    REWRITES: ClassVar[dict[tuple[str, str], str]] = {(_BYTES, _CHARS): "byte_length"}
    SOURCES = ("mysql",)

    def nodes(self, tree: exp.Expr, ctx: SemanticsContext) -> list[exp.Expr]:
        return [n for n in ctx.find(tree, exp.Length) if n.args.get("binary")]

    def byte_length(self, node: exp.Expr, ctx: SemanticsContext) -> exp.Expr:
        out = template(BYTE_LENGTH[ctx.target], ctx.target, X=node.this)
        if ctx.target == "clickhouse":
            # ClickHouse function names are case-sensitive and sqlglot would write LENGTH
            return exp.Anonymous(this="length", expressions=[node.this.copy()])
        return out
