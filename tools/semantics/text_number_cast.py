"""Text cast to a fractional number: CAST(s AS REAL / DOUBLE / NUMERIC / DECIMAL(p, s)).

SQLite and MySQL/MariaDB read the text's longest numeric prefix, leading blanks allowed, and
no digits as 0: CAST('12.5kg' AS REAL) = 12.5, CAST(' 2.5e1x' AS DOUBLE) = 25,
CAST('abc' AS DECIMAL(10,2)) = 0.00 (MySQL warns, SQLite says nothing). SQLite's NUMERIC and
DECIMAL(p, s) are an affinity, not a type: the prefix stays whole (integer when it fits, else
a double; '12.345x' is 12.345 whatever the scale), where MySQL's DECIMAL(p, s) rounds it half
away from zero to s places (DECIMAL alone is DECIMAL(10, 0)). DuckDB, PostgreSQL and
ClickHouse cast the whole text and raise a conversion error that quotes the value. The
rewrite extracts the prefix on the target (text_arithmetic's regex) and casts that: to a
double, or, from MySQL, to the decimal itself, so the target's decimal rounding is the
source's. Not covered: SQLite's integers beyond 2^53 read through NUMERIC (a double on the
target), and '1e400' (SQLite's infinity, an error elsewhere).
"""

from __future__ import annotations

from typing import ClassVar

from sqlglot import exp

from tools.semantics.base import Family, SemanticsContext, template
from tools.semantics.numeric import is_text
from tools.semantics.text_arithmetic import NUMBER_PATTERN, PARSE, PREFIX_TEXT

_AFFINITY = "numeric prefix; NUMERIC/DECIMAL keep it whole"
_ROUNDED = "numeric prefix; DECIMAL(p, s) rounds it to s places"
_STRICT = "the whole text, or a conversion error"
_FRACTIONAL = (*exp.DataType.FLOAT_TYPES, exp.DType.DECIMAL)


class TextNumberCast(Family):
    name = "text_number_cast"
    why = "Text cast to REAL, DOUBLE, NUMERIC or DECIMAL ('12.5kg', 'abc', ' 2.5e1')"
    BEHAVIOUR: ClassVar[dict[str, str]] = {
        "sqlite": _AFFINITY, "mysql": _ROUNDED,
        "postgres": _STRICT, "duckdb": _STRICT, "clickhouse": _STRICT,
    }
    REWRITES: ClassVar[dict[tuple[str, str], str]] = {
        (_AFFINITY, _STRICT): "numeric_prefix", (_ROUNDED, _STRICT): "numeric_prefix",
        # both read the prefix, but the decimal types differ (MySQL's DECIMAL(10, 0) rounds)
        (_AFFINITY, _ROUNDED): "numeric_prefix", (_ROUNDED, _AFFINITY): "numeric_prefix",
        # a strict source's cast of text succeeds only on a whole number, read alike
        (_STRICT, _AFFINITY): "same", (_STRICT, _ROUNDED): "same",
    }
    SOURCES = ("sqlite", "duckdb", "postgres", "mysql")

    def nodes(self, tree: exp.Expr, ctx: SemanticsContext) -> list[exp.Expr]:
        return [cast for cast in ctx.find(tree, exp.Cast)
                if isinstance(cast, exp.Cast) and cast.to.is_type(*_FRACTIONAL)
                and is_text(tree, cast.this, ctx)]

    def applies(self, node: exp.Expr, tree: exp.Expr, ctx: SemanticsContext) -> bool:
        # SQLite's CAST AS REAL and MySQL's CAST AS DOUBLE read the same prefix: only the
        # decimal types differ between them
        lenient = {"sqlite", "mysql"}
        return not (isinstance(node, exp.Cast) and {ctx.source, ctx.target} <= lenient
                    and node.to.is_type(*exp.DataType.FLOAT_TYPES))

    def numeric_prefix(self, node: exp.Expr, ctx: SemanticsContext) -> exp.Expr:
        assert isinstance(node, exp.Cast)  # nodes() finds casts only
        target, value = ctx.target, node.this
        pattern = NUMBER_PATTERN.replace("'", "''")
        if node.to.is_type(exp.DType.DECIMAL) and ctx.source == "mysql":
            params = [p.name for p in node.to.expressions] or ["10", "0"]
            precision, scale = params[0], params[1] if len(params) > 1 else "0"
            if target == "sqlite":
                return template(f"ROUND(CAST(X AS REAL), {scale})", target, X=value)
            prefix = PREFIX_TEXT[target].replace("{p}", pattern)
            if target == "clickhouse":
                # ClickHouse's text-to-decimal truncates: round the prefix's exact decimal
                # (one more digit of scale) half away from zero first
                prefix = f"round(toDecimal128OrNull({prefix}, {int(scale) + 1}), {scale})"
            sql = f"CAST({prefix} AS DECIMAL({precision}, {scale}))"
        else:
            sql = PARSE[target].replace("{p}", pattern)
        return template(f"CASE WHEN X IS NULL THEN NULL ELSE {sql} END", target, X=value)
