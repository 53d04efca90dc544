"""UPPER / LOWER beyond ASCII.

SQLite's upper()/lower() change the 26 ASCII letters only (upper('été') = 'éTé'), and so do
ClickHouse's upper()/lower() (upperUTF8 maps every letter); PostgreSQL, DuckDB and MySQL map
Unicode letters. From SQLite the call becomes a TRANSLATE over the ASCII letters (nested
REPLACEs on MySQL, which has no TRANSLATE; its REPLACE is case-sensitive); towards ClickHouse
it becomes upperUTF8/lowerUTF8; towards SQLite only MySQL's maps are written (its tables,
read from MariaDB, walked character by character: tools.semantics.sqlite_char_map), the
Unicode versions of PostgreSQL and DuckDB are not.

The Unicode engines also disagree on two special cases (read on the real engines):
upper('ß') is 'ß' in PostgreSQL and MySQL, 'ẞ' in DuckDB, 'SS' in ClickHouse's upperUTF8;
lower('İ') is 'i' except in ClickHouse's lowerUTF8 ('i' + a combining dot). Such a letter
is set aside under a Unicode noncharacter (which no text holds) before the call and put back
as the source maps it.
"""

from __future__ import annotations

import string
from typing import ClassVar

from sqlglot import exp

from tools.semantics import mysql_letter_case as letters
from tools.semantics.base import Family, SemanticsContext
from tools.semantics.sqlite_char_map import sqlite_char_map

_ASCII = "ASCII letters only"
_UNICODE = "every letter"


def _ascii_map(node: exp.Expr, upper: bool, target: str) -> exp.Expr:
    source, dest = ((string.ascii_lowercase, string.ascii_uppercase) if upper
                    else (string.ascii_uppercase, string.ascii_lowercase))
    if target == "mysql":
        out = node.copy()
        for a, b in zip(source, dest, strict=True):
            out = exp.Anonymous(this="REPLACE", expressions=[
                out, exp.Literal.string(a), exp.Literal.string(b)])
        return out
    return exp.Anonymous(this="translate", expressions=[
        node.copy(), exp.Literal.string(source), exp.Literal.string(dest)])


#: (upper?, letter) -> dialect -> what that dialect's Unicode upper/lower makes of it
SPECIAL: dict[tuple[bool, str], dict[str, str]] = {
    (True, "ß"): {"postgres": "ß", "mysql": "ß", "duckdb": "ẞ", "clickhouse": "SS"},
    (False, "İ"): {"postgres": "i", "mysql": "i", "duckdb": "i", "clickhouse": "i\u0307"},
}
_SET_ASIDE = {"ß": "\ufdd0", "İ": "\ufdd1"}


def _replace(node: exp.Expr, old: str, new: str) -> exp.Expr:
    return exp.Anonymous(this="replace", expressions=[
        node, exp.Literal.string(old), exp.Literal.string(new)])


def _special_cases(node: exp.Expr, source: str, target: str, call) -> exp.Expr:
    """call(arg) with each special letter mapped the source's way."""
    upper = isinstance(node, exp.Upper)
    arg = node.this.copy()
    restore: list[tuple[str, str]] = []
    for (is_upper, letter), made in SPECIAL.items():
        if is_upper == upper and made[source] != made[target]:
            arg = _replace(arg, letter, _SET_ASIDE[letter])
            restore.append((_SET_ASIDE[letter], made[source]))
    out = call(arg)
    for aside, spelled in restore:
        out = _replace(out, aside, spelled)
    return out


class TextCase(Family):
    name = "text_case"
    why = "UPPER/LOWER of letters outside ASCII"
    BEHAVIOUR: ClassVar[dict[str, str]] = {
        "sqlite": _ASCII, "clickhouse": _ASCII, "postgres": _UNICODE, "duckdb": _UNICODE,
        "mysql": _UNICODE,
    }
    OVERRIDES: ClassVar[dict[tuple[str, str], str]] = {
        (source, "sqlite"): "unsupported: SQLite's upper()/lower() map ASCII letters only"
        for source in ("postgres", "duckdb")} | {("mysql", "sqlite"): "mysql_tables_on_sqlite"}
    REWRITES: ClassVar[dict[tuple[str, str], str]] = {
        (_ASCII, _UNICODE): "ascii_only",
        (_UNICODE, _ASCII): "every_letter",
    }
    OVERRIDES = OVERRIDES | {  # noqa: RUF012 (derived once from SPECIAL)
        (s, t): "special_letters" for s in ("postgres", "duckdb", "mysql")
        for t in ("postgres", "duckdb", "mysql")
        if s != t and any(made[s] != made[t] for made in SPECIAL.values())}

    def nodes(self, tree: exp.Expr, ctx: SemanticsContext) -> list[exp.Expr]:
        return list(ctx.find(tree, exp.Upper, exp.Lower))

    def applies(self, node: exp.Expr, tree: exp.Expr, ctx: SemanticsContext) -> bool:
        arg = node.this
        # an ASCII literal maps the same everywhere
        return not (isinstance(arg, exp.Literal) and arg.is_string and arg.name.isascii())

    def ascii_only(self, node: exp.Expr, ctx: SemanticsContext) -> exp.Expr:
        return _ascii_map(node.this, isinstance(node, exp.Upper), ctx.target)

    def every_letter(self, node: exp.Expr, ctx: SemanticsContext) -> exp.Expr:
        name = "upperUTF8" if isinstance(node, exp.Upper) else "lowerUTF8"
        return _special_cases(node, ctx.source, ctx.target,
                              lambda arg: exp.Anonymous(this=name, expressions=[arg]))

    def mysql_tables_on_sqlite(self, node: exp.Expr, ctx: SemanticsContext) -> exp.Expr:
        # MariaDB's own maps, character by character (tools.semantics.mysql_letter_case)
        upper = isinstance(node, exp.Upper)
        mapped = sqlite_char_map(node.this, *((letters.UPPER_FROM, letters.UPPER_TO) if upper
                                              else (letters.LOWER_FROM, letters.LOWER_TO)))
        return type(node)(this=mapped)

    def special_letters(self, node: exp.Expr, ctx: SemanticsContext) -> exp.Expr:
        return _special_cases(node, ctx.source, ctx.target,
                              lambda arg: type(node)(this=arg))
