"""AVG and `/` over DECIMAL: a DOUBLE in DuckDB, a DECIMAL with a few decimals elsewhere.

DuckDB computes avg(DECIMAL(15,2)) and DECIMAL / DECIMAL as DOUBLE (25.575154611454693).
Spark keeps a DECIMAL with 4 more decimals for AVG (decimal(19,6): 25.575155) and at most 6
for a division; MySQL/MariaDB likewise add div_precision_increment = 4 decimals. The faithful
translation computes in DOUBLE on the target too.
"""

from __future__ import annotations

from sqlglot import exp

from tools.rules.base import Rule, RuleContext, is_type, node_types, pairs

DOUBLE_SOURCES = ("duckdb",)
DECIMAL_TARGETS = ("spark", "databricks", "mysql")


def _is_decimal(types: dict[int, exp.DataType], node: exp.Expr) -> bool:
    return is_type(types, node, exp.DType.DECIMAL, exp.DType.BIGDECIMAL)


def decimal_to_double(tree: exp.Expr, ctx: RuleContext) -> exp.Expr | None:
    """AVG(d) -> AVG(CAST(d AS DOUBLE)); x / y -> CAST(x AS DOUBLE) / y when x or y is a
    DECIMAL as the source types it."""
    types = node_types(tree, ctx, ctx.source_dialect)
    changed = False
    for node in list(tree.find_all(exp.Avg, exp.Div)):
        arg = node.this
        operands = [arg, node.expression] if isinstance(node, exp.Div) else [arg]
        if arg is None or is_type(types, arg, exp.DType.DOUBLE, exp.DType.FLOAT):
            continue  # already a float: nothing is rounded
        # DuckDB: any division with a DECIMAL operand is DOUBLE (DECIMAL / 2 too).
        if not any(o is not None and _is_decimal(types, o) for o in operands):
            continue
        arg.replace(exp.cast(arg.copy(), "DOUBLE"))
        changed = True
    return tree if changed else None


DECIMAL_TO_DOUBLE = Rule(
    id="double_source.decimal_avg_div_as_double",
    pairs=pairs(DOUBLE_SOURCES, DECIMAL_TARGETS),
    fixes=frozenset({"rounding", "precision", "values"}),
    error_pattern=None,
    why="DuckDB returns AVG and division of DECIMALs as DOUBLE (avg of DECIMAL(15,2) "
        "quantities: 25.575154611454693); Spark and MySQL keep a DECIMAL rounded to 6 places "
        "(25.575155). Casting the argument to DOUBLE computes what the source computed.",
    apply=decimal_to_double,
)

RULES = (DECIMAL_TO_DOUBLE,)
