"""How a source text column compares, from the source catalog, and the target expressions
that fold a value so that a byte-wise comparison on the target agrees with it.

Labels (one per text column whose comparison is not plain bytes):
    nocase  SQLite COLLATE NOCASE: the 26 ASCII capitals fold to lower case ('É' <> 'é')
    rtrim   SQLite COLLATE RTRIM: trailing spaces are ignored
    ci      MySQL/MariaDB *_general_ci (PAD SPACE): case and accents ignored, trailing spaces
            ignored ('Ada' = 'ADA ' = 'Àda'); ordered by weights, i.e. by upper case; folded
            by the collation's own weight table (tools.semantics.general_ci)
    pad     MySQL/MariaDB *_bin (PAD SPACE): bytes, trailing spaces ignored
    bpchar  PostgreSQL char(n): trailing blanks are insignificant (the char_padding family)
    bytes   a byte-wise source's text column, towards MySQL (whose columns compare by
            their collation, mostly _ci): compared as BINARY there
    other: <name>   a collation the library cannot reproduce (utf8mb4_unicode_ci, ...)
"""

from __future__ import annotations

import string
from collections.abc import Mapping, Sequence
from typing import Any

from sqlglot import exp

from tools.semantics import general_ci, tree_walk
from tools.semantics.kinds import by_alias

NOCASE, RTRIM, CI, PAD, BPCHAR, OTHER = "nocase", "rtrim", "ci", "pad", "bpchar", "other: "
#: a text column of a byte-wise source (PostgreSQL, DuckDB), compared on a MySQL target
BYTES = "bytes"

_LOWER_ASCII = str.maketrans(string.ascii_uppercase, string.ascii_lowercase)


def label(dialect: str, column: dict[str, Any]) -> str | None:
    """The comparison label of one catalog column, None for plain bytes (or not text)."""
    collation = str(column.get("collation") or "").lower()
    declared = str(column.get("type") or "").lower()
    if dialect == "sqlite":
        return {"nocase": NOCASE, "rtrim": RTRIM}.get(collation)
    if dialect == "mysql" and collation:
        if "nopad" in collation or "_0900_" in collation:
            return None if collation.endswith("_bin") else OTHER + collation
        if collation.endswith("_general_ci"):
            return CI
        if collation.endswith("_bin"):
            return PAD
        return OTHER + collation
    if dialect == "postgres" and (declared.startswith(("character(", "char(", "bpchar"))
                                  or declared in ("character", "char")):
        return BPCHAR
    return None


def labels(dialect: str, tables: Sequence[Mapping[str, Any]]) -> dict[str, dict[str, str]]:
    """source table -> column -> label, for the catalog tables (planner's introspection)."""
    out: dict[str, dict[str, str]] = {}
    for table in tables:
        for column in table.get("columns") or []:
            found = label(dialect, column)
            if found:
                out.setdefault(table["name"], {})[column["name"]] = found
    return out


class ColumnLabels(dict[str, dict[str, str]]):
    """alias or table name (lower case) -> column (lower case) -> label, with the label of
    each unqualified name looked up once (of_column asks for the same few names many times
    in a statement; the set over every alias each time was a tenth of the library's cost
    towards MySQL). Built whole, then only read."""

    __slots__ = ("_unqualified",)

    def __init__(self, columns: Mapping[str, dict[str, str]]) -> None:
        super().__init__(columns)
        self._unqualified: dict[str, str | None] | None = None

    def unqualified(self, name: str) -> str | None:
        """The label of a bare column `name`: None when no table has it or two disagree."""
        if self._unqualified is None:
            found: dict[str, set[str]] = {}
            for cols in self.values():
                for column, got in cols.items():
                    found.setdefault(column, set()).add(got)
            self._unqualified = {column: got.pop() if len(got) == 1 else None
                                 for column, got in found.items()}
        return self._unqualified.get(name)


def column_labels(tree: exp.Expr, collations: dict[str, dict[str, str]],
                  tables: Sequence[exp.Expr] | None = None) -> ColumnLabels:
    """alias or table name (lower case) -> column (lower case) -> label, for the tables the
    statement reads (`tables`: its Table nodes in walk order, when the caller has them)."""
    return ColumnLabels(by_alias(tree, collations, tables=tables))


def of_column(node: exp.Expr, columns: dict[str, dict[str, str]],
              readable: set[str] | None = None) -> str | None:
    """The label of `node` when it is a column of a labelled table; None when unknown or
    ambiguous. `readable`: the aliases in scope of the node's SELECT."""
    while isinstance(node, exp.Paren):
        node = node.this
    if not isinstance(node, exp.Column):
        return None
    qualifier, name = node.table.lower(), node.name.lower()
    if readable is None and isinstance(columns, ColumnLabels):
        if qualifier:
            cols = columns.get(qualifier)
            return cols.get(name) if cols is not None else None
        return columns.unqualified(name)
    found = {cols.get(name) for alias, cols in columns.items()
             if (not qualifier or alias == qualifier) and name in cols
             and (readable is None or alias in readable)}
    return found.pop() if len(found) == 1 else None


