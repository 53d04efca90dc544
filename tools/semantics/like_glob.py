"""A case-sensitive LIKE on SQLite, written as GLOB.

SQLite's LIKE folds ASCII letters and has no case-sensitive form (PRAGMA case_sensitive_like
is a connection setting a view cannot carry). Its GLOB compares exactly, character by
character (UTF-8 aware: '?' matches one 'é'), with '*' and '?' as wildcards and '[...]' as a
character class. A LIKE pattern is therefore read into literal characters and wildcards (with
the source's escape rules, or the statement's ESCAPE character) and written as GLOB: '%' -> '*',
'_' -> '?', and a literal '*', '?' or '[' as the one-character class '[*]', '[?]', '[[]'.
A computed pattern is converted in SQL the same way when the source has no default escape
(DuckDB: every % and _ is a wildcard); with a backslash escape (PostgreSQL) it is not.
"""

from __future__ import annotations

from sqlglot import exp

from tools.errors import Unsupported
from tools.semantics.like_escape import LikeEscape, read_pattern

_GLOB_SPECIAL = ("*", "?", "[")
#: a computed pattern's conversion, in order: '[' first, so the classes added later stay whole
_COMPUTED_STEPS = (("[", "[[]"), ("*", "[*]"), ("?", "[?]"), ("%", "*"), ("_", "?"))


def _tokens_with_escape(text: str, escape: str) -> list[tuple[bool, str]]:
    """(is_wildcard, character) pairs of a pattern whose ESCAPE clause names `escape`."""
    out: list[tuple[bool, str]] = []
    i = 0
    while i < len(text):
        if text[i] == escape and i + 1 < len(text):
            out.append((False, text[i + 1]))
            i += 2
            continue
        out.append((text[i] in ("%", "_"), text[i]))
        i += 1
    return out


def glob_text(tokens: list[tuple[bool, str]]) -> str:
    """The GLOB pattern matching what the LIKE tokens match, case-sensitively."""
    def one(wildcard: bool, char: str) -> str:
        if wildcard:
            return "*" if char == "%" else "?"
        return f"[{char}]" if char in _GLOB_SPECIAL else char
    return "".join(one(w, c) for w, c in tokens)


def like_as_glob(node: exp.Like, source: str, target: str, why: str) -> exp.Expr:
    """The GLOB that replaces `node` (a LIKE parsed in `source`); replaces an ESCAPE wrapper
    itself and returns `node` then, so the caller's replace is a no-op."""
    pattern = node.expression
    wrapper = node.parent if isinstance(node.parent, exp.Escape) else None
    if isinstance(pattern, exp.Literal) and pattern.is_string:
        if wrapper is not None:
            escape = wrapper.expression
            if not (isinstance(escape, exp.Literal) and len(escape.name) == 1):
                raise Unsupported(f"{why} cannot be carried from {source} to {target}: the "
                                  f"ESCAPE clause is not one literal character")
            tokens = _tokens_with_escape(pattern.name, escape.name)
        else:
            tokens = read_pattern(pattern.name, LikeEscape.BEHAVIOUR[source])
        glob_pattern: exp.Expr = exp.Literal.string(glob_text(tokens))
    elif wrapper is None and LikeEscape.BEHAVIOUR[source] == LikeEscape.BEHAVIOUR["sqlite"]:
        glob_pattern = pattern.copy()
        for old, new in _COMPUTED_STEPS:
            glob_pattern = exp.Anonymous(this="REPLACE", expressions=[
                glob_pattern, exp.Literal.string(old), exp.Literal.string(new)])
    else:
        raise Unsupported(f"{why} cannot be carried from {source} to {target}: SQLite has no "
                          f"case-sensitive LIKE, and a computed pattern with escapes cannot "
                          f"be written as GLOB")
    glob: exp.Expr = exp.Glob(this=node.this.copy(), expression=glob_pattern)
    if node.args.get("negate"):  # `x NOT LIKE p` is one node with negate set
        glob = exp.Not(this=glob)
    if wrapper is not None:
        wrapper.replace(glob)
        return node
    return glob
