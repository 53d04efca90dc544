"""Text used as a number: '3abc' + 1, a text column in arithmetic or compared with a number.

SQLite and MySQL/MariaDB read a string as a number by its longest numeric prefix, leading
blanks allowed: '3abc' + 1 = 4, ' 2.5e1x' + 0 = 25, 'abc' + 0 = 0; MySQL compares a text
column with a number as two doubles too ('010' = 10 is true). PostgreSQL refuses text in
arithmetic, DuckDB and ClickHouse cast the whole string and fail on '3abc'. The rewrite
parses the prefix on the target with its own regex function, so the value is the source's;
a string cast to an integer reads its integer prefix ('12.5kg' -> 12).

SQLite's comparisons of text with a number follow affinity (probed on SQLite 3.4x). A TEXT
column against a value of no affinity is text_affinity's (the number compared as text).
Against a numeric column or CAST the text is read as a number only when the whole of it is
one (blanks around it allowed: ' 7' = n, '7.' = n; '7abc' and 'abc' stay text, and text is
greater than every number), where MySQL reads any text's numeric prefix ('7abc' = 7, 'abc' =
0). A string literal against a value of no affinity compares storage classes (text is the
greater). Towards MySQL both are written as SQLite decides them.
"""

from __future__ import annotations

import re
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
        (_PREFIX, _PREFIX_COMPARES): "as_sqlite_compares",
        # a strict source never computes with text (its own engine refuses or casts whole)
        (_STRICT, _PREFIX): "same", (_STRICT, _PREFIX_COMPARES): "same",
    }

    def nodes(self, tree: exp.Expr, ctx: SemanticsContext) -> list[exp.Expr]:
        if ctx.source == "sqlite" and ctx.target == "mysql":
            # MySQL reads a prefix as SQLite does: only the comparisons differ
            return [op for op in ctx.find(tree, *_COMPARISONS)
                    if (sides := _text_and_number(tree, op, ctx)) is not None
                    and (isinstance(_bare(sides[0]), exp.Literal)
                         or isinstance(_bare(sides[1]), (exp.Column, exp.Cast)))]
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

    def as_sqlite_compares(self, node: exp.Expr, ctx: SemanticsContext) -> exp.Expr:
        """A SQLite comparison of text with a number, as SQLite's affinity decides it."""
        sides = _text_and_number(node.root(), node, ctx)
        if sides is None:
            return node
        text, number, text_left = sides
        # where the text stays text, it is greater than the number (NULL stays NULL)
        text_greater: dict[type[exp.Expr], bool] = {
            exp.EQ: False, exp.NEQ: True, exp.GT: text_left, exp.GTE: text_left,
            exp.LT: not text_left, exp.LTE: not text_left}
        greater = text_greater[type(node)]
        stays_text = f"WHEN N IS NULL THEN NULL ELSE {int(greater)} = 1"
        if isinstance(_bare(text), exp.Literal):
            literal = _bare(text)
            digits = literal.name.strip(_SQLITE_BLANKS)
            if isinstance(_bare(number), (exp.Column, exp.Cast)) and \
                    _WHOLE_NUMBER.fullmatch(digits):
                literal.replace(exp.Literal.string(digits))  # the same number on both
                return node
            return template(f"CASE {stays_text} END", "mysql", N=number)
        # a numeric column or CAST: the text is read as a number where it is one whole
        compared = node.copy()
        number_text = template(f"CAST(REGEXP_REPLACE(T, '^{_BLANKS}+|{_BLANKS}+$', '') "
                               f"AS DOUBLE)", "mysql", T=text)
        compared.set("this" if text_left else "expression", number_text)
        return template(f"CASE WHEN T IS NULL THEN NULL "
                        f"WHEN REGEXP_INSTR(T, '^{_BLANKS}*{_WHOLE_NUMBER.pattern}{_BLANKS}*$') "
                        f"> 0 THEN C {stays_text} END", "mysql",
                        T=text, N=number, C=compared)


#: SQLite's blanks around a number (isspace: space, tab, newline, VT, FF, CR)
_BLANKS = "[ \\\\t\\\\n\\\\x0B\\\\f\\\\r]"  # doubled: a MySQL literal unescapes once
_SQLITE_BLANKS = " \t\n\x0b\f\r"
#: what SQLite's numeric affinity reads as a number (between blanks)
_WHOLE_NUMBER = re.compile(r"[-+]?(?:[0-9]+[.]?[0-9]*|[.][0-9]+)(?:[eE][-+]?[0-9]+)?")


def _bare(node: exp.Expr) -> exp.Expr:
    while isinstance(node, exp.Paren):
        node = node.this
    return node


def _text_and_number(tree: exp.Expr, op: exp.Expr,
                     ctx: SemanticsContext) -> tuple[exp.Expr, exp.Expr, bool] | None:
    """(text side, number side, whether the text is on the left) of a comparison of text
    with a number, else None."""
    left, right = op.this, op.expression
    for text, other, text_left in ((left, right, True), (right, left, False)):
        if is_text(tree, text, ctx) and \
                number_kind(tree, other, ctx) in ("int", "float", "decimal"):
            return text, other, text_left
    return None
