"""A floating-point number cast to text: how many digits.

SQLite writes a REAL with 15 significant digits and always a decimal point
(CAST(3.1 + 0.2 AS TEXT) is '3.3', CAST(2.0 AS TEXT) is '2.0', 1e20 is '1.0e+20', 1.5e-5 is
'1.5e-05': %g's choice of exponent form below 1e-4 and from 1e15); DuckDB, PostgreSQL, MySQL
and ClickHouse write the shortest text that reads back as the same double
('3.3000000000000003'). On DuckDB the rewrite formats with printf('%.15g') and puts back
SQLite's '.0'. PostgreSQL's float-to-numeric cast keeps 15 digits and its to_char(EEEE)
writes the exponent form. MySQL and ClickHouse round a decimal at 15 significant digits,
from the exponent floor(log10(|x|)) corrected for a rounding that reaches the next power of
ten, and spell the exponent form from the mantissa x / 10^e. Infinities and subnormal
numbers (below 2.2e-308) are not covered.
"""

from __future__ import annotations

from typing import ClassVar

from sqlglot import exp

from tools.semantics import kinds
from tools.semantics.base import Family, SemanticsContext, template

_FIFTEEN = "15 significant digits, always a decimal point"
_SHORTEST = "shortest round-trip digits"
_TEXT = (exp.DType.TEXT, exp.DType.VARCHAR, exp.DType.CHAR)

_DUCKDB = ("CASE WHEN contains(G, '.') THEN G "
           "WHEN contains(G, 'e') THEN replace(G, 'e', '.0e') ELSE G || '.0' END")

# PostgreSQL: float8 -> numeric keeps DBL_DIG (15) digits; EEEE writes 15 in exponent form
_POSTGRES = ("CASE WHEN ABS(CAST(X AS NUMERIC)) >= 1e15 OR (ABS(CAST(X AS NUMERIC)) < 0.0001 "
             "AND X <> 0) THEN REPLACE(REGEXP_REPLACE(TRIM(TO_CHAR(X, '9.99999999999999EEEE')), "
             "'0+e', 'e'), '.e', '.0e') WHEN POSITION('.' IN CAST(CAST(X AS NUMERIC) AS TEXT)) > 0 "
             "THEN CAST(CAST(X AS NUMERIC) AS TEXT) ELSE CAST(CAST(X AS NUMERIC) AS TEXT) || '.0' "
             "END")
#: floor(log10(|X|)) corrected where the double log10 rounds up to the next integer
#: (log10(999999999999999) is 15.0); 0 for 0 and NULL, whose log10 is not finite
#: (ClickHouse computes every row of a Nullable column, NULL rows as 0)
_FLOOR_LOG = {
    "mysql": "FLOOR(LOG10(ABS(IF(X = 0, 1, X)))) - (ABS(IF(X = 0, 1, X)) < "
             "POW(10, FLOOR(LOG10(ABS(IF(X = 0, 1, X))))))",
    "clickhouse": "toInt32(floor(log10(abs(if(ifNull(X, 0) = 0, 1, X))))) - "
                  "toInt32(abs(if(ifNull(X, 0) = 0, 1, X)) "
                  "< pow(10, floor(log10(abs(if(ifNull(X, 0) = 0, 1, X))))))",
}
#: the decimal exponent F of X, once X is rounded to 15 digits (9.999999999999999 -> 10)
_EXPONENT = {
    "mysql": "F + (ABS(ROUND(X / POW(10, F), 14)) >= 10)",
    "clickhouse": "F + toInt32(abs(round(X / pow(10, F), 14)) >= 10)",
}
#: the digits of a decimal: X / 10^E rounded to 14 places (the mantissa), X rounded to
#: 15 significant digits (plain), trailing zeros dropped
_MANTISSA = {
    "mysql": "TRIM(TRAILING '0' FROM CAST(ROUND(CAST(X / POW(10, E) AS DECIMAL(65, 30)), 14) "
             "AS CHAR))",
    "clickhouse": "toString(round(toDecimal256(X / pow(10, E), 40), 14))",
}
_PLAIN = {
    "mysql": "TRIM(TRAILING '0' FROM CAST(ROUND(CAST(X AS DECIMAL(65, 30)), 14 - E) AS CHAR))",
    "clickhouse": "toString(round(toDecimal256(X, 40), 14 - E))",
}
#: digits T with SQLite's '.0' where they have no fraction ('100.' or '100' -> '100.0')
_POINT = {
    "mysql": "CASE WHEN RIGHT(T, 1) = '.' THEN CONCAT(T, '0') WHEN LOCATE('.', T) = 0 "
             "THEN CONCAT(T, '.0') ELSE T END",
    "clickhouse": "if(position(T, '.') = 0, concat(T, '.0'), T)",
}
#: SQLite's exponent form outside [1e-4, 1e15): mantissa M, 'e', sign, two digits at least
_FIFTEEN_DIGITS = {
    "mysql": "CASE WHEN E < -4 OR E >= 15 THEN CONCAT(M, 'e', IF(E < 0, '-', '+'), "
             "IF(ABS(E) < 10, '0', ''), ABS(E)) ELSE P END",
    "clickhouse": "if(E < -4 OR E >= 15, concat(M, 'e', if(E < 0, '-', '+'), "
                  "if(abs(E) < 10, '0', ''), toString(abs(E))), P)",
}


