"""Integer division: `/` between two integers truncates in some dialects and not in others.

sqlglot carries this itself only when the tree is type-annotated, which a plain transpile is
not: SQLite `SUM(qty) / COUNT(*)` becomes DuckDB `SUM(qty) / NULLIF(COUNT(*), 0)`, and
7 / 2 is 3 in SQLite but 3.5 in DuckDB. (Even annotated, sqlglot writes
`CAST(TRUNC(a / b) AS BIGINT)` and drops the NULLIF, so a zero divisor turns into
CAST(inf AS BIGINT) -- a conversion error -- instead of SQLite's NULL.)
"""

from __future__ import annotations

from sqlglot import exp
from sqlglot.dialects.dialect import Dialect

from tools.rules.base import Rule, RuleContext, is_type, node_types, pairs

# Sources where int / int is an integer. SQLite stores BOOLEAN as 0/1 integers, so a flag
# column divides as an integer there (SUM(is_paid) / COUNT(*) is 0 or 1 in SQLite).
TRUNCATING_SOURCES = ("sqlite", "postgres", "redshift", "tsql", "teradata", "drill", "dremio")
_BOOL_IS_INT = {"sqlite": {"bool": "int"}}

# Targets where `//` truncates toward zero like the sources above, and is NULL on a zero
# divisor. Verified: DuckDB 1.5 gives -7 // 2 = -3 (not floor's -4) and 7 // 0 = NULL, while
# 7 / 0 is inf there -- so the NULLIF the transpiler put on the divisor must stay.
INTDIV_TARGETS = ("duckdb",)


def integer_division(tree: exp.Expr, ctx: RuleContext) -> exp.Expr | None:
    """Every `/` whose operands are integers *in the source's typing* becomes `//`.

    Types come from the source dialect's rules on the candidate (ROUND(int) is REAL in SQLite,
    AVG is always REAL, CAST(x AS REAL) is REAL), so `a * 1.0 / b` and `AVG(a) / b` stay
    float. Counter-example kept: NUMERIC(10,2) columns are decimals even though SQLite stores
    12.00 as the integer 12 and would then divide it as an integer -- that is data-dependent
    and not a translation.
    """
    if not Dialect.get_or_raise(ctx.source_dialect).TYPED_DIVISION:
        return None
    types = node_types(tree, ctx, ctx.source_dialect, _BOOL_IS_INT.get(ctx.source_dialect))
    # An operand of unknown type (a column of an object the schema does not describe) counts
    # as an integer only when the differ saw the fingerprint of integer division itself
    # (whole numbers in the source where the target has fractions); the fixer re-checks it.
    guess = "integer_division" in ctx.causes

    def integer(node: exp.Expr) -> bool:
        if is_type(types, node, *exp.DataType.INTEGER_TYPES):
            return True
        return guess and (id(node) not in types or is_type(types, node, exp.DType.UNKNOWN))

    changed = False
    for div in list(tree.find_all(exp.Div)):
        left, right = div.left, div.right
        divisor = right.this if isinstance(right, exp.Nullif) else right
        if integer(left) and (integer(right) or integer(divisor)):
            div.replace(exp.IntDiv(this=left.copy(), expression=right.copy()))
            changed = True
    return tree if changed else None


INTEGER_DIVISION = Rule(
    id="typed_source_duckdb.integer_division",
    pairs=pairs(TRUNCATING_SOURCES, INTDIV_TARGETS),
    fixes=frozenset({"integer_division", "ratio", "rounding", "precision", "values", "type",
                     "missing_rows", "extra_rows"}),
    error_pattern=None,
    why="In SQLite (and PostgreSQL, T-SQL) int / int truncates toward zero: "
        "SUM(qty) / COUNT(*) over 3 and 4 is 3. DuckDB's `/` is always float division "
        "(3.5). Divisions whose two operands are integers in the source's typing become "
        "DuckDB `//`, which truncates toward zero (-7 // 2 = -3) and keeps the NULLIF on the "
        "divisor (SQLite's x / 0 is NULL; DuckDB's 7 / 0 is inf).",
    apply=integer_division,
)

RULES = (INTEGER_DIVISION,)
