"""quote_literal() / quote_nullable() / quote_ident() (PostgreSQL source).

PostgreSQL writes a value as an SQL literal (doubling quotes; a value holding a backslash
gets the E'' form with the backslash doubled; quote_nullable gives the word NULL for NULL)
or as an identifier (left bare only when it is lower case letters, digits and _, not
starting with a digit (no $) and not a keyword PostgreSQL reserves in any way; otherwise double
quoted with its double quotes doubled). No other engine has these functions and sqlglot
writes the calls as they are. The rewrite spells each rule with REPLACE, a CASE and, for
identifiers, a regular expression and PostgreSQL's keyword list. format()'s %L and %I
(pg_format) are the same rules.
"""

from __future__ import annotations

from typing import ClassVar

from sqlglot import exp

from tools.semantics import kinds
from tools.semantics.base import DIALECTS, Family, SemanticsContext
from tools.semantics.pg_calls import BUILT_IN, MISSING, calls

#: the keywords quote_ident() quotes (PostgreSQL 15's pg_get_keywords() whose catcode is not
#: 'U': reserved, type or function names and column names)
PG_QUOTED_KEYWORDS = frozenset("""
all analyse analyze and any array as asc asymmetric authorization between bigint binary bit
boolean both case cast char character check coalesce collate collation column concurrently
constraint create cross current_catalog current_date current_role current_schema current_time
current_timestamp current_user dec decimal default deferrable desc distinct do else end except
exists extract false fetch float for foreign freeze from full grant greatest group grouping
having ilike in initially inner inout int integer intersect interval into is isnull join
lateral leading least left like limit localtime localtimestamp national natural nchar none
normalize not notnull null nullif numeric offset on only or order out outer overlaps overlay
placing position precision primary real references returning right row select session_user
setof similar smallint some substring symmetric table tablesample then time timestamp to
trailing treat trim true union unique user using values varchar variadic verbose when where
window with xmlattributes xmlconcat xmlelement xmlexists xmlforest xmlnamespaces xmlparse
xmlpi xmlroot xmlserialize xmltable""".split())
#: an identifier PostgreSQL leaves bare (before the keyword test)
_BARE = "^[a-z_][a-z0-9_]*$"


def as_text(value: exp.Expr, ctx: SemanticsContext) -> exp.Expr:
    """`value` as text (PostgreSQL's functions take text: a number is cast first)."""
    if ctx.source_kind(value.root(), value) == kinds.OTHER:
        return value.copy()
    return exp.cast(value.copy(), exp.DType.TEXT)


def joined(*parts: exp.Expr) -> exp.Expr:
    joined = parts[0]
    for part in parts[1:]:
        joined = exp.DPipe(this=joined, expression=part, safe=True)
    return exp.paren(joined, copy=False)


def literal_of(text: exp.Expr, target: str = "") -> exp.Expr:
    """quote_literal(text): NULL for NULL."""
    backslash, quote = exp.Literal.string("\\"), exp.Literal.string("'")
    escaped = exp.Replace(this=exp.Replace(this=text.copy(), expression=backslash.copy(),
                                           replacement=exp.Literal.string("\\\\")),
                          expression=quote.copy(), replacement=exp.Literal.string("''"))
    prefix = exp.Case(ifs=[exp.If(this=exp.GT(this=exp.StrPosition(this=text.copy(),
                                                                    substr=backslash.copy()),
                                              expression=exp.Literal.number(0)),
                                  true=exp.Literal.string("E"))],
                      default=exp.Literal.string(""))
    return joined(prefix, quote.copy(), escaped, quote.copy())


def nullable_literal_of(text: exp.Expr, target: str = "") -> exp.Expr:
    """quote_nullable(text): the word NULL for NULL."""
    return exp.Coalesce(this=literal_of(text, target), expressions=[exp.Literal.string("NULL")])


def ident_of(text: exp.Expr, target: str) -> exp.Expr:
    """quote_ident(text): bare when PostgreSQL would leave it bare, else double quoted."""
    if target == "sqlite":  # no REGEXP without an extension: two GLOBs say the same
        shape: exp.Expr = exp.and_(
            exp.Glob(this=text.copy(), expression=exp.Literal.string("[a-z_]*")),
            exp.not_(exp.Glob(this=text.copy(), expression=exp.Literal.string("*[^a-z0-9_]*"))))
    elif target == "mysql":  # MariaDB has no REGEXP_LIKE; a binary subject is case-sensitive
        shape = exp.GT(this=exp.Anonymous(this="REGEXP_INSTR", expressions=[
            exp.cast(text.copy(), exp.DType.BINARY), exp.Literal.string(_BARE)]),
            expression=exp.Literal.number(0))
    else:
        shape = exp.RegexpLike(this=text.copy(), expression=exp.Literal.string(_BARE))
    bare = exp.and_(shape,
                    exp.not_(exp.In(this=text.copy(), expressions=[
                        exp.Literal.string(word) for word in sorted(PG_QUOTED_KEYWORDS)])))
    dquote = exp.Literal.string('"')
    quoted = joined(dquote.copy(), exp.Replace(this=text.copy(), expression=dquote.copy(),
                                               replacement=exp.Literal.string('""')),
                    dquote.copy())
    return exp.Case(ifs=[exp.If(this=bare, true=text.copy())], default=quoted)


class Quoting(Family):
    name = "pg_quoting"
    why = "quote_literal(), quote_nullable() and quote_ident() (PostgreSQL function counterparts)"
    BEHAVIOUR: ClassVar[dict[str, str]] = {d: MISSING for d in DIALECTS} | {"postgres": BUILT_IN}
    SOURCES = ("postgres",)
    REWRITES: ClassVar[dict[tuple[str, str], str]] = {(BUILT_IN, MISSING): "spelled_out"}

    def nodes(self, tree: exp.Expr, ctx: SemanticsContext) -> list[exp.Expr]:
        return [n for n in calls(tree, ctx, "quote_literal", "quote_nullable", "quote_ident")
                if len(n.expressions) == 1]

    def spelled_out(self, node: exp.Expr, ctx: SemanticsContext) -> exp.Expr:
        text = as_text(node.expressions[0], ctx)
        name = str(node.this).lower()
        if name == "quote_literal":
            return literal_of(text, ctx.target)
        if name == "quote_nullable":
            return nullable_literal_of(text, ctx.target)
        return ident_of(text, ctx.target)