class RealText(Family):
    name = "real_text"
    why = "A floating-point number cast to text or concatenated with ||"
    BEHAVIOUR: ClassVar[dict[str, str]] = {
        "sqlite": _FIFTEEN, "duckdb": _SHORTEST, "postgres": _SHORTEST, "mysql": _SHORTEST,
        "clickhouse": _SHORTEST,
    }
    SOURCES = ("sqlite",)
    REWRITES: ClassVar[dict[tuple[str, str], str]] = {(_FIFTEEN, _SHORTEST): "fifteen_digits"}

    def nodes(self, tree: exp.Expr, ctx: SemanticsContext) -> list[exp.Expr]:
        casts = [n for n in ctx.find(tree, exp.Cast) if n.to.is_type(*_TEXT)]
        # `price || ' EUR'` writes the REAL as text the same way as a cast
        operands = [o for n in ctx.find(tree, exp.DPipe) for o in (n.this, n.expression)]
        return casts + operands

    def applies(self, node: exp.Expr, tree: exp.Expr, ctx: SemanticsContext) -> bool:
        if isinstance(node, exp.Cast) and node.to.is_type(*_TEXT):
            return ctx.source_kind(tree, node.this) == kinds.FLOAT
        return isinstance(node.parent, exp.DPipe) and ctx.source_kind(tree, node) == kinds.FLOAT

    def fifteen_digits(self, node: exp.Expr, ctx: SemanticsContext) -> exp.Expr:
        if not (isinstance(node, exp.Cast) and node.to.is_type(*_TEXT)):
            node = exp.cast(node.copy(), exp.DType.TEXT)  # an operand of ||
        if ctx.target in _EXPONENT:
            floor_log = template(_FLOOR_LOG[ctx.target], ctx.target, X=node.this)
            exponent = template(_EXPONENT[ctx.target], ctx.target, X=node.this, F=floor_log)
            target, value = ctx.target, node.this
            mantissa = template(_MANTISSA[target], target, X=value, E=exponent)
            plain = template(_PLAIN[target], target, X=value, E=exponent)
            return template(_FIFTEEN_DIGITS[target], target, E=exponent,
                            M=template(_POINT[target], target, T=mantissa),
                            P=template(_POINT[target], target, T=plain))
        if ctx.target == "postgres":
            return template(_POSTGRES, ctx.target, X=node.this)
        formatted = exp.Anonymous(this="printf", expressions=[
            exp.Literal.string("%.15g"), node.this.copy()])
        return template(_DUCKDB, ctx.target, G=formatted)
