"""What a semantics family is: per-dialect behaviour as data, the pair table derived from it,
and the helpers the families share (templates in the target's own dialect, source typing).

A family names one construct whose meaning differs between engines (SUBSTR with a start
below 1, GREATEST with a NULL argument, ...). Each dialect gets a behaviour label in
BEHAVIOUR; REWRITES says, for a (source behaviour, target behaviour) pair, which method of
the family keeps the source's meaning on the target, or why none can. The per-dialect-pair
table every reader sees (docs/semantics.md, the translator) is derived from those two tables.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass, field
from typing import Any, ClassVar, TypeVar, overload

import sqlglot
from sqlglot import exp

from tools.semantics import kinds, tree_walk

E = TypeVar("E", bound=exp.Expr)

#: engines the library knows, in sqlglot's names (MariaDB speaks "mysql")
DIALECTS = ("sqlite", "duckdb", "postgres", "mysql", "clickhouse")
SAME = "same"
UNSUPPORTED = "unsupported: "
#: a known difference the library does not handle yet: shown in the catalog, not raised
OPEN = "open: "


@dataclass
class SemanticsContext:
    """What a rewrite may look at besides the tree: the pair and the source catalog's types."""

    source: str
    target: str
    schema: dict[str, dict[str, str]] = field(default_factory=dict)
    """source table -> column -> canonical type (int, float, text, decimal(p,s), date, ...)"""
    collations: dict[str, dict[str, str]] = field(default_factory=dict)
    """source table -> text column -> how it compares (tools.semantics.collations labels:
    'nocase', 'rtrim', 'ci', 'pad', 'bpchar', or 'other: <name>')"""
    enums: dict[str, dict[str, tuple[str, ...]]] = field(default_factory=dict)
    """source table -> ENUM column -> its members in declaration order (MySQL sources)"""
    keys: dict[str, tuple[str, ...]] = field(default_factory=dict)
    """source table -> its primary key's columns (which row MySQL reads first in a group)"""
    _columns: dict[str, dict[str, str]] | None = None
    _buckets: dict[type, list[exp.Expr]] | None = None
    _found: dict[tuple[type, ...], list[exp.Expr]] = field(default_factory=dict)
    _walk: list[exp.Expr] = field(default_factory=list)
    _owned: dict[tuple[type, ...], dict[int, list[exp.Expr]]] = field(default_factory=dict)
    _lowered: dict[str, dict[str, str]] | None = None
    _walked: exp.Expr | None = None
    """the tree ctx.find walked (its buckets describe it until a rewrite changes it)"""
    pristine: bool = False
    """set by apply() while the families look at the tree, before any rewrite: the
    walk's buckets then describe the tree as it is"""
    _lower_names: dict[str, dict[str, str]] = field(default_factory=dict)
    touched: set[int] = field(default_factory=set)
    """ids of the SELECTs whose own nodes a rewrite has changed (set by apply(), innermost
    first): a family may reuse what it saw of any other SELECT before the rewrites"""

    @overload
    def find(self, tree: exp.Expr, kind: type[E], /) -> list[E]: ...

    @overload
    def find(self, tree: exp.Expr, *types: type[exp.Expr]) -> list[exp.Expr]: ...

    def find(self, tree: exp.Expr, *types: type[exp.Expr]) -> list[Any]:
        """The nodes of `tree` of these types: one walk of the tree serves every family
        (ten find_all walks per statement cost half of sqlglot's own time on TPC-DS)."""
        if self._buckets is None:
            buckets: dict[type, list[exp.Expr]] = {}
            walk = tree_walk.nodes(tree)
            for node in walk:
                kind = type(node)
                bucket = buckets.get(kind)
                if bucket is None:
                    bucket = buckets[kind] = []
                bucket.append(node)
            self._buckets, self._walked, self._walk = buckets, tree, walk
            self._found, self._owned = {}, {}
        # the families ask for the same few type sets: each is gathered once per statement
        found = self._found.get(types)
        if found is None:
            found = self._found[types] = [n for kind, nodes in self._buckets.items()
                                          if issubclass(kind, types) for n in nodes]
        return list(found)

    def owned(self, tree: exp.Expr, *types: type[exp.Expr]) -> dict[int, list[exp.Expr]]:
        """id of a SELECT -> the nodes of these types whose nearest SELECT ancestor it is
        (the ones tree_walk.own_nodes gives it), in walk order, as ctx.find's walk found
        them: a family that reuses them after a rewrite keeps to the SELECTs it left
        untouched (ctx.touched). One pass over that walk, not a walk per SELECT."""
        owned = self._owned.get(types) if self._buckets is not None else None
        if owned is None:
            self.find(tree, *types)  # the walk, if no family has asked yet
            assert self._buckets is not None
            kinds = {kind for kind in self._buckets if issubclass(kind, types)}
            owned = {}
            # find() gives the nodes kind by kind: the walk itself keeps them in its order
            for node in self._walk:
                if type(node) in kinds:
                    owner = node.parent
                    while owner is not None and not isinstance(owner, exp.Select):
                        owner = owner.parent
                    if owner is not None:
                        owned.setdefault(id(owner), []).append(node)
            self._owned[types] = owned
        return owned

    def lower_columns(self, table: str) -> dict[str, str] | None:
        """column (lower case) -> type, of the catalog table named `table` (lower case), or
        None if the catalog lacks it. Each table is lower-cased when first asked for: a
        statement reads a few of the catalog's tables."""
        if self._lowered is None:
            # a later spelling of one name wins, as in a dict built from the catalog
            self._lower_names = {name.lower(): cols for name, cols in self.schema.items()}
            self._lowered = {}
        lowered = self._lowered.get(table)
        if lowered is None:
            columns = self._lower_names.get(table)
            if columns is None:
                return None
            lowered = self._lowered[table] = {c.lower(): k for c, k in columns.items()}
        return lowered

    def source_kind(self, tree: exp.Expr, node: exp.Expr) -> str | None:
        """'int', 'float', 'decimal' or 'other' under the source's typing; None if unknown."""
        return kinds.kind(node, self.source, self._column_map(tree))

    def column_type(self, tree: exp.Expr, column: exp.Column) -> str | None:
        """The source catalog's type of a column reference (a derived table's column: its
        kind); None if unknown or ambiguous."""
        return kinds.column_type(column, self._column_map(tree))

    def _column_map(self, tree: exp.Expr) -> dict[str, dict[str, str]]:
        """alias -> column -> type for the statement's tables and derived tables (once)."""
        if self._columns is None:
            # before any rewrite, the statement's tables are the walk's (no walk of its own)
            walked = self.pristine and tree is self._walked
            tables = self.find(tree, exp.Table) if walked else tree_walk.find_all(tree, exp.Table)
            self._columns = kinds.column_types(tables, self.lower_columns)
            kinds.add_derived(self._columns, self.find(tree, exp.Subquery) if walked
                              else tree_walk.find_all(tree, exp.Subquery), self.source)
        return self._columns


