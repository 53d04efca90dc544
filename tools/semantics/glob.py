"""GLOB: SQLite's case-sensitive wildcard match, which the servers do not have.

    x GLOB p    '*' any run of characters (newlines too), '?' one character, '[...]' a class
                ('[^...]' negated, 'a-z' a range, a ']' first in the class is a member); no
                escape character; the whole of x must match; case-sensitive
PostgreSQL, MariaDB and ClickHouse have no GLOB (sqlglot passes it through, and the target
rejects it); DuckDB's GLOB differs (its '?' matches a byte, not an 'é'; a backslash escapes;
its classes read differently), so DuckDB gets the regex too (regexp_matches, RE2). A literal
pattern is written as the anchored regular expression that matches the same strings:
PostgreSQL's `~` (its '.' matches a newline, '$' only the end), MariaDB's REGEXP_INSTR (PCRE:
'(?s)' so '.' matches a newline, '(?-i)' so the column's case-insensitive collation does not
fold, '\\z' for the very end; it has no REGEXP_LIKE) and ClickHouse's match (RE2, '(?s)' and
'\\z'). A computed pattern has no faithful rewrite.
"""

from __future__ import annotations

from typing import ClassVar

from sqlglot import exp

from tools.errors import Unsupported
from tools.semantics.base import Family, SemanticsContext

_GLOB = "GLOB"
_DUCK_GLOB = "GLOB over bytes, backslash escapes; regexp_matches (RE2)"
_POSIX = "no GLOB; ~ (POSIX-style regex)"
_PCRE = "no GLOB; REGEXP_INSTR (PCRE, collation folds case)"
_RE2 = "no GLOB; match (RE2)"
#: regex spelling per target: (prefix, end anchor)
_DIALECT_REGEX = {_POSIX: ("^", "$"), _PCRE: ("(?s-i)^", "\\z"), _RE2: ("(?s)^", "\\z"),
                  _DUCK_GLOB: ("(?s)^", "\\z")}
_CLASS_SPECIAL = frozenset("]\\^-[")
#: characters every one of the three regex syntaxes reads as operators (RE2 refuses an
#: escaped letter or space, so nothing else is escaped)
_REGEX_SPECIAL = frozenset(".^$|?*+()[]{}\\")


def _glob_class(pattern: str, start: int) -> tuple[str, int] | None:
    """The regex class for the GLOB class opening at pattern[start] ('['), and the index past
    it; None when the class never closes (SQLite then matches nothing)."""
    i = start + 1
    negated = i < len(pattern) and pattern[i] == "^"
    i += negated
    members: list[str] = []
    first = True
    while i < len(pattern) and (first or pattern[i] != "]"):
        char = pattern[i]
        if char == "-" and members and not first and i + 1 < len(pattern) and \
                pattern[i + 1] != "]":
            low, high = members.pop(), pattern[i + 1]
            members.append(f"{low}-{_class_char(high)}")
            i += 2
            continue
        members.append(_class_char(char))
        first = False
        i += 1
    if i >= len(pattern):
        return None
    return "[" + ("^" if negated else "") + "".join(members) + "]", i + 1


def _class_char(char: str) -> str:
    return "\\" + char if char in _CLASS_SPECIAL else char


def glob_regex(pattern: str, behaviour: str) -> str | None:
    """The anchored regex matching what GLOB `pattern` matches; None if it matches nothing."""
    prefix, end = _DIALECT_REGEX[behaviour]
    out = [prefix]
    i = 0
    while i < len(pattern):
        char = pattern[i]
        if char == "*":
            out.append(".*")
        elif char == "?":
            out.append(".")
        elif char == "[":
            found = _glob_class(pattern, i)
            if found is None:
                return None
            out.append(found[0])
            i = found[1]
            continue
        else:
            out.append("\\" + char if char in _REGEX_SPECIAL else char)
        i += 1
    out.append(end)
    return "".join(out)


class Glob(Family):
    name = "glob"
    why = "GLOB (case-sensitive wildcard match)"
    BEHAVIOUR: ClassVar[dict[str, str]] = {
        "sqlite": _GLOB, "duckdb": _DUCK_GLOB, "postgres": _POSIX, "mysql": _PCRE,
        "clickhouse": _RE2,
    }
    REWRITES: ClassVar[dict[tuple[str, str], str]] = {
        **{(_GLOB, t): "as_regex" for t in (_DUCK_GLOB, _POSIX, _PCRE, _RE2)},
        **{(_DUCK_GLOB, t): "open: DuckDB's GLOB (bytes, backslash escapes) is not carried "
                            "yet" for t in (_GLOB, _POSIX, _PCRE, _RE2)},
        # the servers have no GLOB to carry anywhere
        **{(s, t): "same" for s in (_POSIX, _PCRE, _RE2)
           for t in (_GLOB, _DUCK_GLOB, _POSIX, _PCRE, _RE2) if s != t},
    }

    def nodes(self, tree: exp.Expr, ctx: SemanticsContext) -> list[exp.Expr]:
        return list(ctx.find(tree, exp.Glob))

    def as_regex(self, node: exp.Expr, ctx: SemanticsContext) -> exp.Expr:
        pattern = node.expression
        if not (isinstance(pattern, exp.Literal) and pattern.is_string):
            raise Unsupported(f"{self.why} cannot be carried from {ctx.source} to "
                              f"{ctx.target}: only a literal pattern can be written as the "
                              f"same regular expression")
        behaviour = self.BEHAVIOUR[ctx.target]
        regex = glob_regex(pattern.name, behaviour)
        if regex is None:  # an unclosed '[': SQLite matches no string (NULL stays NULL)
            return exp.NEQ(this=node.this.copy(), expression=node.this.copy())
        subject, literal = node.this.copy(), exp.Literal.string(regex)
        if behaviour == _PCRE:
            return exp.GT(this=exp.Anonymous(this="REGEXP_INSTR", expressions=[
                subject, literal]), expression=exp.Literal.number(0))
        if behaviour == _RE2:
            return exp.Anonymous(this="match", expressions=[subject, literal])
        if behaviour == _DUCK_GLOB:
            return exp.Anonymous(this="regexp_matches", expressions=[subject, literal])
        return exp.RegexpLike(this=subject, expression=literal)
