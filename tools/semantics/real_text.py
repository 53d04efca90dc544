"""A floating-point number cast to text: how many digits.

SQLite writes a REAL with 15 significant digits and always a decimal point
(CAST(3.1 + 0.2 AS TEXT) is '3.3', CAST(2.0 AS TEXT) is '2.0', 1e20 is '1.0e+20'); DuckDB,
PostgreSQL and ClickHouse write the shortest text that reads back as the same double
('3.3000000000000003'). On DuckDB the rewrite formats with printf('%.15g') and puts back
SQLite's '.0' (infinities are not covered); PostgreSQL, MySQL and ClickHouse have no %g
format (left to the fixer).
"""

from __future__ import annotations

from typing import ClassVar

from sqlglot import exp

from tools.semantics import kinds
from tools.semantics.base import OPEN, Family, SemanticsContext, template

_FIFTEEN = "15 significant digits, always a decimal point"
_SHORTEST = "shortest round-trip digits"
_TEXT = (exp.DType.TEXT, exp.DType.VARCHAR, exp.DType.CHAR)

_DUCKDB = ("CASE WHEN contains(G, '.') THEN G "
           "WHEN contains(G, 'e') THEN replace(G, 'e', '.0e') ELSE G || '.0' END")


class RealText(Family):
    name = "real_text"
    why = "A floating-point number cast to text"
    BEHAVIOUR: ClassVar[dict[str, str]] = {
        "sqlite": _FIFTEEN, "duckdb": _SHORTEST, "postgres": _SHORTEST, "mysql": _SHORTEST,
        "clickhouse": _SHORTEST,
    }
    SOURCES = ("sqlite",)
    REWRITES: ClassVar[dict[tuple[str, str], str]] = {(_FIFTEEN, _SHORTEST): "fifteen_digits"}
    OVERRIDES: ClassVar[dict[tuple[str, str], str]] = {
        ("sqlite", t): OPEN + "no %g format to write SQLite's 15 digits with"
        for t in ("postgres", "mysql", "clickhouse")}

    def nodes(self, tree: exp.Expr, ctx: SemanticsContext) -> list[exp.Expr]:
        return [n for n in ctx.find(tree, exp.Cast) if n.to.is_type(*_TEXT)]

    def applies(self, node: exp.Expr, tree: exp.Expr, ctx: SemanticsContext) -> bool:
        return ctx.source_kind(tree, node.this) == kinds.FLOAT

    def fifteen_digits(self, node: exp.Expr, ctx: SemanticsContext) -> exp.Expr:
        formatted = exp.Anonymous(this="printf", expressions=[
            exp.Literal.string("%.15g"), node.this.copy()])
        return template(_DUCKDB, ctx.target, G=formatted)
