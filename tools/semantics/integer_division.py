"""`/` between two integers.

PostgreSQL and SQLite truncate toward zero (7 / 2 = 3, -7 / 2 = -3); DuckDB and ClickHouse
give a double (3.5); MySQL/MariaDB give a decimal with 4 more digits (3.5000, 1 / 3 =
0.3333). Which reading applies depends on the operands' types in the source, so the family
asks the source catalog. Zero divisors: SQLite and MySQL give NULL, PostgreSQL fails.
"""

from __future__ import annotations

from typing import ClassVar

from sqlglot import exp

from tools.errors import Unsupported
from tools.semantics.base import Family, SemanticsContext, int_literal, template

_TRUNCATES = "int / int truncates toward zero"
_DOUBLE = "int / int is a double"
_DECIMAL4 = "int / int is a decimal rounded to 4 digits"


def _operands(node: exp.Expr) -> tuple[exp.Expr, exp.Expr]:
    right = node.expression
    # sqlglot guards some divisors with NULLIF(d, 0): the type is the divisor's
    return node.this, (right.this if isinstance(right, exp.Nullif) else right)


class IntegerDivision(Family):
    name = "integer_division"
    why = "`/` between two integers"
    BEHAVIOUR: ClassVar[dict[str, str]] = {
        "postgres": _TRUNCATES, "sqlite": _TRUNCATES, "duckdb": _DOUBLE,
        "clickhouse": _DOUBLE, "mysql": _DECIMAL4,
    }
    REWRITES: ClassVar[dict[tuple[str, str], str]] = {
        (_TRUNCATES, _DOUBLE): "truncate",
        (_TRUNCATES, _DECIMAL4): "truncate",
        (_DOUBLE, _TRUNCATES): "as_double",
        (_DOUBLE, _DECIMAL4): "as_double",
        (_DECIMAL4, _TRUNCATES): "as_decimal4",
        (_DECIMAL4, _DOUBLE): "as_decimal4",
    }

    OVERRIDES: ClassVar[dict[tuple[str, str], str]] = {
        # both truncate, but PostgreSQL's SUM of a bigint is NUMERIC (SQLite's INTEGER loads
        # as BIGINT), so SUM(qty) / COUNT(*) would divide as a decimal there: DIV() truncates
        ("sqlite", "postgres"): "truncate",
        # DuckDB's x / 0 is inf or nan, which SQLite and MySQL cannot give: carried only where
        # the divisor cannot be 0 (a literal other than 0, or NULLIF(d, 0))
        ("duckdb", "sqlite"): "as_double_nonzero",
        ("duckdb", "mysql"): "as_double_nonzero",
        ("clickhouse", "sqlite"): "unsupported: ClickHouse's x / 0 is inf or nan; SQLite has no "
                                  "nan",
        ("clickhouse", "mysql"): "unsupported: ClickHouse's x / 0 is inf or nan; MySQL has "
                                 "neither",
    }

    def nodes(self, tree: exp.Expr, ctx: SemanticsContext) -> list[exp.Expr]:
        return list(ctx.find(tree, exp.Div))

    def applies(self, node: exp.Expr, tree: exp.Expr, ctx: SemanticsContext) -> bool:
        left, right = _operands(node)
        return (ctx.source_kind(tree, left) == "int"
                and ctx.source_kind(tree, right) == "int")

    def truncate(self, node: exp.Expr, ctx: SemanticsContext) -> exp.Expr:
        left, right = _operands(node)
        if ctx.target == "clickhouse":
            # intDiv fails on 0 where SQLite gives NULL: the NULLIF keeps NULL
            return template("intDivOrNull(A, B)", "clickhouse", A=left, B=right)
        divisor = exp.Nullif(this=right.copy(), expression=exp.Literal.number(0))
        return exp.IntDiv(this=left.copy(), expression=divisor)

    def as_double(self, node: exp.Expr, ctx: SemanticsContext) -> exp.Expr:
        # PostgreSQL fails on a zero divisor where DuckDB gives inf, -inf or nan
        left, right = _operands(node)
        return template("CASE WHEN B = 0 THEN CAST(CASE WHEN A > 0 THEN 'Infinity' "
                        "WHEN A < 0 THEN '-Infinity' WHEN A = 0 THEN 'NaN' END "
                        "AS DOUBLE PRECISION) ELSE CAST(A AS DOUBLE PRECISION) / B END",
                        "postgres", A=left, B=right)

    def as_double_nonzero(self, node: exp.Expr, ctx: SemanticsContext) -> exp.Expr:
        left, right = node.this, node.expression
        literal = int_literal(right)
        guarded = isinstance(right, exp.Nullif) and int_literal(right.expression) == 0
        if not guarded and (literal is None or literal == 0):
            engine = {"sqlite": "SQLite", "mysql": "MySQL"}[ctx.target]
            raise Unsupported(f"{self.why} cannot be carried from {ctx.source} to "
                              f"{ctx.target}: DuckDB's x / 0 is inf or nan, which {engine} "
                              f"cannot give (guard the divisor with NULLIF(d, 0))")
        return exp.Div(this=exp.cast(left.copy(), exp.DType.DOUBLE), expression=right.copy())

    def as_decimal4(self, node: exp.Expr, ctx: SemanticsContext) -> exp.Expr:
        left, right = _operands(node)
        # divide at scale 10 and round to 4 (ClickHouse truncates a decimal quotient at the
        # dividend's scale, so dividing at scale 4 would give 0.1428 for 1 / 7)
        return template("CAST(ROUND(CAST(A AS DECIMAL(38, 10)) / NULLIF(B, 0), 4) "
                        "AS DECIMAL(38, 4))", "postgres", A=left, B=right)
