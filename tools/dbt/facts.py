"""What is provably true of a model's columns, so the schema tests dbt runs are claims the
source guarantees rather than guesses from today's data.

- not_null: the column is a bare column of a table that is never the optional side of an outer
  join, and that column is NOT NULL (or a primary key) there.
- unique: the query groups by exactly that one column; or it reads one table with no join and
  selects that table's unique column unchanged.
- relationships: the column is a bare column of a table whose column is a foreign key (or is
  itself a reference), so every non-null value exists in the referred model.
Anything the rules cannot show gets no test: a missing test is honest, a wrong one fails the
build.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import sqlglot
from sqlglot import exp

from tools.dbt.records import ColumnFacts

Facts = dict[str, dict[str, ColumnFacts]]
"""table or model (lower case) -> column (lower case) -> what is known of it."""


def _outer_side_tables(select: exp.Select) -> set[str] | None:
    """Aliases that may be NULL-extended by an outer join; None when a RIGHT/FULL join makes
    every table optional."""
    optional: set[str] = set()
    for join in select.args.get("joins") or []:
        side = (join.side or "").upper()
        if side in ("RIGHT", "FULL"):
            return None
        if side == "LEFT":
            optional.add(join.this.alias_or_name.lower())
    return optional


def _sources(select: exp.Select) -> dict[str, str]:
    """alias -> table name for the tables read directly by this SELECT (not subqueries)."""
    out: dict[str, str] = {}
    from_ = select.args.get("from_") or select.args.get("from")
    items = [from_.this] if from_ is not None else []
    items += [j.this for j in select.args.get("joins") or []]
    for item in items:
        if isinstance(item, exp.Table):
            out[item.alias_or_name.lower()] = item.name.lower()
    return out


def _bare_column(projection: exp.Expr) -> exp.Column | None:
    inner = projection.this if isinstance(projection, exp.Alias) else projection
    return inner if isinstance(inner, exp.Column) else None


def _origin(column: exp.Column, sources: dict[str, str]) -> tuple[str, str] | None:
    """(alias, table) the column comes from; an unqualified column only when one table is read."""
    alias = column.table.lower()
    if not alias:
        if len(sources) != 1:
            return None
        alias = next(iter(sources))
    return (alias, sources[alias]) if alias in sources else None


def infer(sql: str, dialect: str, known: Facts, output_columns: list[str]) -> list[ColumnFacts]:
    """Facts for each output column of `sql` (types are filled in by the caller)."""
    result = [ColumnFacts(name=c) for c in output_columns]
    try:
        tree = sqlglot.parse_one(sql, read=dialect)
    except sqlglot.errors.ParseError:
        return result
    if not isinstance(tree, exp.Select) or tree.args.get("with_") or tree.args.get("with"):
        return result
    projections = tree.expressions
    if len(projections) != len(output_columns) or any(isinstance(p, exp.Star)
                                                      for p in projections):
        return result
    sources = _sources(tree)
    optional = _outer_side_tables(tree)
    joins = tree.args.get("joins") or []
    group = tree.args.get("group")
    group_keys = [g for g in group.expressions] if group else []
    for facts, projection in zip(result, projections, strict=True):
        column = _bare_column(projection)
        origin = _origin(column, sources) if column is not None else None
        if column is None or origin is None:
            continue
        alias, table = origin
        base = known.get(table, {}).get(column.name.lower())
        if base is None:
            continue
        if optional is not None and alias not in optional:
            facts.not_null = base.not_null
        facts.references = base.references
        if group_keys:
            facts.unique = (len(group_keys) == 1 and isinstance(group_keys[0], exp.Column)
                            and _origin(group_keys[0], sources) == origin
                            and group_keys[0].name.lower() == column.name.lower())
        elif not joins and not tree.args.get("distinct"):
            facts.unique = base.unique and not _aggregates(tree)
    return result


def _aggregates(select: exp.Select) -> bool:
    return any(isinstance(e, exp.AggFunc) for p in select.expressions for e in p.find_all(
        exp.AggFunc))


def table_facts(table: Mapping[str, Any], foreign_keys: list[dict[str, Any]],
                ref_model: dict[str, str]) -> dict[str, ColumnFacts]:
    """Facts of a source table from its catalog entry: PK, NOT NULL, single-column FKs."""
    pk = [c.lower() for c in table.get("primary_key") or []]
    refs: dict[str, tuple[str, str]] = {}
    for fk in foreign_keys:
        cols, referred = fk.get("columns") or [], fk.get("referred_columns") or []
        target = ref_model.get((fk.get("referred_table") or "").lower())
        if len(cols) == 1 and len(referred) == 1 and target:
            refs[cols[0].lower()] = (target, referred[0].lower())
    out = {}
    for col in table["columns"]:
        name = col["name"].lower()
        out[name] = ColumnFacts(
            name=col["name"], not_null=(not col.get("nullable", True)) or name in pk,
            unique=pk == [name], references=refs.get(name))
    return out
