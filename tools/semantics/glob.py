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

DuckDB's GLOB as a source (its Glob() in like.cpp, probed on DuckDB 1.x) works on the UTF-8
bytes: '?' is one byte (so 'é' GLOB '?' is false and GLOB '??' true), '[...]' a set of bytes
('!' negates, a ']' first is a member, 'x-y' a range of signed chars even when y is ']', a
backslash inside is a member), a backslash outside takes the next byte literally, and an
unclosed class or a trailing backslash matches nothing. A regex over characters cannot say
"one byte", so towards the servers the subject's bytes are matched in hex: each byte is two
hex digits, '?' is '..', '*' is '(?:..)*' (whole bytes, so no match straddles two of them), a
class lists its bytes. SQLite has no regex: there a pattern of literal text and '*' (where
bytes and characters agree) becomes SQLite's GLOB; '?' or a class cannot be carried.
"""

from __future__ import annotations

from typing import ClassVar

from sqlglot import exp

from tools.errors import Unsupported
from tools.semantics.base import Family, SemanticsContext, template

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
        (_DUCK_GLOB, _GLOB): "bytes_as_sqlite_glob",
        **{(_DUCK_GLOB, t): "bytes_as_hex_regex" for t in (_POSIX, _PCRE, _RE2)},
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

    def bytes_as_hex_regex(self, node: exp.Expr, ctx: SemanticsContext) -> exp.Expr:
        """DuckDB's byte-wise GLOB as a regex over the subject's bytes in hex."""
        tokens = duckdb_glob_tokens(self._literal_pattern(node, ctx))
        if tokens is None:  # an unclosed class or a trailing backslash: no string matches
            return exp.NEQ(this=node.this.copy(), expression=node.this.copy())
        upper = ctx.target != "postgres"  # PostgreSQL's encode(…, 'hex') writes lower case
        regex = "^" + "".join(_hex_token(token, upper) for token in tokens) + "$"
        return template(_HEX_MATCH[ctx.target].format(regex=regex), ctx.target,
                        X=node.this)

    def bytes_as_sqlite_glob(self, node: exp.Expr, ctx: SemanticsContext) -> exp.Expr:
        """DuckDB's GLOB of literal text and '*' as SQLite's GLOB (bytes and characters agree)."""
        tokens = duckdb_glob_tokens(self._literal_pattern(node, ctx))
        if tokens is None:
            return exp.NEQ(this=node.this.copy(), expression=node.this.copy())
        pattern: list[str] = []
        run = bytearray()
        for token in [*tokens, _STAR]:
            if token is not _STAR and len(token) == 1:
                run.append(next(iter(token)))
                continue
            if token is not _STAR:
                raise Unsupported(f"{self.why} cannot be carried from {ctx.source} to "
                                  f"{ctx.target}: DuckDB's '?' and '[...]' match one byte, "
                                  f"SQLite's one character, and SQLite has no regex to "
                                  f"match bytes with")
            try:
                text = run.decode("utf-8")
            except UnicodeDecodeError as exc:
                raise Unsupported(f"{self.why} cannot be carried from {ctx.source} to "
                                  f"{ctx.target}: the pattern names part of a multi-byte "
                                  f"character") from exc
            pattern += [f"[{c}]" if c in "*?[" else c for c in text]
            run = bytearray()
            pattern.append("*")
        # the loop's own closing '*' is not the pattern's
        return exp.Glob(this=node.this.copy(), expression=exp.Literal.string(
            "".join(pattern[:-1])))
    def _literal_pattern(self, node: exp.Expr, ctx: SemanticsContext) -> str:
        pattern = node.expression
        if not (isinstance(pattern, exp.Literal) and pattern.is_string):
            raise Unsupported(f"{self.why} cannot be carried from {ctx.source} to "
                              f"{ctx.target}: only a literal pattern can be rewritten")
        return pattern.name


#: a '*' token of duckdb_glob_tokens (any run of bytes); every other token is a byte set
_STAR: frozenset[int] = frozenset({-1})
_ALL_BYTES = frozenset(range(256))
#: the match of the subject's bytes in hex, per server target
_HEX_MATCH = {
    "postgres": "ENCODE(CONVERT_TO(X, 'UTF8'), 'hex') ~ '{regex}'",
    # the column's own character set could be other than UTF-8: DuckDB's bytes are UTF-8
    "mysql": "REGEXP_INSTR(HEX(CONVERT(X USING utf8mb4)), '{regex}') > 0",
    "clickhouse": "match(hex(X), '{regex}')",
}


def _signed(byte: int) -> int:
    """A byte as DuckDB's (signed) char compares it in a class range."""
    return byte - 256 if byte >= 128 else byte


def duckdb_glob_tokens(pattern: str) -> list[frozenset[int]] | None:
    """DuckDB's GLOB pattern as a list of tokens: _STAR, or the set of bytes one subject
    byte may be; None when the pattern matches no string (unclosed class, trailing '\\')."""
    data = pattern.encode("utf-8")
    tokens: list[frozenset[int]] = []
    i = 0
    while i < len(data):
        byte = data[i]
        if byte == ord("*"):
            if not tokens or tokens[-1] is not _STAR:
                tokens.append(_STAR)
            i += 1
        elif byte == ord("?"):
            tokens.append(_ALL_BYTES)
            i += 1
        elif byte == ord("\\"):
            if i + 1 == len(data):
                return None
            tokens.append(frozenset({data[i + 1]}))
            i += 2
        elif byte == ord("["):
            found = _duckdb_class(data, i + 1)
            if found is None:
                return None
            if not found[0]:  # a class no byte is in (all bytes negated)
                return None
            tokens.append(found[0])
            i = found[1]
        else:
            tokens.append(frozenset({byte}))
            i += 1
    return tokens


def _duckdb_class(data: bytes, start: int) -> tuple[frozenset[int], int] | None:
    """The byte set of the class whose members start at data[start], and the index past its
    ']'; None when it never closes (as DuckDB's parse_bracket reads it)."""
    i = start
    invert = i < len(data) and data[i] == ord("!")
    i += invert
    first = i
    members: set[int] = set()
    while i < len(data):
        byte = data[i]
        if byte == ord("]") and i > first:
            members_set = frozenset(members)
            return (_ALL_BYTES - members_set if invert else members_set), i + 1
        if i + 1 == len(data):
            return None
        if data[i + 1] == ord("-"):
            if i + 2 == len(data):
                return None
            low, high = _signed(byte), _signed(data[i + 2])
            members.update(b for b in range(256) if low <= _signed(b) <= high)
            i += 3
        else:
            members.add(byte)
            i += 1
    return None


def _hex_token(token: frozenset[int], upper: bool) -> str:
    """One token as a regex over hex digit pairs."""
    if token is _STAR:
        return "(?:..)*"
    if token == _ALL_BYTES:
        return ".."
    digits = "0123456789ABCDEF" if upper else "0123456789abcdef"
    by_high: dict[int, list[int]] = {}
    for byte in sorted(token):
        by_high.setdefault(byte >> 4, []).append(byte & 15)
    branches = []
    for high, lows in by_high.items():
        low = digits[lows[0]] if len(lows) == 1 else "." if len(lows) == 16 else \
            "[" + "".join(digits[n] for n in lows) + "]"
        branches.append(digits[high] + low)
    return branches[0] if len(branches) == 1 else "(?:" + "|".join(branches) + ")"
