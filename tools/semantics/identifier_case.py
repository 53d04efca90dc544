"""Table and column names whose case the source ignores.

SQLite and DuckDB resolve `customers` to a table created as "Customers", and MySQL/MariaDB
resolve column names regardless of case (table names too when lower_case_table_names is
set). The loader creates the target tables with the source catalog's own spelling, quoted;
on PostgreSQL an unquoted name folds to lower case, and ClickHouse and MariaDB with
lower_case_table_names=0 compare names exactly, so `customers` no longer finds "Customers".
The rewrite writes each reference to a catalog table or column in the catalog's spelling,
quoted where the spelling is not what the target folds an unquoted name to.
"""

from __future__ import annotations

from typing import ClassVar

from sqlglot import exp

from tools.semantics.base import Family, SemanticsContext

_FOLDS = "names resolve regardless of case"
_COLUMNS_FOLD = "column names resolve regardless of case"
_LOWER = "unquoted names fold to lower case"
_EXACT = "names compare exactly"


class IdentifierCase(Family):
    name = "identifier_case"
    why = "Table and column names in another case than the catalog's"
    BEHAVIOUR: ClassVar[dict[str, str]] = {
        "sqlite": _FOLDS, "duckdb": _FOLDS, "mysql": _COLUMNS_FOLD, "postgres": _LOWER,
        "clickhouse": _EXACT,
    }
    SOURCES = ("sqlite", "duckdb", "mysql")
    REWRITES: ClassVar[dict[tuple[str, str], str]] = {
        (src, tgt): "catalog_spelling" for src in (_FOLDS, _COLUMNS_FOLD)
        for tgt in (_LOWER, _EXACT, _COLUMNS_FOLD) if src != tgt
    } | {(_COLUMNS_FOLD, _FOLDS): "same"}
    OVERRIDES: ClassVar[dict[tuple[str, str], str]] = {
        # DuckDB resolves any case the way the source did
        ("sqlite", "duckdb"): "same", ("duckdb", "sqlite"): "same",
        ("mysql", "duckdb"): "same", ("mysql", "sqlite"): "same",
    }

    def _spellings(self, tree: exp.Expr, ctx: SemanticsContext
                   ) -> tuple[dict[str, str], dict[str, str]]:
        # one context serves one statement: read its spellings once
        cached = getattr(ctx, "_spellings", None)
        if cached is None:
            cached = self._read_spellings(tree.root(), ctx)
            ctx._spellings = cached  # type: ignore[attr-defined]
        return cached

    @staticmethod
    def _read_spellings(tree: exp.Expr, ctx: SemanticsContext
                        ) -> tuple[dict[str, str], dict[str, str]]:
        tables = {name.lower(): name for name in ctx.schema}
        # the statement's tables as the families found them (the tree before any rewrite)
        read = {t.name.lower() for t in ctx.find(tree.root(), exp.Table)}
        columns = {c.lower(): c for name, cols in ctx.schema.items() if name.lower() in read
                   for c in cols}
        return tables, columns

    def nodes(self, tree: exp.Expr, ctx: SemanticsContext) -> list[exp.Expr]:
        if not ctx.schema:
            return []
        tables, columns = self._spellings(tree, ctx)
        ctes = {c.alias_or_name.lower() for c in ctx.find(tree, exp.CTE)}
        out: list[exp.Expr] = []
        for node in ctx.find(tree, exp.Table):
            spelled = tables.get(node.name.lower())
            if spelled and node.name.lower() not in ctes and self._differs(node, spelled, ctx):
                out.append(node)
        if self.BEHAVIOUR.get(ctx.target) == _COLUMNS_FOLD:
            return out  # MySQL finds a column in any case: only its table names compare exactly
        for column in ctx.find(tree, exp.Column):
            ident = column.this
            if not isinstance(ident, exp.Identifier):
                continue  # _differs says no (a star, ...): the name is not looked up
            spelled = columns.get(ident.this.lower())  # column.name, without its lookups
            if spelled and self._differs(column, spelled, ctx):
                out.append(column)
        return out

    @staticmethod
    def _differs(node: exp.Expr, spelled: str, ctx: SemanticsContext) -> bool:
        ident = node.this
        if not isinstance(ident, exp.Identifier):
            return False
        if ctx.target == "postgres" and spelled != spelled.lower():
            return ident.name != spelled or not ident.quoted
        return ident.name != spelled

    def catalog_spelling(self, node: exp.Expr, ctx: SemanticsContext) -> exp.Expr:
        tables, columns = self._spellings(node, ctx)
        lookup = tables if isinstance(node, exp.Table) else columns
        spelled = lookup[node.name.lower()]
        node.set("this", exp.Identifier(this=spelled, quoted=True))
        return node
