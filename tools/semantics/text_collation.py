"""Text comparison under the source column's collation.

A SQLite column declared COLLATE NOCASE compares with ASCII case folded ('Ada' = 'ADA'), one
declared COLLATE RTRIM ignores trailing spaces; a MySQL/MariaDB column in utf8mb4_general_ci
ignores case, accents and trailing spaces ('Ada' = 'àda '), one in utf8mb4_bin only trailing
spaces. PostgreSQL, DuckDB and ClickHouse compare bytes. The rewrite folds both sides where a
labelled column is compared (=, <>, <, IN, BETWEEN), ordered (ORDER BY, MIN/MAX), grouped
(GROUP BY, DISTINCT) or counted (COUNT(DISTINCT)), with the fold of tools.semantics.collations,
and orders the folded values by bytes. A group's spelling is one of the values the source
treats as equal, which the source itself picks arbitrarily; the target shows the smallest.
Labels come from the source catalog (tools.semantics.collations.labels).

Towards MySQL/MariaDB, whose columns compare by their own (mostly _ci) collation, the text
columns of a byte-wise source (PostgreSQL, DuckDB) and the folded SQLite ones are compared
as BINARY. Known limit: MariaDB's subquery cache keys a correlated subquery by the outer
value under the column's collation, so a correlated comparison of outer values that differ
only in case or trailing spaces can still reuse a neighbour's result.
"""

from __future__ import annotations

from typing import ClassVar

from sqlglot import exp

from tools.errors import Unsupported
from tools.semantics import collations as coll
from tools.semantics.base import Family, SemanticsContext
from tools.semantics.explicit_collate import binary_collation

_COLUMN = "the column's collation decides"
_BYTES = "bytes"
_FOLDS = (coll.NOCASE, coll.RTRIM, coll.CI, coll.PAD, coll.BYTES)
_COMPARISONS = (exp.EQ, exp.NEQ, exp.GT, exp.GTE, exp.LT, exp.LTE, exp.NullSafeEQ)


