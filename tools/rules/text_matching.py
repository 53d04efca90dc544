"""Case rules of text matching and case mapping that differ between engines."""

from __future__ import annotations

import string

from sqlglot import exp

from tools.rules.base import Rule, RuleContext, pairs

# LIKE ignores (ASCII) case in SQLite, and in MySQL / SQL Server under their default _ci
# collations; it is case-sensitive in DuckDB and PostgreSQL, which both have ILIKE.
NOCASE_LIKE_SOURCES = ("sqlite", "mysql", "tsql")
ILIKE_TARGETS = ("duckdb", "postgres")


def like_to_ilike(tree: exp.Expr, ctx: RuleContext) -> exp.Expr | None:
    """`x LIKE p` -> `x ILIKE p` (NOT LIKE and ESCAPE clauses included).

    Counter-example left alone: a pattern with non-ASCII letters -- SQLite's 'É' LIKE 'é' is
    false (ASCII folding only), DuckDB's 'É' ILIKE 'é' is true. Such patterns are not
    rewritten; the diff will keep the object in mismatch, which is the honest outcome.
    """
    changed = False
    for like in list(tree.find_all(exp.Like)):
        pattern = like.expression
        if isinstance(pattern, exp.Literal) and not pattern.this.isascii():
            continue
        # Copy every argument: sqlglot keeps NOT LIKE's negation and ESCAPE as args of Like.
        like.replace(exp.ILike(**{k: v.copy() if isinstance(v, exp.Expr) else v
                                  for k, v in like.args.items()}))
        changed = True
    return tree if changed else None


LIKE_NOCASE = Rule(
    id="nocase_like.like_to_ilike",
    pairs=pairs(NOCASE_LIKE_SOURCES, ILIKE_TARGETS),
    # "ratio": a LIKE filter under COUNT/SUM shows up as counts scaled by a factor.
    fixes=frozenset({"case", "missing_rows", "extra_rows", "values", "duplicates", "ratio"}),
    error_pattern=None,
    why="SQLite's LIKE ignores ASCII case: email LIKE '%@example.com' also matches "
        "'Ann@EXAMPLE.COM'. DuckDB's LIKE is case-sensitive, so the same filter drops those "
        "rows (and every count built on it). ILIKE restores the source behaviour.",
    apply=like_to_ilike,
)

_LOWER, _UPPER = string.ascii_lowercase, string.ascii_uppercase


def ascii_case(tree: exp.Expr, ctx: RuleContext) -> exp.Expr | None:
    """UPPER/LOWER -> TRANSLATE over the 26 ASCII letters, exactly SQLite's mapping.

    SQLite's built-in upper('é') is 'é' (ASCII only unless ICU is loaded); DuckDB's is 'É'.
    """
    changed = False
    for node in list(tree.find_all(exp.Upper, exp.Lower)):
        src, dst = (_LOWER, _UPPER) if isinstance(node, exp.Upper) else (_UPPER, _LOWER)
        node.replace(exp.func("TRANSLATE", node.this.copy(), exp.Literal.string(src),
                              exp.Literal.string(dst)))
        changed = True
    return tree if changed else None


ASCII_CASE = Rule(
    id="sqlite.ascii_upper_lower",
    pairs=pairs(("sqlite",), ("duckdb", "postgres")),
    fixes=frozenset({"case", "values", "duplicates", "missing_rows", "extra_rows"}),
    error_pattern=None,
    why="SQLite's upper()/lower() map only the ASCII letters: lower('ÉMILE') is 'Émile' in "
        "SQLite and 'émile' in DuckDB, which changes keys built from names. TRANSLATE over "
        "a-z/A-Z reproduces SQLite exactly.",
    apply=ascii_case,
)

RULES = (LIKE_NOCASE, ASCII_CASE)
