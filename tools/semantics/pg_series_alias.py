"""FROM generate_series(...) AS g, then g as a value (PostgreSQL source).

A function returning one column, aliased AS g in PostgreSQL's FROM, names both the table and
its column g, so SELECT g gives the numbers. DuckDB reads a bare g there as the whole row, a
struct ({'generate_series': 1}): same row count, different data. The rewrite names the
column too, AS g(g), which both engines read the same way. Other targets have no
generate_series (sqlglot spells it its own way there, or refuses): left to sqlglot.
"""

from __future__ import annotations

from typing import ClassVar

from sqlglot import exp

from tools.semantics.base import DIALECTS, Family, SemanticsContext

_COLUMN = "a one-column function's alias names its column"
_ROW = "a bare alias names the row (a struct)"
_OTHER = "no generate_series table function"

_SERIES = (exp.ExplodingGenerateSeries, exp.GenerateSeries)


class SeriesAlias(Family):
    name = "pg_series_alias"
    why = "FROM generate_series(...) AS g (PostgreSQL function counterparts)"
    BEHAVIOUR: ClassVar[dict[str, str]] = {d: _OTHER for d in DIALECTS} | {
        "postgres": _COLUMN, "duckdb": _ROW}
    SOURCES = ("postgres",)
    REWRITES: ClassVar[dict[tuple[str, str], str]] = {
        (_COLUMN, _ROW): "name_the_column",
        (_COLUMN, _OTHER): "open: sqlglot writes a generator of its own there"}

    def nodes(self, tree: exp.Expr, ctx: SemanticsContext) -> list[exp.Expr]:
        return [n for n in ctx.find(tree, exp.Table)
                if isinstance(n.this, _SERIES) and isinstance(n.args.get("alias"), exp.TableAlias)
                and n.args["alias"].this is not None and not n.args["alias"].columns]

    def name_the_column(self, node: exp.Expr, ctx: SemanticsContext) -> exp.Expr:
        alias = node.args["alias"]
        renamed = node.copy()
        renamed.set("alias", exp.TableAlias(this=alias.this.copy(),
                                            columns=[alias.this.copy()]))
        return renamed
