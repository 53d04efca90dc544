"""Text used as a number: '3abc' + 1, a text column in arithmetic or compared with a number.

SQLite and MySQL/MariaDB read a string as a number by its longest numeric prefix, leading
blanks allowed: '3abc' + 1 = 4, ' 2.5e1x' + 0 = 25, 'abc' + 0 = 0; MySQL compares a text
column with a number as two doubles too ('010' = 10 is true). PostgreSQL refuses text in
arithmetic, DuckDB and ClickHouse cast the whole string and fail on '3abc'. The rewrite
parses the prefix on the target with its own regex function, so the value is the source's;
a string cast to an integer reads its integer prefix ('12.5kg' -> 12). SQLite's own
comparisons of a text column with a number compare as text (the column's affinity): open.
"""

from __future__ import annotations

from typing import ClassVar

from sqlglot import exp

from tools.semantics.base import Family, SemanticsContext, template
from tools.semantics.numeric import is_text, number_kind

_PREFIX = "text reads as its numeric prefix"
_PREFIX_COMPARES = "text reads as its numeric prefix, also compared with a number"
_STRICT = "text in arithmetic fails or is cast whole"
# non-capturing groups: PostgreSQL's SUBSTRING(x FROM re) returns the first captured group
NUMBER_PATTERN = r"^\s*[-+]?(?:[0-9]+[.]?[0-9]*|[.][0-9]+)(?:[eE][-+]?[0-9]+)?"
#: the numeric prefix as text on each target ('' or no match -> '0'), for a cast to read
PREFIX_TEXT = {
    "postgres": "COALESCE(NULLIF(SUBSTRING(X FROM '{p}'), ''), '0')",
    "duckdb": "COALESCE(NULLIF(REGEXP_EXTRACT(X, '{p}'), ''), '0')",
    "clickhouse": "if(extract(X, '{p}') = '', '0', trimLeft(extract(X, '{p}')))",
}
#: the numeric prefix as a double on each target ('' or no match -> 0, NULL stays NULL)
PARSE = {
    "postgres": f"CAST({PREFIX_TEXT['postgres']} AS DOUBLE PRECISION)",
    "duckdb": f"CAST({PREFIX_TEXT['duckdb']} AS DOUBLE)",
    "clickhouse": f"toFloat64OrNull({PREFIX_TEXT['clickhouse']})",
    # SQLite's CAST AS REAL is the same prefix parse (it is what its arithmetic does)
    "sqlite": "CAST(X AS REAL)",
    # so is MariaDB's and MySQL's CAST AS DOUBLE (leading blanks too)
    "mysql": "CAST(X AS DOUBLE)",
}
#: a string cast to an integer: its integer prefix ('12.5kg' -> 12, '1e2' -> 1, 'abc' -> 0)
_INTEGER_PATTERN = r"^\s*[-+]?[0-9]+"
_ARITHMETIC = (exp.Add, exp.Sub, exp.Mul, exp.Div, exp.Mod)
_COMPARISONS = (exp.EQ, exp.NEQ, exp.GT, exp.GTE, exp.LT, exp.LTE)


class TextArithmetic(Family):
    name = "text_arithmetic"
    why = "Text used as a number (arithmetic, or MySQL's text compared with a number)"
    BEHAVIOUR: ClassVar[dict[str, str]] = {
        "sqlite": _PREFIX, "mysql": _PREFIX_COMPARES,
        "postgres": _STRICT, "duckdb": _STRICT, "clickhouse": _STRICT,
    }
    REWRITES: ClassVar[dict[tuple[str, str], str]] = {
        (_PREFIX, _STRICT): "numeric_prefix", (_PREFIX_COMPARES, _STRICT): "numeric_prefix",
        # SQLite compares a text column with a number as text: only the comparisons change
        (_PREFIX_COMPARES, _PREFIX): "numeric_prefix",
        (_PREFIX, _PREFIX_COMPARES): "open: SQLite compares a TEXT column with a number as "
                                     "text ('007' = 7 is false); MySQL compares numbers",
        # a strict source never computes with text (its own engine refuses or casts whole)
        (_STRICT, _PREFIX): "same", (_STRICT, _PREFIX_COMPARES): "same",
    }

    def nodes(self, tree: exp.Expr, ctx: SemanticsContext) -> list[exp.Expr]:
        found: list[exp.Expr] = []
        for op in ctx.find(tree, *_ARITHMETIC) if ctx.target != "sqlite" else []:
            found += [a for a in (op.this, op.expression) if is_text(tree, a, ctx)]
        for cast in ctx.find(tree, exp.Cast):
            if cast.to.is_type(*exp.DataType.INTEGER_TYPES) and is_text(tree, cast.this, ctx):
                found.append(cast)
        if ctx.source == "mysql":
            for op in ctx.find(tree, *_COMPARISONS):
                left, right = op.this, op.expression
                for text, other in ((left, right), (right, left)):
                    if is_text(tree, text, ctx) and not isinstance(text, exp.Literal) \
                            and number_kind(tree, other, ctx) in ("int", "float", "decimal"):
                        found.append(text)
        return found

    def numeric_prefix(self, node: exp.Expr, ctx: SemanticsContext) -> exp.Expr:
        if isinstance(node, exp.Cast):
            if ctx.target == "sqlite":
                return node
            parse = PARSE[ctx.target].replace("{p}", _INTEGER_PATTERN)
            value = template(f"CASE WHEN X IS NULL THEN NULL ELSE {parse} END", ctx.target,
                             X=node.this)
            out = node.copy()
            out.set("this", value)
            return out
        parse = PARSE[ctx.target].replace("{p}", NUMBER_PATTERN.replace("'", "''"))
        # no match means 0, but NULL stays NULL
        return template(f"CASE WHEN X IS NULL THEN NULL ELSE {parse} END", ctx.target, X=node)
