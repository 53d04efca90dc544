"""SUBSTR / SUBSTRING with a start below 1, and what a position counts.

The engines agree when the start is 1 or more, and disagree below it:
    PostgreSQL  substr('abcdef', 0, 3) = 'ab'   substr('abcdef', -2, 5) = 'ab' (positions
                before the string count against the length)
    SQLite, DuckDB          0 -> 'ab'           -2 -> 'ef' (counted from the end)
    MySQL/MariaDB           0 -> ''             -2 -> 'ef'
    ClickHouse              0 -> ''             -2 -> 'ef', and substring() counts bytes, so
                substring('héllo', 2, 2) is 'é' (substringUTF8 counts characters).
The rewrite computes the source's start and length as a start of 1 or more and a length of 0
or more, which every target reads the same way, and writes ClickHouse's character variant.
"""

from __future__ import annotations

from typing import ClassVar

from sqlglot import exp
from sqlglot.optimizer.simplify import simplify

from tools.semantics import tree_walk
from tools.semantics.base import Family, SemanticsContext, int_literal

# behaviour: how a start of 0 / a negative start are read
_SHRINK = "before-start positions shrink the length"
_ZERO_SHRINK = "0 shrinks, negative counts from the end"
_ZERO_EMPTY = "0 is empty, negative counts from the end"
_BYTES = "0 is empty, negative counts from the end, positions are bytes"


#: sqlglot's simplify of a tree met before, by the tree's structure (its repr): simplify
#: costs milliseconds a call, and a literal length's tree recurs across statements
#: (benchmarks/semantics_speed.py empties it before each pass: repeats would all hit it)
SIMPLIFIED: dict[str, exp.Expr] = {}
SIMPLIFIED_KEPT = 256


def _simplified(node: exp.Expr) -> exp.Expr:
    """simplify(node) (`node` is a new tree of this module's, shared with nothing)."""
    if any(n.comments for n in tree_walk.nodes(node)):
        return simplify(node)  # comments are not in the repr: not cached
    key = repr(node)
    known = SIMPLIFIED.get(key)
    if known is not None:
        return known.copy()
    done = simplify(node)
    if len(SIMPLIFIED) >= SIMPLIFIED_KEPT:
        SIMPLIFIED.clear()
    SIMPLIFIED[key] = done.copy()
    return done


def _case(cond: exp.Expr, then: exp.Expr, other: exp.Expr) -> exp.Expr:
    return exp.Case(ifs=[exp.If(this=cond, true=then)], default=other)


def _lt(a: exp.Expr, b: int) -> exp.Expr:
    return exp.LT(this=a.copy(), expression=exp.Literal.number(b))


def _add(*terms: exp.Expr) -> exp.Expr:
    out = terms[0].copy()
    for term in terms[1:]:
        out = exp.Add(this=exp.paren(out, copy=False), expression=term.copy())
    return out


class Substring(Family):
    name = "substring"
    why = "SUBSTR/SUBSTRING with a start of 0 or below, and byte vs character positions"
    BEHAVIOUR: ClassVar[dict[str, str]] = {
        "postgres": _SHRINK, "sqlite": _ZERO_SHRINK, "duckdb": _ZERO_SHRINK,
        "mysql": _ZERO_EMPTY, "clickhouse": _BYTES,
    }
    REWRITES: ClassVar[dict[tuple[str, str], str]] = {
        (src, tgt): "positive_start"
        for src in (_SHRINK, _ZERO_SHRINK, _ZERO_EMPTY)
        for tgt in (_SHRINK, _ZERO_SHRINK, _ZERO_EMPTY, _BYTES) if src != tgt
    } | {(_BYTES, tgt): "unsupported: ClickHouse substring() counts bytes; a character "
                        "rewrite would change multi-byte results"
         for tgt in (_SHRINK, _ZERO_SHRINK, _ZERO_EMPTY)}

    def nodes(self, tree: exp.Expr, ctx: SemanticsContext) -> list[exp.Expr]:
        return list(ctx.find(tree, exp.Substring))

    def applies(self, node: exp.Expr, tree: exp.Expr, ctx: SemanticsContext) -> bool:
        start = int_literal(node.args.get("start") or exp.Literal.number(1))
        # a positive literal start means the same everywhere, except ClickHouse's bytes
        return ctx.target == "clickhouse" or start is None or start < 1

    def positive_start(self, node: exp.Expr, ctx: SemanticsContext) -> exp.Expr:
        text = node.this
        start = node.args.get("start") or exp.Literal.number(1)
        length = node.args.get("length")
        behaviour = self.BEHAVIOUR[ctx.source]
        pos = start
        if behaviour != _SHRINK:
            # a negative start counts from the end: position len + start + 1
            from_end = _add(exp.Length(this=text.copy()), start, exp.Literal.number(1))
            pos = exp.paren(_case(_lt(start, 0), from_end, start.copy()), copy=False)
        new_start = _case(_lt(pos, 1), exp.Literal.number(1), pos.copy())
        new_length = None
        if length is not None:
            # the positions before 1 are counted against the length
            kept = _case(_lt(pos, 1), _add(length, pos, exp.Literal.number(-1)), length.copy())
            new_length = _case(_lt(kept, 0), exp.Literal.number(0), kept)
        if behaviour == _ZERO_EMPTY:
            # MySQL: a start of 0, or one reaching before the string, gives ''
            empty = exp.Or(this=exp.EQ(this=start.copy(), expression=exp.Literal.number(0)),
                           expression=_lt(pos, 1))
            new_length = _case(empty, exp.Literal.number(0), new_length if new_length
                               is not None else exp.Length(this=text.copy()))
        if int_literal(start) is not None:
            # a literal start folds to plain numbers: SUBSTR(s, 0, 3) becomes SUBSTRING(s, 1, 2)
            new_start = _simplified(new_start)
            new_length = _simplified(new_length) if new_length is not None else None
        if ctx.target == "clickhouse":
            args = [text.copy(), new_start] + ([new_length] if new_length is not None else [])
            return exp.Anonymous(this="substringUTF8", expressions=args)
        return exp.Substring(this=text.copy(), start=new_start, length=new_length)