#: family class -> its derived pair table (the tables are class-level data: derived once)
_PAIRS: dict[type, dict[tuple[str, str], str]] = {}


class Family:
    """One construct family: behaviour per dialect, and the rewrite per behaviour pair."""

    name: ClassVar[str]
    why: ClassVar[str]
    BEHAVIOUR: ClassVar[dict[str, str]]
    """dialect -> behaviour label, for every dialect in DIALECTS"""
    OVERRIDES: ClassVar[dict[tuple[str, str], str]] = {}
    """(source dialect, target dialect) -> entry, where one pair departs from its behaviours"""
    SOURCES: ClassVar[tuple[str, ...]] = ("sqlite", "duckdb", "postgres", "mysql")
    """dialects this family reads as a source; ClickHouse is a target only until the grid
    harness can run it as a source (chdb lives in a child process)"""
    REWRITES: ClassVar[dict[tuple[str, str], str]]
    """(source behaviour, target behaviour) -> method name, or 'unsupported: reason'"""

    def pairs(self) -> dict[tuple[str, str], str]:
        """(source dialect, target dialect) -> 'same', a method name or 'unsupported: …'."""
        cached = _PAIRS.get(type(self))
        if cached is None:
            cached = _PAIRS[type(self)] = self._derive_pairs()
        return cached

    def _derive_pairs(self) -> dict[tuple[str, str], str]:
        table: dict[tuple[str, str], str] = {}
        for source in DIALECTS:
            for target in DIALECTS:
                if source == target or source not in self.SOURCES:
                    continue
                src, tgt = self.BEHAVIOUR[source], self.BEHAVIOUR[target]
                # an override stands in for a pair REWRITES does not list
                table[(source, target)] = self.OVERRIDES.get((source, target)) or (
                    SAME if src == tgt else self.REWRITES[(src, tgt)])
        return table

    def nodes(self, tree: exp.Expr, ctx: SemanticsContext) -> list[exp.Expr]:
        """The occurrences of this family's construct in `tree` (innermost last)."""
        raise NotImplementedError

    def applies(self, node: exp.Expr, tree: exp.Expr, ctx: SemanticsContext) -> bool:
        """Whether this occurrence has the meaning that differs (a type, a literal, ...)."""
        return True


@functools.lru_cache(maxsize=1024)
def _parsed(sql: str, dialect: str) -> exp.Expr:
    # parsing is most of a template's cost, and a family fills the same few texts again and
    # again: parse each once, hand out copies (the caller's tree is changed in place)
    return sqlglot.parse_one(sql, read=dialect)


def template(sql: str, dialect: str, **args: exp.Expr) -> exp.Expr:
    """Parse `sql` in the target's own dialect and put copies of `args` where their
    upper-case placeholders stand, so the target's spelling survives generation."""
    tree = tree_walk.copy(_parsed(sql, dialect))
    for column in list(tree.find_all(exp.Column)):
        value = args.get(column.name)
        if value is not None and not column.table:
            # an operator argument keeps its grouping: X / 2 with X = a + 1 is (a + 1) / 2
            atomic = isinstance(value, (exp.Column, exp.Literal, exp.Func, exp.Paren))
            column.replace(value.copy() if atomic else exp.paren(value.copy(), copy=False))
    return tree


def int_literal(node: exp.Expr) -> int | None:
    """The value of an integer literal, including a negated one (-2), else None."""
    if isinstance(node, exp.Neg) and isinstance(node.this, exp.Literal) and node.this.is_int:
        return -int(node.this.name)
    if isinstance(node, exp.Literal) and node.is_int:
        return int(node.name)
    return None
