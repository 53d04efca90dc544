"""The fixer's rule catalog: every known semantic trap, as data, and how to pick and apply.

Order in RULES is the tie-breaker of `candidates` (after error-pattern matches, dialect-pair
specificity and cause overlap), so put the most common fix of a family first.
"""

from __future__ import annotations

import re

from sqlglot import exp
from sqlglot.errors import SqlglotError

from tools.rules import (
    aggregates,
    casts,
    dates,
    decimal_results,
    derived_columns,
    division,
    grouping,
    outer_joins,
    text_matching,
)
from tools.rules.base import Rule, RuleContext, parse_candidate

RULES: tuple[Rule, ...] = (
    *division.RULES,
    *casts.RULES,
    *text_matching.RULES,
    *dates.RULES,
    *grouping.RULES,
    *aggregates.RULES,
    *outer_joins.RULES,
    *decimal_results.RULES,
    *derived_columns.RULES,
)

_BY_ID = {rule.id: rule for rule in RULES}
if len(_BY_ID) != len(RULES):
    raise RuntimeError("duplicate rule ids in tools.rules catalog")


def get(rule_id: str) -> Rule:
    return _BY_ID[rule_id]


def candidates(ctx: RuleContext, tried: set[str]) -> list[Rule]:
    """Rules for this dialect pair that answer the problem at hand, most specific first.

    A compile error selects the rules whose error_pattern matches it; a diff selects the rules
    that fix one of its causes, those fixing more of the causes first.
    """
    src, tgt = ctx.source_dialect, ctx.target_dialect
    scored: list[tuple[tuple[int, int, int], Rule]] = []
    for index, rule in enumerate(RULES):
        if rule.id in tried or not rule.covers(src, tgt):
            continue
        if ctx.compile_error is not None:
            if not rule.error_pattern or not re.search(rule.error_pattern, ctx.compile_error,
                                                       re.I):
                continue
            overlap = 1
        else:
            overlap = len(rule.fixes & ctx.causes)
            if not overlap:
                continue
        scored.append(((-rule.specificity(src, tgt), -overlap, index), rule))
    return [rule for _, rule in sorted(scored, key=lambda item: item[0])]


def apply_rule(rule: Rule, candidate_sql: str, ctx: RuleContext) -> str | None:
    """The candidate rewritten by `rule`, in the target dialect; None when the rule does not
    apply or changes nothing (including SQL the target dialect cannot parse)."""
    try:
        tree = parse_candidate(candidate_sql, ctx.target_dialect)
    except SqlglotError:
        return None
    if tree is None:
        return None
    before = _sql(tree, ctx.target_dialect)
    rewritten = rule.apply(tree.copy(), ctx)
    if rewritten is None:
        return None
    after = _sql(rewritten, ctx.target_dialect)
    return None if after is None or after == before else after


def _sql(tree: exp.Expr, dialect: str) -> str | None:
    try:
        return tree.sql(dialect=dialect)
    except (SqlglotError, AttributeError, TypeError, ValueError):
        # sqlglot's own generator can trip over pass-through shapes (DuckDB DATETIME(ts)
        # raises AttributeError); that candidate is simply not rewritable by this rule.
        return None
