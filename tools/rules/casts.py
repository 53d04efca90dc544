"""Casts whose rounding differs: CAST(real AS INTEGER)."""

from __future__ import annotations

from sqlglot import exp

from tools.rules.base import Rule, RuleContext, node_types

# Sources where CAST(2.7 AS INTEGER) truncates toward zero (2; -2.7 -> -2).
TRUNCATING_CASTS = ("sqlite", "mysql", "tsql", "spark", "hive", "databricks", "bigquery")
# Targets where the same cast rounds half away from zero: DuckDB gives 3 (and -3 for -2.5).
ROUNDING_CASTS = ("duckdb", "postgres")
_NUMERIC = (*exp.DataType.REAL_TYPES, exp.DType.UNKNOWN)


def cast_real_to_int(tree: exp.Expr, ctx: RuleContext) -> exp.Expr | None:
    """CAST(x AS INT) -> CAST(TRUNC(x) AS BIGINT) when x is not already an integer.

    BIGINT because SQLite's INTEGER is 64-bit while DuckDB's INT is 32-bit: CAST(total_cents
    AS INTEGER) above 2^31 would otherwise fail with a conversion error. Text operands are left
    alone (CAST('12abc' AS INTEGER) is 12 in SQLite and an error in DuckDB: not a cast issue).
    """
    types = node_types(tree, ctx, ctx.source_dialect)
    changed = False
    for cast in list(tree.find_all(exp.Cast)):
        operand = cast.this
        if not cast.to.is_type(*exp.DataType.INTEGER_TYPES) or isinstance(operand, exp.Trunc):
            continue
        if isinstance(operand, exp.Literal) and operand.is_string:
            continue
        typed = types.get(id(operand))
        if typed is not None and not typed.is_type(*_NUMERIC):
            continue
        cast.replace(exp.cast(exp.Trunc(this=operand.copy()), "BIGINT"))
        changed = True
    return tree if changed else None


CAST_REAL_TO_INT = Rule(
    id="truncating_cast.cast_real_to_int",
    pairs=tuple((s, t) for s in TRUNCATING_CASTS for t in ROUNDING_CASTS),
    fixes=frozenset({"ratio", "rounding", "values", "truncation", "precision",
                     "missing_rows", "extra_rows"}),
    error_pattern=None,
    why="SQLite's CAST(2.7 AS INTEGER) is 2 (truncation toward zero); DuckDB's is 3 and "
        "CAST(-2.5 AS INT) is -3 (rounding). Bucketing code such as CAST(price / 10 AS "
        "INTEGER) then puts rows in different buckets. CAST(TRUNC(x) AS BIGINT) truncates "
        "like the source.",
    apply=cast_real_to_int,
)

RULES = (CAST_REAL_TO_INT,)
