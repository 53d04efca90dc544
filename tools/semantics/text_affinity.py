"""A text column compared with a number that has no type of its own.

SQLite gives a column its declared type's affinity and a literal or an expression none; when
a TEXT column meets such an operand in =, <>, <, <=, >, >=, IN (list) or BETWEEN, the number
is converted to text and the two compare as text: code = 7 matches '7' but not '007', and
code < 10 compares '10' with '9' as strings. DuckDB casts the text to a number (007 = 7),
MySQL/MariaDB compare both as doubles, PostgreSQL and ClickHouse refuse text = integer. The
rewrite writes the number as SQLite would write it as text: an integer literal or expression
as its digits, a REAL literal as SQLite itself spells it ('1.0e+20'), a REAL expression with
SQLite's 15 digits (real_text's spelling).
A column or a CAST on the other side has an affinity of its own (numeric: the text is read as
a number), which this family leaves alone.
"""

from __future__ import annotations

import sqlite3
from typing import ClassVar

from sqlglot import exp

from tools.semantics import kinds
from tools.semantics.base import Family, SemanticsContext
from tools.semantics.numeric import is_text
from tools.semantics.real_text import RealText

_AS_TEXT = "a number without affinity is compared as text with a text column"
_AS_NUMBER = "a text column compared with a number is read as a number (or fails)"
_COMPARISONS = (exp.EQ, exp.NEQ, exp.GT, exp.GTE, exp.LT, exp.LTE)


def _operand_groups(node: exp.Expr) -> tuple[exp.Expr, list[exp.Expr]] | None:
    """(the column-side operand, the operands compared with it) of a comparison."""
    if isinstance(node, _COMPARISONS):
        return node.this, [node.expression]
    if isinstance(node, exp.In) and not node.args.get("query"):
        return node.this, list(node.expressions)
    if isinstance(node, exp.Between):
        return node.this, [node.args["low"], node.args["high"]]
    return None


def _bare(node: exp.Expr) -> exp.Expr:
    while isinstance(node, exp.Paren):
        node = node.this
    return node


class TextAffinity(Family):
    name = "text_affinity"
    why = "A text column compared with a number"
    BEHAVIOUR: ClassVar[dict[str, str]] = {
        "sqlite": _AS_TEXT, "duckdb": _AS_NUMBER, "postgres": _AS_NUMBER, "mysql": _AS_NUMBER,
        "clickhouse": _AS_NUMBER,
    }
    SOURCES = ("sqlite",)
    REWRITES: ClassVar[dict[tuple[str, str], str]] = {(_AS_TEXT, _AS_NUMBER): "number_as_text"}

    def nodes(self, tree: exp.Expr, ctx: SemanticsContext) -> list[exp.Expr]:
        found: list[exp.Expr] = []
        for node in ctx.find(tree, *_COMPARISONS, exp.In, exp.Between):
            groups = _operand_groups(node)
            if groups is None:
                continue
            column, others = groups
            if isinstance(node, _COMPARISONS) and not is_text(tree, column, ctx):
                column, others = node.expression, [node.this]  # 7 = code
            if isinstance(_bare(column), exp.Column) and is_text(tree, column, ctx):
                found += [o for o in others if self._number_without_affinity(o, tree, ctx)]
        return found

    @staticmethod
    def _number_without_affinity(node: exp.Expr, tree: exp.Expr, ctx: SemanticsContext
                                 ) -> bool:
        bare = _bare(node)
        if isinstance(bare, (exp.Column, exp.Cast, exp.Subquery, exp.Select)):
            return False  # an affinity of its own (a subquery's column: left alone)
        return ctx.source_kind(tree, bare) in (kinds.INT, kinds.FLOAT)

    def number_as_text(self, node: exp.Expr, ctx: SemanticsContext) -> exp.Expr:
        bare = _bare(node)
        literal = bare.this if isinstance(bare, exp.Neg) else bare
        if isinstance(literal, exp.Literal) and not literal.is_string:
            # SQLite's own spelling of the number as text (15 digits, '.0', 'e+20')
            spelled = bare.sql(dialect="sqlite")
            db = sqlite3.connect(":memory:")
            try:
                (text,) = db.execute(f"SELECT CAST({spelled} AS TEXT)").fetchone()
            finally:
                db.close()
            return exp.Literal.string(text)
        as_text = exp.cast(bare.copy(), exp.DType.TEXT)
        if ctx.source_kind(node.root(), bare) == kinds.INT:
            return as_text
        return RealText().fifteen_digits(as_text, ctx)
