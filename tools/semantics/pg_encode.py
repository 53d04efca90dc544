"""encode(bytes, 'hex') (PostgreSQL source).

PostgreSQL writes a bytea as lower-case hex (NULL stays NULL). sqlglot reads encode() as a
character-set conversion and writes DuckDB's ENCODE(x), which turns text into a blob and
drops 'hex' (sqlglot itself warns "Unsupported"); MySQL/MariaDB's ENCODE is a cipher and
SQLite and ClickHouse have none. The rewrite is LOWER(HEX(x)) of the argument on every
target: a text cast to bytea is its UTF-8 bytes, and each target's hex of a text is of those
bytes (SQLite's hex(NULL) is '', kept NULL). 'base64' (PostgreSQL breaks its lines every 76
characters) and 'escape' are unsupported.
"""

from __future__ import annotations

from typing import ClassVar

from sqlglot import exp

from tools.errors import Unsupported
from tools.semantics.base import DIALECTS, Family, SemanticsContext
from tools.semantics.pg_calls import BUILT_IN, MISSING


class Encode(Family):
    name = "pg_encode"
    why = "encode(bytea, 'hex') (PostgreSQL function counterparts)"
    BEHAVIOUR: ClassVar[dict[str, str]] = {d: MISSING for d in DIALECTS} | {"postgres": BUILT_IN}
    SOURCES = ("postgres",)
    REWRITES: ClassVar[dict[tuple[str, str], str]] = {(BUILT_IN, MISSING): "lower_hex"}

    def nodes(self, tree: exp.Expr, ctx: SemanticsContext) -> list[exp.Expr]:
        return list(ctx.find(tree, exp.Encode))

    def lower_hex(self, node: exp.Expr, ctx: SemanticsContext) -> exp.Expr:
        how = node.args.get("charset")
        if not (isinstance(how, exp.Literal) and how.is_string and how.name.lower() == "hex"):
            raise Unsupported(f"{self.why} cannot be carried from {ctx.source} to {ctx.target}: "
                              f"only 'hex' is carried, not {how.sql() if how else 'none'}; "
                              f"PostgreSQL breaks "
                              f"base64 into 76-character lines")
        value = node.this
        if isinstance(value, exp.Cast) and value.to.this in (exp.DType.VARBINARY,
                                                              exp.DType.BINARY):
            value = value.this  # a text's hex is of its UTF-8 bytes: no blob cast needed
        elif isinstance(value, exp.Anonymous) and value.name.lower() == "convert_to" and \
                [a.name.upper() for a in value.expressions[1:]] in (["UTF8"], ["UTF-8"]):
            value = value.expressions[0]  # convert_to(s, 'UTF8'): the same bytes
        hexed = exp.Lower(this=exp.Hex(this=value.copy()))
        if ctx.target == "sqlite":  # SQLite's hex(NULL) is ''
            return exp.Case(ifs=[exp.If(this=exp.not_(exp.Is(this=value.copy(),
                                                              expression=exp.Null())),
                                        true=hexed)])
        return hexed
