"""FROM generate_series(...) AS g, then g as a value (PostgreSQL source).

A function returning one column, aliased AS g in PostgreSQL's FROM, names both the table and
its column g, so SELECT g gives the numbers. DuckDB reads a bare g there as the whole row, a
struct ({'generate_series': 1}): same row count, different data. The rewrite names the
column too, AS g(g), which both engines read the same way.

SQLite (without its series extension) and MariaDB have no generate_series; ClickHouse's takes
unsigned numbers only and names its column generate_series (sqlglot writes the call as it
is). There the integer series, aliased or not, becomes a derived table of one column named as
PostgreSQL names it (the alias's column, else the alias, else generate_series): a recursive
CTE on SQLite and MariaDB (start, then each step while the stop is not passed; no rows when
the start is past the stop or an argument is NULL, as in PostgreSQL), arrayJoin(range(...))
on ClickHouse (its range ends before its second argument, so one step past the stop).
Unsupported: a series of timestamps or numerics (only integers are carried), WITH ORDINALITY.
"""

from __future__ import annotations

from typing import ClassVar

from sqlglot import exp

from tools.errors import Unsupported
from tools.semantics import kinds
from tools.semantics.base import DIALECTS, Family, SemanticsContext, template

_COLUMN = "a one-column function's alias names its column"
_ROW = "a bare alias names the row (a struct)"
_OTHER = "no generate_series table function"
_UNSIGNED = "generate_series of unsigned numbers, its column named generate_series"

_SERIES = (exp.ExplodingGenerateSeries, exp.GenerateSeries)

#: XCOL is the column PostgreSQL names; STEP > 0 counts up to the stop, STEP < 0 down to it
_RECURSIVE = (
    "SELECT * FROM (WITH RECURSIVE cutover_series(XCOL) AS ("
    "SELECT CAST(XSTART AS BIGINT) AS XCOL"
    " WHERE (XSTEP > 0 AND XSTART <= XSTOP) OR (XSTEP < 0 AND XSTART >= XSTOP)"
    " UNION ALL SELECT XCOL + XSTEP FROM cutover_series"
    " WHERE (XSTEP > 0 AND XCOL + XSTEP <= XSTOP) OR (XSTEP < 0 AND XCOL + XSTEP >= XSTOP))"
    " SELECT XCOL FROM cutover_series) AS XALIAS")
_ARRAY_JOIN = ("SELECT * FROM (SELECT arrayJoin(range(XSTART, XSTOP + sign(XSTEP), XSTEP))"
               " AS XCOL) AS XALIAS")


class SeriesAlias(Family):
    name = "pg_series_alias"
    why = "FROM generate_series(...) AS g (PostgreSQL function counterparts)"
    BEHAVIOUR: ClassVar[dict[str, str]] = {d: _OTHER for d in DIALECTS} | {
        "postgres": _COLUMN, "duckdb": _ROW, "clickhouse": _UNSIGNED}
    SOURCES = ("postgres",)
    REWRITES: ClassVar[dict[tuple[str, str], str]] = {
        (_COLUMN, _ROW): "name_the_column", (_COLUMN, _OTHER): "recursive_cte",
        (_COLUMN, _UNSIGNED): "array_join"}

    def nodes(self, tree: exp.Expr, ctx: SemanticsContext) -> list[exp.Expr]:
        series: list[exp.Expr] = [n for n in ctx.find(tree, exp.Table)
                                  if isinstance(n.this, _SERIES)]
        if ctx.target != "duckdb":  # every series is rebuilt there, aliased or not
            return series
        return [n for n in series if isinstance(n.args.get("alias"), exp.TableAlias)
                and n.args["alias"].this is not None and not n.args["alias"].columns]

    def name_the_column(self, node: exp.Expr, ctx: SemanticsContext) -> exp.Expr:
        alias = node.args["alias"]
        renamed = node.copy()
        renamed.set("alias", exp.TableAlias(this=alias.this.copy(),
                                            columns=[alias.this.copy()]))
        return renamed

    def recursive_cte(self, node: exp.Expr, ctx: SemanticsContext) -> exp.Expr:
        return self._derived(node, ctx, _RECURSIVE)

    def array_join(self, node: exp.Expr, ctx: SemanticsContext) -> exp.Expr:
        return self._derived(node, ctx, _ARRAY_JOIN)

    def _derived(self, node: exp.Expr, ctx: SemanticsContext, sql: str) -> exp.Expr:
        """The derived table `sql` builds, named and typed as PostgreSQL's series."""
        series = node.this
        alias = node.args.get("alias")
        if node.args.get("ordinality") or (alias is not None and len(alias.columns) > 1):
            raise self._refuse(ctx, "WITH ORDINALITY is not carried")
        bounds = [series.args.get("start"), series.args.get("end")]
        step = series.args.get("step") or exp.Literal.number(1)
        tree = node.root()
        if any(b is None for b in bounds) or any(
                ctx.source_kind(tree, arg) != kinds.INT for arg in (*bounds, step)):
            raise self._refuse(ctx, "only a series of integers is carried (a timestamp or "
                                    "numeric series is not)")
        table = alias.this.name if alias is not None and alias.this else "generate_series"
        column = alias.columns[0].name if alias is not None and alias.columns else table
        dialect = ctx.target
        spelled = sql.replace("XCOL", exp.to_identifier(column).sql(dialect)) \
            .replace("XALIAS", exp.to_identifier(table).sql(dialect))
        select = template(spelled, dialect, XSTART=bounds[0], XSTOP=bounds[1], XSTEP=step)
        return select.args["from_"].this

    def _refuse(self, ctx: SemanticsContext, reason: str) -> Unsupported:
        return Unsupported(f"{self.why} cannot be carried from {ctx.source} to {ctx.target}: "
                           f"{reason}")

