"""chr(n) of a 64-bit integer (PostgreSQL source).

PostgreSQL's chr takes an integer code point and gives that character. DuckDB's chr takes an
INTEGER only ("No function matches chr(BIGINT)" for a bigint column or 64 + id); MySQL's
CHAR(n) and ClickHouse's char(n) give the byte n, not the code point's character (233 is a
lone 0xE9, not 'é'), and '' for NULL; SQLite's char(n) is the code point's character, but a
NUL character for NULL. The rewrite casts the argument to INTEGER on DuckDB (code points
fit), reads the code point as UTF-32 on MySQL/MariaDB (CHAR(n USING utf32), converted to
utf8mb4), and keeps NULL NULL on both. ClickHouse has no code point function at all: its
char() of several bytes writes them in turn, so the rewrite spells the code point's UTF-8
bytes out arithmetically (one to four, by its range), and a NULL stays NULL.
"""

from __future__ import annotations

from typing import ClassVar

from sqlglot import exp

from tools.semantics.base import Family, SemanticsContext, template

_CODE_POINT = "the code point's character"
_INTEGER_ONLY = "the code point's character, of an INTEGER argument only"
_BYTE = "the byte n"
_NUL = "the code point's character, NUL for NULL"
_BYTES = "the bytes given, no code point function"

_MYSQL = "CASE WHEN N IS NOT NULL THEN CONVERT(CHAR(N USING utf32) USING utf8mb4) END"
_SQLITE = "CASE WHEN N IS NOT NULL THEN CHAR(N) END"
#: UTF-8: a lead byte marking the length, then six bits per continuation byte (128 + bits)
_CLICKHOUSE = (
    "CASE WHEN N < 128 THEN char(N)"
    " WHEN N < 2048 THEN char(192 + intDiv(N, 64), 128 + N % 64)"
    " WHEN N < 65536 THEN char(224 + intDiv(N, 4096), 128 + intDiv(N, 64) % 64, 128 + N % 64)"
    " WHEN N IS NOT NULL THEN char(240 + intDiv(N, 262144), 128 + intDiv(N, 4096) % 64,"
    " 128 + intDiv(N, 64) % 64, 128 + N % 64) END")


class Chr(Family):
    name = "pg_chr"
    why = "chr() of a code point (PostgreSQL function counterparts)"
    BEHAVIOUR: ClassVar[dict[str, str]] = {
        "postgres": _CODE_POINT, "sqlite": _NUL, "duckdb": _INTEGER_ONLY,
        "mysql": _BYTE, "clickhouse": _BYTES}
    SOURCES = ("postgres",)
    REWRITES: ClassVar[dict[tuple[str, str], str]] = {
        (_CODE_POINT, _INTEGER_ONLY): "integer_argument", (_CODE_POINT, _BYTE): "utf32_code",
        (_CODE_POINT, _NUL): "null_kept", (_CODE_POINT, _BYTES): "utf8_bytes"}

    def nodes(self, tree: exp.Expr, ctx: SemanticsContext) -> list[exp.Expr]:
        return [n for n in ctx.find(tree, exp.Chr)
                if len(n.expressions) == 1 and not n.args.get("charset")]

    def integer_argument(self, node: exp.Expr, ctx: SemanticsContext) -> exp.Expr:
        return exp.Chr(expressions=[exp.cast(node.expressions[0].copy(), exp.DType.INT)])

    def utf32_code(self, node: exp.Expr, ctx: SemanticsContext) -> exp.Expr:
        return template(_MYSQL, "mysql", N=node.expressions[0])

    def null_kept(self, node: exp.Expr, ctx: SemanticsContext) -> exp.Expr:
        return template(_SQLITE, "sqlite", N=node.expressions[0])

    def utf8_bytes(self, node: exp.Expr, ctx: SemanticsContext) -> exp.Expr:
        return exp.paren(template(_CLICKHOUSE, "clickhouse", N=node.expressions[0]), copy=False)
