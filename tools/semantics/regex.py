"""Regular expressions: which occurrences REGEXP_REPLACE replaces, and letter case.

    REGEXP_REPLACE(s, p, r)  PostgreSQL, DuckDB: the first match ('g' flag: every match)
                             MySQL/MariaDB: every match (MariaDB has no occurrence argument)
                             ClickHouse: replaceRegexpOne / replaceRegexpAll
    s REGEXP p               MySQL/MariaDB: case-insensitive when s's collation is (_ci);
                             PostgreSQL's ~ and DuckDB's regexp_matches are case-sensitive
                             (~* / the 'i' option ignore case)
The rewrite reads the source's meaning (all or first, case or not: flags, the subject's
collation from the source catalog) and writes it the target's explicit way: flags on
PostgreSQL/DuckDB, the replaceRegexp variant and a (?i) prefix on ClickHouse, and on MariaDB
an inline (?i)/(?-i) (its regex follows the column collation otherwise), REGEXP_INSTR for a
match (MariaDB has no REGEXP_LIKE), and a first-match-only replacement as a leading lazy
group, which only a literal pattern and a replacement without back-references allow.
SQLite has no regexp_replace and no built-in REGEXP.
"""

from __future__ import annotations

from typing import ClassVar

from sqlglot import exp

from tools.errors import Unsupported
from tools.semantics import collations as coll
from tools.semantics.base import Family, SemanticsContext

_FLAGS = "flags say (first match, case-sensitive by default)"
_COLLATION = "every match, case by collation"
_VARIANTS = "named variants"
_NONE = "no built-in regex functions"


def _literal(node: exp.Expr | None) -> str | None:
    return node.name if isinstance(node, exp.Literal) and node.is_string else None


def _prefixed(pattern: exp.Expr, prefix: str) -> exp.Expr:
    text = _literal(pattern)
    if text is not None:
        return exp.Literal.string(prefix + text)
    return exp.Anonymous(this="concat", expressions=[exp.Literal.string(prefix), pattern.copy()])


def _replacement(node: exp.Expr, source: str, target: str) -> exp.Expr:
    """PostgreSQL writes the whole match as \\& in a replacement; RE2 (DuckDB, ClickHouse)
    as \\0."""
    text = _literal(node)
    if text is None or source != "postgres" or target not in ("duckdb", "clickhouse"):
        return node.copy()
    out, i = [], 0
    while i < len(text):
        if text[i] == "\\" and i + 1 < len(text):
            pair = text[i:i + 2]
            out.append("\\0" if pair == "\\&" else pair)
            i += 2
        else:
            out.append(text[i])
            i += 1
    return exp.Literal.string("".join(out))


def _shifted_references(text: str, source: str) -> str | None:
    """A first-match replacement for MariaDB's leading-lazy-group form, where group 1 is the
    text before the match and group 2 the match: PostgreSQL's \\& (the whole match) becomes
    \\2 and its \\n becomes \\(n+2). None when a reference cannot be carried (beyond \\9, a
    $ or an escaped backslash, which the two engines read differently)."""
    if "$" in text:
        return None
    out, i = [], 0
    while i < len(text):
        if text[i] != "\\":
            out.append(text[i])
            i += 1
            continue
        ref = text[i + 1:i + 2]
        if source == "postgres" and ref == "&":
            out.append("\\2")
        elif ref.isdigit() and ref != "0" and int(ref) + 2 <= 9:
            out.append(f"\\{int(ref) + 2}")
        else:
            return None
        i += 2
    return "".join(out)