def fold_literal(text: str, how: str, *, padded: bool = True) -> str | None:
    """The folded value of a string literal in Python, when it is exactly what the target's
    SQL would compute (ASCII after folding); None otherwise."""
    if how == NOCASE:
        return text.translate(_LOWER_ASCII)
    if how in (RTRIM, PAD, BPCHAR):
        return text.rstrip(" ")
    if how == CI:
        return general_ci.fold_bmp(text.rstrip(" ") if padded else text)
    return None


def _call(name: str, *args: exp.Expr) -> exp.Expr:
    # an Anonymous call keeps the spelling: ClickHouse function names are case-sensitive
    return exp.Anonymous(this=name, expressions=list(args))


def fold(node: exp.Expr, how: str, target: str, *, padded: bool = True,
         owned: bool = False, beside: exp.Expr | None = None) -> exp.Expr:
    """`node` folded so that the target's byte comparison agrees with the source's `how`;
    `padded=False` keeps trailing spaces (LIKE is not PAD SPACE in MySQL). `owned`: the
    caller puts the result in `node`'s place, so `node` itself goes into it, not a copy
    (a copy costs more than the rest of the fold). `beside`: what `node` is compared with,
    itself folded by the same call: towards MySQL that is a BINARY value unless a literal, and
    MySQL compares a binary string with a text one as bytes (the binary collation wins over a
    literal's), so a string literal beside it stays as written (CAST('TN' AS BINARY) would say
    nothing more); a literal folded in Python ('ABC' -> 'abc' under NOCASE) still is."""
    if target == "sqlite" and how == CI:
        # SQLite's upper() maps ASCII only: the collation's own weights, character by character
        if isinstance(node, exp.Literal) and node.is_string:
            text = node.name.rstrip(" ") if padded else node.name
            return exp.Literal.string(general_ci.fold_text(text))
        trimmed = exp.Trim(this=node if owned else tree_walk.copy(node),
                           position="TRAILING") if padded else node
        return general_ci.sqlite_fold(trimmed)
    if isinstance(node, exp.Literal) and node.is_string:
        folded = fold_literal(node.name, how, padded=padded)
        if folded is not None:
            return exp.Literal.string(folded)
        if target == "mysql" and beside is not None and not isinstance(beside, exp.Literal):
            return node
    if target == "mysql":
        # MySQL compares by the target column's collation: bytes only as BINARY
        # BINARY's args hold no node: a new DataType from them is the copy, without deepcopy
        return exp.Cast(this=_mysql_fold(node, how, owned), to=exp.DataType(**_BINARY.args))
    click = target == "clickhouse"
    value = node if owned else tree_walk.copy(node)
    if how in (RTRIM, PAD, BPCHAR) or (how == CI and padded):
        value = _call("trimRight", value) if click else exp.Trim(this=value, position="TRAILING")
    if how == NOCASE:
        return _call("translate", value, exp.Literal.string(string.ascii_uppercase),
                     exp.Literal.string(string.ascii_lowercase))
    if how == CI:
        # the collation's weight of every BMP character, ASCII letters included, in one pass;
        # an ASCII value (as many bytes as characters) takes upper() instead, the same weights:
        # translate() with a 1,400-character map costs ~170x upper() on DuckDB
        translated = _call("translateUTF8" if click else "translate", tree_walk.copy(value),
                           exp.Literal.string(general_ci.FOLD_FROM),
                           exp.Literal.string(general_ci.FOLD_TO))
        ascii_only = exp.EQ(this=_byte_length(tree_walk.copy(value), target),
                            expression=exp.Length(this=tree_walk.copy(value)))
        return exp.Case(ifs=[exp.If(this=ascii_only, true=exp.Upper(this=value))],
                        default=translated)
    return value


def _byte_length(value: exp.Expr, target: str) -> exp.Expr:
    """The value's length in bytes (exp.Length is in characters on these targets)."""
    if target == "clickhouse":
        return _call("length", value)  # lengthUTF8 is the characters' count there
    return _call("strlen" if target == "duckdb" else "octet_length", value)


_BINARY = exp.DataType.build("BINARY")  # built once: DataType.build tokenizes its argument


def _mysql_fold(node: exp.Expr, how: str, owned: bool) -> exp.Expr:
    value = node if owned else tree_walk.copy(node)
    if how in (RTRIM, PAD, BPCHAR):
        value = exp.Trim(this=value, position="TRAILING")
    if how == NOCASE:
        # MySQL has no TRANSLATE, and LOWER would fold 'É' too; REPLACE is case-sensitive
        for upper, lower in zip(string.ascii_uppercase, string.ascii_lowercase, strict=True):
            value = _call("REPLACE", value, exp.Literal.string(upper),
                          exp.Literal.string(lower))
    return value


def bytewise(node: exp.Expr, target: str) -> exp.Expr:
    """Order `node` by bytes on the target: PostgreSQL orders text by its locale otherwise."""
    if target == "postgres":
        return exp.Collate(this=node, expression=exp.Identifier(this="C", quoted=True))
    return node
