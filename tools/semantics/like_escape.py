"""LIKE's escape character when the statement names none.

    PostgreSQL, MySQL/MariaDB  a backslash escapes the next character, whatever it is
                               ('A\\B' matches 'AB')
    ClickHouse                 a backslash escapes only %, _ and itself ('A\\B' matches 'A\\B')
    SQLite, DuckDB             no default escape: 'A\\_B' looks for a backslash
A literal pattern is read with the source's rules into literal characters and wildcards and
written again with the target's (naming ESCAPE '\\' on SQLite/DuckDB when a literal % or _
needs it). A computed pattern gets ESCAPE '\\' towards SQLite/DuckDB, and its backslashes
doubled from them; between ClickHouse and the others it has no faithful rewrite.
"""

from __future__ import annotations

from typing import ClassVar

from sqlglot import exp

from tools.errors import Unsupported
from tools.semantics.base import Family, SemanticsContext

_ANY_CHAR = "backslash escapes any character"
_SPECIALS = "backslash escapes only %, _ and backslash"
_NONE = "no default escape"
_LIKES = (exp.Like, exp.ILike)
_WILDCARDS = ("%", "_")


def read_pattern(text: str, behaviour: str) -> list[tuple[bool, str]]:
    """The pattern as (is_wildcard, character) pairs under a source's escape rules."""
    out: list[tuple[bool, str]] = []
    i = 0
    while i < len(text):
        char = text[i]
        nxt = text[i + 1] if i + 1 < len(text) else None
        escapes = behaviour == _ANY_CHAR or (behaviour == _SPECIALS and nxt in ("%", "_", "\\"))
        if char == "\\" and nxt is not None and escapes:
            out.append((False, nxt))
            i += 2
            continue
        out.append((char in _WILDCARDS, char))
        i += 1
    return out


def write_pattern(tokens: list[tuple[bool, str]], behaviour: str) -> tuple[str, bool]:
    """(pattern text, whether it needs ESCAPE '\\') under a target's escape rules."""
    def escaped(wildcard: bool, char: str) -> str:
        return "\\" + char if not wildcard and char in ("\\", "%", "_") else char
    if behaviour == _NONE and not any(not w and c in _WILDCARDS for w, c in tokens):
        return "".join(c for _, c in tokens), False
    return "".join(escaped(w, c) for w, c in tokens), behaviour == _NONE


class LikeEscape(Family):
    name = "like_escape"
    why = "LIKE/ILIKE patterns with a backslash and no ESCAPE clause"
    BEHAVIOUR: ClassVar[dict[str, str]] = {
        "postgres": _ANY_CHAR, "mysql": _ANY_CHAR, "clickhouse": _SPECIALS,
        "sqlite": _NONE, "duckdb": _NONE,
    }
    REWRITES: ClassVar[dict[tuple[str, str], str]] = {
        (s, t): "respell" for s in (_ANY_CHAR, _SPECIALS, _NONE)
        for t in (_ANY_CHAR, _SPECIALS, _NONE) if s != t}

    def nodes(self, tree: exp.Expr, ctx: SemanticsContext) -> list[exp.Expr]:
        return [n for n in ctx.find(tree, *_LIKES) if not isinstance(n.parent, exp.Escape)]

    def applies(self, node: exp.Expr, tree: exp.Expr, ctx: SemanticsContext) -> bool:
        pattern = node.expression
        # a pattern with no backslash means the same everywhere; a computed one may hold one
        return not (isinstance(pattern, exp.Literal) and "\\" not in pattern.name)

    def respell(self, node: exp.Expr, ctx: SemanticsContext) -> exp.Expr:
        source, target = self.BEHAVIOUR[ctx.source], self.BEHAVIOUR[ctx.target]
        pattern = node.expression
        out = node.copy()  # keeps NOT (negate) and the other arguments
        if isinstance(pattern, exp.Literal):
            text, escape = write_pattern(read_pattern(pattern.name, source), target)
            out.set("expression", exp.Literal.string(text))
            return exp.Escape(this=out, expression=exp.Literal.string("\\")) if escape else out
        if target == _NONE:
            return exp.Escape(this=out, expression=exp.Literal.string("\\"))
        if source == _NONE:
            out.set("expression", exp.Anonymous(this="REPLACE", expressions=[
                pattern.copy(), exp.Literal.string("\\"), exp.Literal.string("\\\\")]))
            return out
        raise Unsupported(f"{self.why} cannot be carried from {ctx.source} to {ctx.target}: "
                          f"a computed pattern's backslashes escape differently there")
