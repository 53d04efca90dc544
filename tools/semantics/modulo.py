"""`%` / MOD with a zero divisor or a fractional operand.

All five engines give the remainder the dividend's sign (-7 % 2 = -1). They differ on
    a zero divisor: NULL on SQLite, MySQL/MariaDB and DuckDB (NaN for a double on DuckDB);
                    an error on PostgreSQL and ClickHouse (the NULLIF guard keeps NULL);
    fractions:      SQLite truncates both operands to integers first (7.5 % 2 = 1.0), the
                    others keep them (1.5), and PostgreSQL has no % for a double at all.
Towards SQLite a fractional operand goes through its math function mod() (C's fmod: the
dividend's sign, NULL for a zero divisor), built in since SQLite 3.35; a SQLite compiled
without the math functions refuses the query (no such function), never answers otherwise.
"""

from __future__ import annotations

from typing import ClassVar

from sqlglot import exp

from tools.errors import Unsupported
from tools.semantics.base import Family, SemanticsContext, template
from tools.semantics.numeric import number_kind

_INTEGERS_NULL = "operands truncated to integers; x % 0 is NULL"
_NULL = "x % 0 is NULL"
_FAILS = "x % 0 fails"


class Modulo(Family):
    name = "modulo"
    why = "`%` / MOD with a zero divisor or fractional operands"
    BEHAVIOUR: ClassVar[dict[str, str]] = {
        "sqlite": _INTEGERS_NULL, "mysql": _NULL, "duckdb": _NULL,
        "postgres": _FAILS, "clickhouse": _FAILS,
    }
    REWRITES: ClassVar[dict[tuple[str, str], str]] = {
        (_INTEGERS_NULL, _NULL): "integer_operands", (_INTEGERS_NULL, _FAILS): "integer_operands",
        (_NULL, _FAILS): "null_on_zero",
        (_NULL, _INTEGERS_NULL): "math_mod", (_FAILS, _INTEGERS_NULL): "math_mod",
    }
    # PostgreSQL fails where they give NULL: it never returns a row they would differ on
    REWRITES[(_FAILS, _NULL)] = "same"
    # DuckDB's NULL is for integers: a double % 0 is NaN there
    OVERRIDES: ClassVar[dict[tuple[str, str], str]] = {("mysql", "duckdb"): "null_on_zero"}

    def nodes(self, tree: exp.Expr, ctx: SemanticsContext) -> list[exp.Expr]:
        return list(ctx.find(tree, exp.Mod))

    def applies(self, node: exp.Expr, tree: exp.Expr, ctx: SemanticsContext) -> bool:
        kinds = (number_kind(tree, node.this, ctx), number_kind(tree, node.expression, ctx))
        if ctx.target == "sqlite":
            # only fractional operands differ there (a zero divisor is NULL on both)
            return "float" in kinds or "decimal" in kinds
        if ctx.target == "duckdb" and ctx.source == "mysql" and "float" not in kinds:
            return False
        if ctx.source == "sqlite" or (ctx.target == "postgres" and "float" in kinds):
            return True
        return not (isinstance(node.expression, exp.Literal)
                    and node.expression.is_number and float(node.expression.name) != 0)

    def integer_operands(self, node: exp.Expr, ctx: SemanticsContext) -> exp.Expr:
        tree = node.root()
        left, right = node.this, node.expression
        if {number_kind(tree, left, ctx), number_kind(tree, right, ctx)} <= {"int"}:
            return self.null_on_zero(node, ctx)
        value = template("CAST(TRUNC(A) AS BIGINT) % NULLIF(CAST(TRUNC(B) AS BIGINT), 0)",
                         "postgres", A=left, B=right)
        # SQLite's result is REAL when an operand was
        return exp.cast(value, exp.DType.DOUBLE)

    def math_mod(self, node: exp.Expr, ctx: SemanticsContext) -> exp.Expr:
        divisor = node.expression
        nonzero = isinstance(divisor, exp.Literal) and divisor.is_number and \
            float(divisor.name) != 0
        if ctx.source == "duckdb" and not nonzero and "float" in (
                number_kind(node.root(), node.this, ctx), number_kind(node.root(), divisor, ctx)):
            raise Unsupported(f"{self.why} cannot be carried from duckdb to sqlite: DuckDB's "
                              f"double % 0 is NaN, which SQLite stores as NULL")
        return exp.Anonymous(this="mod", expressions=[node.this.copy(), node.expression.copy()])

    def null_on_zero(self, node: exp.Expr, ctx: SemanticsContext) -> exp.Expr:
        tree = node.root()
        kinds = (number_kind(tree, node.this, ctx), number_kind(tree, node.expression, ctx))
        if ctx.target == "postgres" and "float" in kinds:
            # PostgreSQL has no % for a double: numeric keeps the double's value exactly
            return template("CAST(CAST(A AS NUMERIC) % NULLIF(CAST(B AS NUMERIC), 0) "
                            "AS DOUBLE PRECISION)", "postgres", A=node.this, B=node.expression)
        return exp.Mod(this=node.this.copy(),
                       expression=exp.Nullif(this=node.expression.copy(),
                                             expression=exp.Literal.number(0)))