class Regex(Family):
    name = "regex"
    why = "Regular expressions: first or every match replaced, and letter case"
    BEHAVIOUR: ClassVar[dict[str, str]] = {
        "postgres": _FLAGS, "duckdb": _FLAGS, "mysql": _COLLATION, "clickhouse": _VARIANTS,
        "sqlite": _NONE,
    }
    SOURCES = ("postgres", "duckdb", "mysql")
    #: PostgreSQL's \\& (the whole match) is \\0 on DuckDB
    OVERRIDES: ClassVar[dict[tuple[str, str], str]] = {("postgres", "duckdb"): "explicit_regex"}
    REWRITES: ClassVar[dict[tuple[str, str], str]] = {
        (_FLAGS, _COLLATION): "explicit_regex",
        (_COLLATION, _FLAGS): "explicit_regex",
        (_FLAGS, _VARIANTS): "explicit_regex",
        (_COLLATION, _VARIANTS): "explicit_regex",
        (_FLAGS, _NONE): "unsupported: SQLite has no built-in regexp_replace or REGEXP",
        (_COLLATION, _NONE): "unsupported: SQLite has no built-in regexp_replace or REGEXP",
    }

    def nodes(self, tree: exp.Expr, ctx: SemanticsContext) -> list[exp.Expr]:
        return list(ctx.find(tree, exp.RegexpReplace, exp.RegexpLike, exp.RegexpILike))

    def applies(self, node: exp.Expr, tree: exp.Expr, ctx: SemanticsContext) -> bool:
        # a case-insensitive subject makes no difference to a pattern without letters
        return True

    def _meaning(self, node: exp.Expr, ctx: SemanticsContext) -> tuple[bool, bool]:
        """(every match, ignore case) under the source's rules."""
        flags = _literal(node.args.get("modifiers") or node.args.get("flag")) or ""
        if isinstance(node, exp.RegexpILike):
            flags += "i"
        if ctx.source == "mysql":
            columns = coll.column_labels(node.root(), ctx.collations)
            return True, coll.of_column(node.this, columns) == coll.CI
        if node.args.get("modifiers") is not None and _literal(node.args["modifiers"]) is None:
            raise Unsupported(f"{self.why} cannot be carried from {ctx.source} to "
                              f"{ctx.target}: the flags are not a literal")
        unknown = set(flags) - set("gic")
        if unknown:
            raise Unsupported(f"{self.why} cannot be carried from {ctx.source} to "
                              f"{ctx.target}: flag(s) {''.join(sorted(unknown))} have no "
                              f"counterpart here")
        ignore = "i" in flags and "c" not in flags[flags.rindex("i"):]
        return "g" in flags or not isinstance(node, exp.RegexpReplace), ignore

    def explicit_regex(self, node: exp.Expr, ctx: SemanticsContext) -> exp.Expr:
        every, ignore = self._meaning(node, ctx)
        subject, pattern = node.this.copy(), node.expression
        target = ctx.target
        if isinstance(node, exp.RegexpReplace):
            replacement = _replacement(node.args["replacement"], ctx.source, target)
            if target in ("postgres", "duckdb"):
                flags = ("g" if every else "") + ("i" if ignore else "")
                args = [subject, pattern.copy(), replacement]
                return exp.Anonymous(this="regexp_replace", expressions=args + (
                    [exp.Literal.string(flags)] if flags else []))
            if target == "clickhouse":
                name = "replaceRegexpAll" if every else "replaceRegexpOne"
                return exp.Anonymous(this=name, expressions=[
                    subject, _prefixed(pattern, "(?i)") if ignore else pattern.copy(),
                    replacement])
            # MariaDB: every match always; the first only through a leading lazy group
            case = "(?i)" if ignore else "(?-i)"
            if every:
                return exp.Anonymous(this="REGEXP_REPLACE", expressions=[
                    subject, _prefixed(pattern, case), replacement])
            text, with_ = _literal(pattern), _literal(replacement)
            shifted = _shifted_references(with_, ctx.source) if with_ is not None else None
            if text is None or shifted is None:
                raise Unsupported(f"{self.why} cannot be carried from {ctx.source} to "
                                  f"{target}: MariaDB replaces every match; the first one "
                                  f"alone needs a literal pattern and a replacement whose "
                                  f"references fit \\1..\\9 there")
            # group 1 is the text before the first match, group 2 the match itself
            return exp.Anonymous(this="REGEXP_REPLACE", expressions=[
                subject, exp.Literal.string(f"{case}(?s)^(.*?)((?:{text}))"),
                exp.Literal.string("\\1" + shifted)])
        if target == "postgres":
            return (exp.RegexpILike if ignore else exp.RegexpLike)(
                this=subject, expression=pattern.copy())
        if target == "duckdb":
            return exp.Anonymous(this="regexp_matches", expressions=[
                subject, pattern.copy()] + ([exp.Literal.string("i")] if ignore else []))
        if target == "clickhouse":
            return exp.Anonymous(this="match", expressions=[
                subject, _prefixed(pattern, "(?i)") if ignore else pattern.copy()])
        return exp.GT(this=exp.Anonymous(this="REGEXP_INSTR", expressions=[
            subject, _prefixed(pattern, "(?i)" if ignore else "(?-i)")]),
            expression=exp.Literal.number(0))
