"""A boolean cast to text: 'true' or '1'.

PostgreSQL and DuckDB write CAST(qty > 2 AS TEXT) as 'true' / 'false'; MySQL, MariaDB and
SQLite have no boolean values (a comparison is the integer 1 or 0) and write '1' / '0', and
so does ClickHouse, whose comparisons are UInt8. Towards the digit engines the cast becomes
a CASE giving the words; towards the word engines the value goes through an integer first.
A boolean is a comparison, a logical connective, TRUE/FALSE, or a column the source catalog
types as bool.
"""

from __future__ import annotations

from typing import ClassVar

from sqlglot import exp

from tools.semantics.base import Family, SemanticsContext

_WORDS = "'true' / 'false'"
_DIGITS = "'1' / '0'"
_TEXT = (exp.DType.TEXT, exp.DType.VARCHAR, exp.DType.CHAR, exp.DType.NVARCHAR,
         exp.DType.NCHAR)
_BOOLEAN = (exp.Predicate, exp.Connector, exp.Not, exp.Boolean)


class BoolText(Family):
    name = "bool_text"
    why = "A boolean cast to text"
    BEHAVIOUR: ClassVar[dict[str, str]] = {
        "postgres": _WORDS, "duckdb": _WORDS, "clickhouse": _DIGITS, "mysql": _DIGITS,
        "sqlite": _DIGITS,
    }
    REWRITES: ClassVar[dict[tuple[str, str], str]] = {
        (_WORDS, _DIGITS): "spell_words", (_DIGITS, _WORDS): "spell_digits"}

    def nodes(self, tree: exp.Expr, ctx: SemanticsContext) -> list[exp.Expr]:
        return [n for n in ctx.find(tree, exp.Cast) if n.to.is_type(*_TEXT)]

    def applies(self, node: exp.Expr, tree: exp.Expr, ctx: SemanticsContext) -> bool:
        value = node.this
        while isinstance(value, exp.Paren):
            value = value.this
        if isinstance(value, _BOOLEAN):
            return True
        if isinstance(value, exp.Column):
            bools = {c.lower() for cols in ctx.schema.values()
                     for c, kind in cols.items() if kind == "bool"}
            others = {c.lower() for cols in ctx.schema.values()
                      for c, kind in cols.items() if kind != "bool"}
            return value.name.lower() in bools and value.name.lower() not in others
        return False

    def spell_words(self, node: exp.Expr, ctx: SemanticsContext) -> exp.Expr:
        value = exp.paren(node.this.copy(), copy=False)
        return exp.Case(ifs=[
            exp.If(this=value, true=exp.Literal.string("true")),
            exp.If(this=exp.Not(this=value.copy()), true=exp.Literal.string("false"))])

    def spell_digits(self, node: exp.Expr, ctx: SemanticsContext) -> exp.Expr:
        as_int = exp.Cast(this=node.this.copy(), to=exp.DataType.build("INT"))
        return exp.Cast(this=as_int, to=node.args["to"].copy())