class TextCollation(Family):
    name = "text_collation"
    why = "Text comparison, grouping and ordering under a column's collation"
    BEHAVIOUR: ClassVar[dict[str, str]] = {
        "sqlite": _COLUMN, "mysql": _COLUMN, "postgres": _BYTES, "duckdb": _BYTES,
        "clickhouse": _BYTES,
    }
    OVERRIDES: ClassVar[dict[tuple[str, str], str]] = {
        ("mysql", "sqlite"): "unsupported: SQLite cannot fold accents the way *_general_ci "
                             "does",
        ("sqlite", "mysql"): "fold_like_source",
        # the SQLite target's tables are plain BINARY text
        ("postgres", "sqlite"): "same", ("duckdb", "sqlite"): "same",
    }
    REWRITES: ClassVar[dict[tuple[str, str], str]] = {
        (_COLUMN, _BYTES): "fold_like_source",
        (_BYTES, _COLUMN): "fold_like_source",
    }

    def nodes(self, tree: exp.Expr, ctx: SemanticsContext) -> list[exp.Expr]:
        if not ctx.collations and not (ctx.target == "mysql" and ctx.schema):
            return []
        return list(ctx.find(tree, exp.Select))

    def applies(self, node: exp.Expr, tree: exp.Expr, ctx: SemanticsContext) -> bool:
        return bool(self._work(node, tree, ctx))

    def _labels(self, tree: exp.Expr, ctx: SemanticsContext) -> dict[str, dict[str, str]]:
        # one context serves one statement: its labels are read once
        root = tree.root()
        cached = getattr(ctx, "_text_labels", None)
        if cached is None:
            labels = ctx.collations
            if ctx.target == "mysql":
                # a text column without a folding collation compares as bytes on the source
                labels = {t: {c: ctx.collations.get(t, {}).get(c) or coll.BYTES
                              for c, kind in cols.items() if kind == "text"}
                          for t, cols in ctx.schema.items()}
            cached = (root, coll.column_labels(root, labels))
            ctx._text_labels = cached  # type: ignore[attr-defined]
        return cached[1]

    def _work(self, select: exp.Expr, tree: exp.Expr, ctx: SemanticsContext
              ) -> list[tuple[exp.Expr, str]]:
        """(construct, label) in this SELECT (not its subqueries) that compare a labelled
        column."""
        columns = self._labels(tree, ctx)
        found: list[tuple[exp.Expr, str]] = []

        def label(node: exp.Expr | None) -> str | None:
            got = coll.of_column(node, columns) if node is not None else None
            if got is not None and got.startswith(coll.OTHER):
                raise Unsupported(f"text compared under collation {got[len(coll.OTHER):]} "
                                  f"cannot be carried from {ctx.source} to {ctx.target}: the "
                                  f"library reproduces *_general_ci and *_bin only")
            return got if got in _FOLDS else None

        # one pass over this SELECT's own nodes: a nested SELECT is its own node
        for node in select.walk(prune=lambda n: n is not select and isinstance(n, exp.Select)):
            if node is not select and isinstance(node, exp.Select):
                continue
            how = _explicit(node)
            if how == coll.BYTES:
                continue  # `= 'a' COLLATE binary`: bytes, as the target compares
            if how is not None:
                pass  # `= 'a' COLLATE utf8mb4_bin` wins over the column's collation
            elif isinstance(node, _COMPARISONS):
                how = label(node.this) or label(node.expression)
            elif isinstance(node, exp.In) and not node.args.get("query"):
                how = label(node.this) or next(
                    (h for e in node.expressions if (h := label(e))), None)
            elif isinstance(node, exp.Between):
                how = label(node.this)
            elif isinstance(node, exp.Ordered) or isinstance(node, (exp.Min, exp.Max)):
                how = label(node.this)
            elif isinstance(node, exp.Count) and isinstance(node.this, exp.Distinct):
                how = next((h for e in node.this.expressions if (h := label(e))), None)
            elif isinstance(node, exp.Group):
                how = next((h for e in node.expressions if (h := label(e))), None)
            elif node is select and select.args.get("distinct") and not select.args.get(
                    "group"):
                how = next((h for e in select.expressions if (h := label(e.unalias()))), None)
            if how is not None:
                found.append((node, how))
        return found

    def fold_like_source(self, select: exp.Expr, ctx: SemanticsContext) -> exp.Expr:
        columns = self._labels(select, ctx)
        target = ctx.target

        def label(node: exp.Expr) -> str | None:
            got = coll.of_column(node, columns)
            return got if got in _FOLDS else None

        for node, how in self._work(select, select, ctx):
            if isinstance(node, _COMPARISONS):
                node.set("this", coll.fold(node.this, how, target))
                node.set("expression", coll.fold(node.expression, how, target))
                if not isinstance(node, (exp.EQ, exp.NEQ, exp.NullSafeEQ)):
                    node.set("this", coll.bytewise(node.this, target))
            elif isinstance(node, exp.In):
                node.set("this", coll.fold(node.this, how, target))
                node.set("expressions", [coll.fold(e, how, target) for e in node.expressions])
            elif isinstance(node, exp.Between):
                node.set("this", coll.bytewise(coll.fold(node.this, how, target), target))
                node.set("low", coll.fold(node.args["low"], how, target))
                node.set("high", coll.fold(node.args["high"], how, target))
            elif isinstance(node, exp.Count):
                node.this.set("expressions", [coll.fold(e, label(e) or "", target)
                                              if label(e) else e
                                              for e in node.this.expressions])
            elif isinstance(node, (exp.Min, exp.Max)):
                node.replace(self._extreme(node, how, target))
            elif isinstance(node, exp.Ordered):
                node.set("this", coll.bytewise(coll.fold(node.this, how, target), target))
            elif isinstance(node, exp.Group):
                self._group(select, node, label, target)
            elif node is select:
                group = exp.Group(expressions=[e.unalias().copy() for e in select.expressions])
                select.set("distinct", None)
                select.set("group", group)
                self._group(select, group, label, target)
        return select

    @staticmethod
    def _extreme(node: exp.Expr, how: str, target: str) -> exp.Expr:
        """MIN/MAX under the source's order: the value whose folded form is smallest/largest."""
        value, key = node.this.copy(), coll.fold(node.this, how, target)
        smallest = isinstance(node, exp.Min)
        if target == "mysql":
            if how != coll.BYTES:
                raise Unsupported(f"MIN/MAX under {how} collation cannot be carried to mysql: "
                                  f"MySQL has no arg_min to return the value with the "
                                  f"smallest folded form")
            # the smallest bytes, shown as text again
            return exp.Anonymous(this="CONVERT", expressions=[exp.Var(
                this=f"{type(node)(this=key).sql('mysql')} USING utf8mb4")])
        if target == "postgres":
            ordered = exp.Ordered(this=coll.bytewise(key, target), desc=not smallest,
                                  nulls_first=False)
            agg = exp.ArrayAgg(this=exp.Order(this=value, expressions=[ordered]))
            return exp.Bracket(this=exp.paren(agg, copy=False),
                               expressions=[exp.Literal.number(1)], offset=1)
        name = {"clickhouse": "argMin" if smallest else "argMax"}.get(
            target, "arg_min" if smallest else "arg_max")
        return exp.Anonymous(this=name, expressions=[value, key])

    @staticmethod
    def _group(select: exp.Expr, group: exp.Expr, label, target: str) -> None:
        """GROUP BY the folded key; a grouped labelled column shows its smallest spelling."""
        for key in list(group.expressions):
            how = label(key)
            if how is None or not isinstance(key, exp.Column):
                continue
            # columns compared by name, not by sqlglot's tree equality (a hash walk each)
            named = (key.table.lower(), key.name.lower())
            key.replace(coll.fold(key, how, target))
            for item in list(select.expressions):
                bare = item.unalias()
                if isinstance(bare, exp.Column) and (bare.table.lower(),
                                                     bare.name.lower()) == named:
                    item.replace(exp.alias_(exp.Min(this=bare.copy()), item.alias_or_name))
                    continue
                # UPPER(name) under GROUP BY name: a function of the group's spelling
                for column in list(item.find_all(exp.Column)):
                    if (column.table.lower(), column.name.lower()) == named and \
                            not column.find_ancestor(exp.AggFunc):
                        column.replace(exp.Min(this=column.copy()))
            # ORDER BY CASE WHEN name IS NULL ... (how MySQL sorts NULLs last): the same; a
            # bare `ORDER BY name` is folded like the key by the Ordered rewrite instead
            order = select.args.get("order")
            for ordered in order.expressions if order else []:
                if isinstance(ordered.this, exp.Column):
                    continue
                for column in list(ordered.this.find_all(exp.Column)):
                    if (column.table.lower(), column.name.lower()) == named and \
                            not column.find_ancestor(exp.AggFunc):
                        column.replace(exp.Min(this=column.copy()))


def _explicit(node: exp.Expr) -> str | None:
    """The label of a binary collation one side of a comparison (or an ORDER BY key) names:
    in MySQL it wins over the column's (tools.semantics.explicit_collate)."""
    if not isinstance(node, (*_COMPARISONS, exp.In, exp.Between, exp.Ordered)):
        return None
    sides = [node.args.get(k) for k in ("this", "expression", "low", "high")]
    sides += node.args.get("expressions") or [] if isinstance(node, exp.In) else []
    return next((how for side in sides if (how := binary_collation(side))), None)
