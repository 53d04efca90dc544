"""The fixer for models Cutover wrote itself (procedure rewrites, expanded function calls): the
model's query runs on the target against the expected rows before dbt builds it; a mismatch
goes through the fixer's rule catalog (tools/rules), chosen by the diff's diagnosis as for
any object, and a rewrite that matches more rows replaces the model's query. The built model
is diffed again afterwards, so a fix is proven, not assumed."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import pyarrow as pa

from tools.db.base import Adapter
from tools.diff.compare import compare
from tools.errors import CutoverError
from tools.rules.base import RuleContext
from tools.rules.catalog import apply_rule, candidates


@dataclass
class FixResult:
    sql: str
    """The query to build (the input when nothing helped)."""
    rules: list[str] = field(default_factory=list)
    """Rules whose rewrite improved the match, in order."""
    verdict: str = "mismatch"
    error: str | None = None
    """Why the query failed on the target (verdict 'error')."""


def _score(expected: pa.Table, got: pa.Table, **kwargs: Any) -> tuple[float, Any]:
    report = compare(expected, got, ordered=False, **kwargs)
    return (1.0 if report.verdict.startswith("parity") else report.score), report


def fix_query(sql: str, bind: Callable[[str], str], expected: pa.Table, target: Adapter, *,
              source_dialect: str, target_dialect: str, source_sql: str,
              schema: dict[str, dict[str, str]], max_rules: int = 6,
              **compare_kwargs: Any) -> FixResult:
    """`sql` (target dialect; `bind` gives the runnable form) fixed until its rows equal
    `expected`, or the rules run out."""
    try:
        score, report = _score(expected, target.read_arrow(bind(sql)), **compare_kwargs)
    except CutoverError as exc:
        return FixResult(sql, verdict="error", error=str(exc).splitlines()[0][:300])
    result = FixResult(sql, verdict=report.verdict)
    tried: set[str] = set()
    while not result.verdict.startswith("parity") and len(tried) < max_rules:
        ctx = RuleContext(source_dialect=source_dialect, target_dialect=target_dialect,
                          schema=schema, source_sql=source_sql,
                          causes=frozenset(d.cause for d in report.diagnosis),
                          compile_error=None,
                          diff_columns=tuple(c.name for c in report.columns if c.mismatched))
        rules = candidates(ctx, tried)
        if not rules:
            break
        rule = rules[0]
        tried.add(rule.id)
        rewritten = apply_rule(rule, result.sql, ctx)
        if rewritten is None:
            continue
        try:
            new_score, new_report = _score(expected, target.read_arrow(bind(rewritten)),
                                           **compare_kwargs)
        except CutoverError:
            continue
        if new_score > score or new_report.verdict.startswith("parity"):
            score, report = new_score, new_report
            result.sql, result.verdict = rewritten, new_report.verdict
            result.rules.append(rule.id)
    return result
