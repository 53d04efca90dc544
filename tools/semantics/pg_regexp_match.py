"""regexp_match(s, p)[n] and regexp_substr(s, p) (PostgreSQL source).

PostgreSQL's regexp_match returns the first match's capture groups as an array (the whole
match when the pattern has no group) and NULL when nothing matches; regexp_substr (15+)
returns the first match or NULL. DuckDB has neither (sqlglot writes them as they are) and its
regexp_extract gives '' for no match. The rewrite is regexp_extract of the group (0 for the
whole match) under a CASE on regexp_matches, so no match stays NULL; the 'i' flag becomes
DuckDB's 'i' option, and (?s) lets . match a newline as PostgreSQL's does; ClickHouse (RE2
as DuckDB, . matching a newline already) gets match / regexpExtract, the flag as (?i).
Unsupported: a pattern that is not a literal (its groups are unknown), a group that may not
take part (after |, or followed by ?, * or {0,}: PostgreSQL gives NULL, DuckDB ''), other
flags. regexp_match without a subscript (an array) and the set-returning
regexp_matches are left to sqlglot.

MariaDB's REGEXP_SUBSTR gives the whole match only ('' for none) and its regex follows the
subject's collation for letter case. The rewrite there is a CASE on REGEXP_INSTR (no match
stays NULL) over REGEXP_REPLACE of the whole text by the wanted group (\\1..\\9) under a
pattern that reads the text up to the first match lazily, then the match, then the rest:
the first match PostgreSQL finds, its groups numbered as written. (?-i) or (?i) states the
case, (?s) lets . match a newline as PostgreSQL's does.

SQLite has no regular expressions built in. A pattern that is one bracket expression of
plain characters and ASCII ranges ([A-Z], [a-c_0-9]), alone or repeated with +, in a group or
not, needs none: its first match starts at the least INSTR of its characters, and a run of
them ends where LTRIM by them stops (the 'i' flag adds each ASCII letter's other case).
Any other pattern on SQLite is unsupported.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import ClassVar

from sqlglot import exp

from tools.errors import Unsupported
from tools.semantics.base import DIALECTS, Family, SemanticsContext, int_literal, template
from tools.semantics.pg_calls import BUILT_IN, MISSING

#: an opening parenthesis that captures: not escaped, not (?...)
_GROUP = re.compile(r"(?<!\\)\((?!\?)")
#: a pattern where a group may match nothing at all (PostgreSQL: NULL, DuckDB: '')
_OPTIONAL_GROUP = re.compile(r"\||\)[?*]|\)\{0")


_WHOLE_MATCH = "REGEXP_SUBSTR of the whole match only, letter case by collation"
_NO_REGEX = "no regular expressions"


#: one bracket expression, repeated by + or not, in one group or none
_ONE_CLASS = re.compile(r"^(\()?\[([^]^\\[][^]\\[]*)\](\+)?(\))?$")
#: past the end of any text: what a missing character's INSTR (0) is read as
_NOWHERE = "2147483647"


def _class_characters(body: str, ignore_case: bool) -> str | None:
    """The characters a bracket expression's body stands for, or None when a range is not
    ASCII or backwards."""
    chars: list[str] = []
    i = 0
    while i < len(body):
        if i + 2 < len(body) and body[i + 1] == "-":
            low, high = body[i], body[i + 2]
            if not (low.isascii() and high.isascii()) or low > high:
                return None
            chars += [chr(c) for c in range(ord(low), ord(high) + 1)]
            i += 3
        else:
            chars.append(body[i])
            i += 1
    if ignore_case:
        if not all(c.isascii() for c in chars):
            return None
        chars += [c.swapcase() for c in chars]
    return "".join(dict.fromkeys(chars))


def _sql_text(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def _called(node: exp.Expr) -> exp.Expr:
    return node.this if isinstance(node, exp.Paren) else node


class RegexpMatch(Family):
    name = "pg_regexp_match"
    why = "regexp_match(...)[n] and regexp_substr() (PostgreSQL function counterparts)"
    BEHAVIOUR: ClassVar[dict[str, str]] = {d: MISSING for d in DIALECTS} | {
        "postgres": BUILT_IN, "mysql": _WHOLE_MATCH, "sqlite": _NO_REGEX}
    SOURCES = ("postgres",)
    REWRITES: ClassVar[dict[tuple[str, str], str]] = {
        (BUILT_IN, MISSING): "extract_or_null", (BUILT_IN, _WHOLE_MATCH): "group_replaced",
        (BUILT_IN, _NO_REGEX): "class_scanned"}

    def nodes(self, tree: exp.Expr, ctx: SemanticsContext) -> list[exp.Expr]:
        subscripted = [n for n in ctx.find(tree, exp.Bracket)
                       if isinstance(_called(n.this), exp.Anonymous)
                       and _called(n.this).name.lower() == "regexp_match"
                       and len(n.expressions) == 1]
        return subscripted + [n for n in ctx.find(tree, exp.RegexpSubstr)
                              if not any(n.args.get(k) for k in ("position", "occurrence",
                                                                 "parameters", "group"))]

    def _refuse(self, ctx: SemanticsContext, reason: str) -> Unsupported:
        return Unsupported(f"{self.why} cannot be carried from {ctx.source} to {ctx.target}: "
                           f"{reason}")

    def _wanted(self, node: exp.Expr,
                ctx: SemanticsContext) -> tuple[exp.Expr, str, int, bool] | None:
        """(subject, pattern, group wanted (0: the whole match), ignore case), or None when
        the subscript is past the array (always NULL)."""
        if isinstance(node, exp.RegexpSubstr):
            subject, pattern, flags, wanted = node.this, node.expression, [], 0
        else:
            call = _called(node.this)
            subject, pattern, *flags = call.expressions
            index = int_literal(node.expressions[0])
            if index is None:
                raise self._refuse(ctx, "the subscript is not an integer literal")
            wanted = index + 1  # sqlglot keeps subscripts 0-based: [1] is read as 0
        if not (isinstance(pattern, exp.Literal) and pattern.is_string):
            raise self._refuse(ctx, "the pattern is not a literal, so its groups are unknown")
        groups = len(_GROUP.findall(pattern.name))
        if groups and _OPTIONAL_GROUP.search(pattern.name):
            raise self._refuse(ctx, "a group may not take part in the match (PostgreSQL "
                                    "gives NULL, the target '')")
        options = [f for f in flags if not (isinstance(f, exp.Literal) and f.name in ("", "i"))]
        if options:
            raise self._refuse(ctx, "only the 'i' flag is carried")
        if isinstance(node, exp.Bracket):
            if groups == 0:
                if wanted != 1:
                    return None  # the array holds the whole match only
                wanted = 0
            elif not 1 <= wanted <= groups:
                return None
        return subject, pattern.name, wanted, bool(flags) and flags[0].name == "i"

    def _written(self, node: exp.Expr, ctx: SemanticsContext,
                 write: Callable[[exp.Expr, str, int, bool, SemanticsContext], exp.Expr],
                 ) -> exp.Expr:
        """`write`(subject, pattern, group wanted, ignore case, ctx), or NULL for a subscript
        past the array."""
        wanted = self._wanted(node, ctx)
        return exp.Null() if wanted is None else write(*wanted, ctx)

    def extract_or_null(self, node: exp.Expr, ctx: SemanticsContext) -> exp.Expr:
        return self._written(node, ctx, self._extracted)

    def group_replaced(self, node: exp.Expr, ctx: SemanticsContext) -> exp.Expr:
        return self._written(node, ctx, self._replaced)

    def class_scanned(self, node: exp.Expr, ctx: SemanticsContext) -> exp.Expr:
        return self._written(node, ctx, self._scanned)

    def _extracted(self, subject: exp.Expr, text: str, wanted: int, ignore_case: bool,
                   ctx: SemanticsContext) -> exp.Expr:
        # DuckDB's RE2 lets . match a newline only under (s), as PostgreSQL's . always does
        pattern = exp.Literal.string(text if ctx.target == "clickhouse" else f"(?s){text}")
        if ctx.target == "clickhouse":
            spelled = exp.Literal.string(("(?i)" if ignore_case else "") + pattern.name)
            return exp.Case(ifs=[exp.If(
                this=exp.Anonymous(this="match", expressions=[subject.copy(), spelled]),
                true=exp.Anonymous(this="regexpExtract", expressions=[
                    subject.copy(), spelled.copy(), exp.Literal.number(wanted)]))])
        option = [exp.Literal.string("i")] if ignore_case else []
        matches = exp.Anonymous(this="REGEXP_MATCHES",
                                expressions=[subject.copy(), pattern.copy(), *option])
        extract = exp.Anonymous(this="REGEXP_EXTRACT", expressions=[
            subject.copy(), pattern.copy(), exp.Literal.number(wanted),
            *[o.copy() for o in option]])
        return exp.Case(ifs=[exp.If(this=matches, true=extract)])

    def _replaced(self, subject: exp.Expr, text: str, wanted: int, ignore_case: bool,
                  ctx: SemanticsContext) -> exp.Expr:
        if wanted > 9:
            raise self._refuse(ctx, "MariaDB's replacement names groups \\1 to \\9 only")
        case = "(?i)" if ignore_case else "(?-i)"
        # the whole match as a group of its own when the pattern has none
        inner, group = (f"({text})", 1) if wanted == 0 else (f"(?:{text})", wanted)
        found = exp.GT(this=exp.Anonymous(this="REGEXP_INSTR", expressions=[
            subject.copy(), exp.Literal.string(f"{case}(?s){text}")]),
            expression=exp.Literal.number(0))
        replaced = exp.Anonymous(this="REGEXP_REPLACE", expressions=[
            subject.copy(), exp.Literal.string(f"{case}(?s)^.*?{inner}.*$"),
            exp.Literal.string(f"\\{group}")])
        return exp.Case(ifs=[exp.If(this=found, true=replaced)])

    def _scanned(self, subject: exp.Expr, text: str, _wanted: int, ignore_case: bool,
                 ctx: SemanticsContext) -> exp.Expr:
        match = _ONE_CLASS.match(text)
        chars = _class_characters(match.group(2), ignore_case) \
            if match and bool(match.group(1)) == bool(match.group(4)) else None
        if chars is None:
            raise self._refuse(ctx, "SQLite has no regular expressions built in; only one "
                                    "bracket expression of characters and ASCII ranges "
                                    "([A-Z], [0-9]+) is carried")
        found = [f"COALESCE(NULLIF(INSTR(S, {_sql_text(c)}), 0), {_NOWHERE})" for c in chars]
        first = found[0] if len(found) == 1 else f"MIN({', '.join(found)})"
        rest = f"SUBSTR(S, {first})"
        length = f"LENGTH({rest}) - LENGTH(LTRIM({rest}, {_sql_text(chars)}))" \
            if match and match.group(3) else "1"
        sql = f"CASE WHEN {first} < {_NOWHERE} THEN SUBSTR(S, {first}, {length}) END"
        return exp.paren(template(sql, "sqlite", S=subject), copy=False)
