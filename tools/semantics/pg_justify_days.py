"""justify_days(interval) (PostgreSQL source).

PostgreSQL moves each whole 30 days of an interval's day field into its months (truncating
towards zero) and then makes the two agree in sign ('1 mon -40 days' is '-10 days'). DuckDB
has no justify_days (sqlglot writes the call as it is), though its intervals keep months,
days and time apart as PostgreSQL's do. The rewrite adds the months and days PostgreSQL would
move (to_months / to_days) with DuckDB's date_part of each field. The other targets have no
interval value to justify (open).
"""

from __future__ import annotations

from typing import ClassVar

from sqlglot import exp

from tools.semantics.base import DIALECTS, Family, SemanticsContext, template
from tools.semantics.pg_calls import BUILT_IN, MISSING, open_on

#: XD: the day field, XQ/XR: its whole 30-day months and the rest (C's truncating / and %),
#: XM: the months after moving XQ; the CASEs make months and days agree in sign
_JUSTIFIED = """I + TO_MONTHS(CAST(XQ + CASE WHEN XM > 0 AND XR < 0 THEN -1
                                      WHEN XM < 0 AND XR > 0 THEN 1 ELSE 0 END AS INTEGER))
  + TO_DAYS(CAST(XR + CASE WHEN XM > 0 AND XR < 0 THEN 30
                           WHEN XM < 0 AND XR > 0 THEN -30 ELSE 0 END - XD AS INTEGER))"""
_PARTS = (("XM", "(DATE_PART('year', I) * 12 + DATE_PART('month', I) + XQ)"),
          ("XQ", "((XD - XD % 30) // 30)"), ("XR", "(XD % 30)"), ("XD", "DATE_PART('day', I)"))


class JustifyDays(Family):
    name = "pg_justify_days"
    why = "justify_days() (PostgreSQL function counterparts)"
    BEHAVIOUR: ClassVar[dict[str, str]] = {d: MISSING for d in DIALECTS} | {"postgres": BUILT_IN}
    OVERRIDES: ClassVar[dict[tuple[str, str], str]] = open_on(
        "mysql", "sqlite", "clickhouse", why="no interval value with months and days apart")
    SOURCES = ("postgres",)
    REWRITES: ClassVar[dict[tuple[str, str], str]] = {(BUILT_IN, MISSING): "move_whole_months"}

    def nodes(self, tree: exp.Expr, ctx: SemanticsContext) -> list[exp.Expr]:
        return list(ctx.find(tree, exp.JustifyDays))

    def move_whole_months(self, node: exp.Expr, ctx: SemanticsContext) -> exp.Expr:
        sql = _JUSTIFIED
        for name, part in _PARTS:
            sql = sql.replace(name, part)
        return exp.paren(template(sql, "duckdb", I=node.this), copy=False)
