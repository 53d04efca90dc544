"""overlay(s placing r from p [for n]) (PostgreSQL source).

PostgreSQL replaces n characters of s from position p with r (n defaults to r's length).
DuckDB, SQLite, MySQL/MariaDB and ClickHouse have no OVERLAY (sqlglot writes it as it is).
The rewrite is PostgreSQL's own definition, substr(s, 1, p - 1) || r || substr(s, p + n),
which sqlglot writes per target (CONCAT on MySQL); a NULL anywhere gives NULL, as there.
"""

from __future__ import annotations

from typing import ClassVar

from sqlglot import exp

from tools.semantics.base import DIALECTS, Family, SemanticsContext

_BUILT_IN = "OVERLAY built in"
_MISSING = "no OVERLAY"


class Overlay(Family):
    name = "pg_overlay"
    why = "overlay(... placing ... from ... for ...) (PostgreSQL function counterparts)"
    BEHAVIOUR: ClassVar[dict[str, str]] = {d: _MISSING for d in DIALECTS} | {
        "postgres": _BUILT_IN}
    SOURCES = ("postgres",)
    REWRITES: ClassVar[dict[tuple[str, str], str]] = {(_BUILT_IN, _MISSING): "substrings"}

    def nodes(self, tree: exp.Expr, ctx: SemanticsContext) -> list[exp.Expr]:
        return list(ctx.find(tree, exp.Overlay))

    def substrings(self, node: exp.Expr, ctx: SemanticsContext) -> exp.Expr:
        text, placing, start = node.this, node.expression, node.args["from_"]
        count = node.args.get("for_") or exp.Length(this=placing.copy())
        head = exp.Substring(this=text.copy(), start=exp.Literal.number(1),
                             length=exp.Sub(this=start.copy(), expression=exp.Literal.number(1)))
        tail = exp.Substring(this=text.copy(), start=exp.Add(this=start.copy(),
                                                              expression=count.copy()))
        return exp.paren(exp.DPipe(this=exp.DPipe(this=head, expression=placing.copy(),
                                                  safe=True),
                                   expression=tail, safe=True), copy=False)
