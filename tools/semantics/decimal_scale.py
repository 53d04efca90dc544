"""The digits a decimal division or an AVG of exact numbers keeps.

    MySQL/MariaDB   the dividend's scale + 4 (div_precision_increment), rounded:
                    10.00 / 3 = 3.333333, AVG(int) = 1.6667, AVG(decimal(_, 2)) = 2.250000
    ClickHouse      a Decimal quotient keeps the dividend's scale, truncated: 10.00 / 3 = 3.33
    PostgreSQL      numeric with at least 16 significant digits; DuckDB a double
    SQLite          a double, but a whole NUMERIC value is stored as an integer and divides
                    as one (10.00 / 7 = 1)
The differ compares a decimal exactly and a double within the float tolerance, so PostgreSQL,
DuckDB and SQLite agree with each other, and the rewrites are: from MySQL, the division or
average computed at 10 more digits and rounded to the source's scale + 4 (the integer /
integer case is integer_division's); to MySQL or ClickHouse from the others, the quotient
or average computed as a double, as the source's is or within the tolerance of its numeric.
DuckDB's x / 0 is inf; PostgreSQL's rewrite keeps it, MySQL (no inf) gives NULL there, a row
the data differ reports if the data hold one.

From SQLite to PostgreSQL or DuckDB the value decides: a NUMERIC column stores a whole value
as an INTEGER (10.00 -> 10), and integer / integer truncates (10.00 / 3 = 3, 10.01 / 3 =
3.3366...). The quotient of an operand built from columns, integer literals, + - * and
parentheses is therefore written as a CASE on the target: every decimal column whole -> the
truncating integer division, else the double one (x / 0 is NULL in both, as in SQLite). An
operand SQLite types from the values in another way (an aggregate, a function) cannot be
told on the target: unsupported. AVG is a double in SQLite whatever it averages.
"""

from __future__ import annotations

from typing import ClassVar

from sqlglot import exp

from tools.errors import Unsupported
from tools.semantics import tree_walk
from tools.semantics.base import Family, SemanticsContext, template
from tools.semantics.numeric import number_kind, scale

_FULL = "full precision (double, or numeric of 16+ digits)"
_PLUS4 = "rounded to the dividend's scale + 4"
_KEEPS = "truncated at the dividend's scale"
_AFFINITY = "double, or integer division when a NUMERIC value is whole"
_EXACT = ("int", "decimal")
_MAX_SCALE = 30  # MySQL's limit on a decimal's scale


