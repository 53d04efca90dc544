"""ORDER BY on a MySQL ENUM column.

MySQL/MariaDB sort an ENUM column by its position in the declaration (ENUM('gold',
'silver', 'bronze') sorts gold, silver, bronze), while comparisons, MIN/MAX and GROUP BY use
its text. The loader copies the column as text everywhere else, which sorts alphabetically.
Every ORDER BY key (a statement's, a window's, an aggregate's) that is an ENUM column of the
source, named directly or through its select alias, becomes CASE col WHEN 'gold' THEN 1 ...
END: the empty string MySQL stores for an invalid value is index 0, NULL stays NULL and
keeps its place. The declarations come from the source catalog (`enum_values`).
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Any, ClassVar

from sqlglot import exp

from tools.semantics.base import Family, SemanticsContext

_BY_POSITION = "an ENUM sorts by declaration position"
_BY_TEXT = "no ENUM type: the loaded text sorts as text"
_DECLARED = re.compile(r"^\s*enum\s*\((.*)\)\s*$", re.IGNORECASE | re.DOTALL)
_MEMBER = re.compile(r"'((?:[^']|'')*)'")


def enum_values(dialect: str, tables: Sequence[Mapping[str, Any]]
                ) -> dict[str, dict[str, tuple[str, ...]]]:
    """source table -> ENUM column -> its members in declaration order (catalog types such
    as "enum('gold','silver','bronze')"); MySQL sources only."""
    out: dict[str, dict[str, tuple[str, ...]]] = {}
    if dialect != "mysql":
        return out
    for table in tables:
        for column in table.get("columns") or []:
            declared = _DECLARED.match(str(column.get("type") or ""))
            if declared:
                members = tuple(m.replace("''", "'") for m in _MEMBER.findall(declared[1]))
                out.setdefault(table["name"], {})[column["name"]] = members
    return out


class EnumOrder(Family):
    name = "enum_order"
    why = "ORDER BY an ENUM column"
    BEHAVIOUR: ClassVar[dict[str, str]] = {
        "mysql": _BY_POSITION, "sqlite": _BY_TEXT, "duckdb": _BY_TEXT, "postgres": _BY_TEXT,
        "clickhouse": _BY_TEXT,
    }
    SOURCES: ClassVar[tuple[str, ...]] = ("mysql",)
    REWRITES: ClassVar[dict[tuple[str, str], str]] = {(_BY_POSITION, _BY_TEXT): "by_position"}

    def nodes(self, tree: exp.Expr, ctx: SemanticsContext) -> list[exp.Expr]:
        if not ctx.enums:
            return []
        return list(ctx.find(tree, exp.Ordered))

    def applies(self, node: exp.Expr, tree: exp.Expr, ctx: SemanticsContext) -> bool:
        return self._members(node, ctx) is not None

    def _members(self, ordered: exp.Expr, ctx: SemanticsContext) -> tuple[str, ...] | None:
        key = ordered.this
        if not isinstance(key, exp.Column):
            return None
        select = ordered.find_ancestor(exp.Select)
        if select is None:
            return None
        if not key.table:
            # ORDER BY an output alias: the aliased expression decides
            for item in select.expressions:
                if isinstance(item, exp.Alias) and item.alias.lower() == key.name.lower():
                    key = item.this
                    break
            if not isinstance(key, exp.Column):
                return None
        lowered = {t.lower(): {c.lower(): v for c, v in cols.items()}
                   for t, cols in ctx.enums.items()}
        found = set()
        for source in select.find_all(exp.Table):
            if source.find_ancestor(exp.Select) is not select:
                continue  # a nested SELECT's table is out of this ORDER BY's scope
            if key.table and key.table.lower() != source.alias_or_name.lower():
                continue
            columns = lowered.get(source.name.lower())
            if columns and key.name.lower() in columns:
                found.add(columns[key.name.lower()])
            elif not key.table and columns is None:
                return None  # an unknown table could hold the column: cannot tell
        return found.pop() if len(found) == 1 else None

    def by_position(self, node: exp.Expr, ctx: SemanticsContext) -> exp.Expr:
        members = self._members(node, ctx)
        assert members is not None
        key = node.this.copy()
        if not key.table:
            for item in (node.find_ancestor(exp.Select) or node).expressions:
                if isinstance(item, exp.Alias) and item.alias.lower() == key.name.lower():
                    key = item.this.copy()
                    break
        ifs = [exp.If(this=exp.Literal.string(member), true=exp.Literal.number(position))
               for position, member in enumerate(("", *members))]
        node.set("this", exp.Case(this=key, ifs=ifs))
        return node