class DecimalScale(Family):
    name = "decimal_scale"
    why = "Decimal division and AVG of exact numbers: the digits the result keeps"
    BEHAVIOUR: ClassVar[dict[str, str]] = {
        "postgres": _FULL, "duckdb": _FULL, "sqlite": _AFFINITY, "mysql": _PLUS4,
        "clickhouse": _KEEPS,
    }
    REWRITES: ClassVar[dict[tuple[str, str], str]] = {
        (_FULL, _PLUS4): "as_double", (_FULL, _KEEPS): "as_double",
        (_PLUS4, _FULL): "plus_four", (_PLUS4, _KEEPS): "plus_four",
        (_FULL, _AFFINITY): "as_double", (_PLUS4, _AFFINITY): "plus_four",
        (_AFFINITY, _PLUS4): "as_double", (_AFFINITY, _KEEPS): "as_double",
        (_AFFINITY, _FULL): "by_stored_value",
    }

    #: DuckDB's decimal x / 0 is inf or nan, where PostgreSQL fails
    OVERRIDES: ClassVar[dict[tuple[str, str], str]] = {("duckdb", "postgres"): "as_double"}

    def nodes(self, tree: exp.Expr, ctx: SemanticsContext) -> list[exp.Expr]:
        return list(ctx.find(tree, exp.Div, exp.Avg))

    def applies(self, node: exp.Expr, tree: exp.Expr, ctx: SemanticsContext) -> bool:
        if isinstance(node, exp.Avg):
            if ctx.target == "clickhouse" and ctx.source != "mysql":
                return False  # ClickHouse's avg is a Float64 already
            return number_kind(tree, _avg_arg(node), ctx) in _EXACT
        left = number_kind(tree, node.this, ctx)
        right = number_kind(tree, _divisor(node), ctx)
        # int / int is integer_division's; a float operand makes a double everywhere
        return left in _EXACT and right in _EXACT and "decimal" in (left, right)

    def as_double(self, node: exp.Expr, ctx: SemanticsContext) -> exp.Expr:
        if isinstance(node, exp.Avg):
            out = tree_walk.copy(node)
            arg = _avg_arg(out)
            arg.replace(exp.cast(tree_walk.copy(arg), exp.DType.DOUBLE, copy=False))
            return out
        if ctx.source == "duckdb" and ctx.target == "postgres":
            # DuckDB's x / 0 is inf or nan where PostgreSQL fails: integer_division's spelling
            from tools.semantics.integer_division import IntegerDivision
            return IntegerDivision().as_double(node, ctx)
        return exp.Div(this=exp.cast(tree_walk.copy(node.this), exp.DType.DOUBLE, copy=False),
                       expression=tree_walk.copy(node.expression))

    def by_stored_value(self, node: exp.Expr, ctx: SemanticsContext) -> exp.Expr:
        """SQLite's quotient: integer division exactly when every decimal column is whole."""
        if isinstance(node, exp.Avg):
            return self.as_double(node, ctx)
        tree = node.root()
        left, right = node.this, _divisor(node)
        decimals: dict[str, exp.Column] = {}
        for operand in (left, right):
            for part in operand.walk():
                if not isinstance(part, _PLAIN_OPERAND):
                    raise Unsupported(
                        f"{self.why} cannot be carried from {ctx.source} to {ctx.target}: "
                        f"SQLite divides as integers when the stored values are whole, which "
                        f"the target can only tell of columns, not of "
                        f"{part.sql(ctx.source)[:40]}")
                if isinstance(part, exp.Column) and number_kind(tree, part, ctx) == "decimal":
                    decimals.setdefault(part.sql(), part)
        whole = " AND ".join(f"W{i} = TRUNC(W{i})" for i in range(len(decimals)))
        columns = {f"W{i}": column for i, column in enumerate(decimals.values())}
        return template(f"CASE WHEN {whole} THEN CAST(A AS BIGINT) // NULLIF(CAST(B AS BIGINT), "
                        f"0) ELSE CAST(A AS DOUBLE) / NULLIF(B, 0) END", "duckdb",
                        A=left, B=right, **columns)

    def plus_four(self, node: exp.Expr, ctx: SemanticsContext) -> exp.Expr:
        tree = node.root()
        if isinstance(node, exp.Avg):
            digits = scale(tree, _avg_arg(node), ctx)
            value = _avg_arg(node)
        else:
            digits = scale(tree, node.this, ctx)
            value = node.this
        if digits is None:
            return node  # the dividend's scale is not known: the fixer sees the data
        keep = min(digits + 4, _MAX_SCALE)
        # six guard digits before rounding, while 18 digits stay for the integer part
        wide = f"DECIMAL(38, {keep + 6 if keep + 6 <= 20 else keep})"
        if ctx.target == "sqlite":
            wide = "REAL"  # SQLite's DECIMAL is NUMERIC affinity: a whole value turns integer
        if isinstance(node, exp.Avg):
            distinct = isinstance(node.this, exp.Distinct)
            inner = exp.Distinct(expressions=[exp.cast(value.copy(), wide)]) if distinct \
                else exp.cast(value.copy(), wide)
            quotient: exp.Expr = exp.Avg(this=inner)
            return template(f"CAST(ROUND(Q, {keep}) AS DECIMAL(38, {keep}))", "postgres",
                            Q=quotient)
        # MySQL's x / 0 is NULL
        return template(f"CAST(ROUND(CAST(A AS {wide}) / NULLIF(B, 0), {keep}) "
                        f"AS DECIMAL(38, {keep}))", "postgres", A=value, B=_divisor(node))


#: what an operand may be built from for by_stored_value to tell SQLite's integer-ness
_PLAIN_OPERAND = (exp.Column, exp.Identifier, exp.Literal, exp.Paren, exp.Neg, exp.Add,
                  exp.Sub, exp.Mul)


def _avg_arg(node: exp.Expr) -> exp.Expr:
    arg = node.this
    return arg.expressions[0] if isinstance(arg, exp.Distinct) else arg


def _divisor(node: exp.Expr) -> exp.Expr:
    right = node.expression
    return right.this if isinstance(right, exp.Nullif) else right
