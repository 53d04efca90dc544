"""strftime-style format codes written for ClickHouse's formatDateTime.

sqlglot reads DuckDB's strftime(ts, fmt) and MySQL's DATE_FORMAT(ts, fmt) into strftime codes
and writes them to ClickHouse as they are, but formatDateTime spells several codes its own way:
%M is the month's name there (the minute is %i), %W the weekday's name (%A in strftime), and
it has no unpadded %-d/%-m/%-H/%-I/%-M/%-S. So `strftime(ts, '%H:%M')` from DuckDB, or MySQL's
`DATE_FORMAT(ts, '%H:%i')`, shows 'January' where the source shows the minutes, silently. The
rewrite respells the format the way the PostgreSQL and SQLite families already do for theirs
(format_codes.strftime_pieces): %M → %i, %A → %W, %B → %M, unpadded codes as numbers. A
format with a code outside the ones both sides are known to agree on (the week numbers %U/%W,
%c, %x, %Z, ...) is left as sqlglot writes it, for the differ to judge.
"""

from __future__ import annotations

import re
from typing import ClassVar

from sqlglot import exp

from tools.semantics.base import Family, SemanticsContext
from tools.semantics.format_codes import META, strftime_pieces

_STRFTIME = "strftime codes (%M the minute)"
_CLICKHOUSE = "formatDateTime codes (%M the month's name, %i the minute)"
#: codes that mean the same in strftime and, once respelled, in formatDateTime
_KNOWN = re.compile(r"%(-?[dmHIMS]|[YyjpabAB%])")


def _format(node: exp.Expr) -> str | None:
    fmt = node.args.get("format")
    return fmt.name if isinstance(fmt, exp.Literal) and fmt.is_string else None


class ClickhouseFormat(Family):
    name = "clickhouse_format"
    why = "strftime-style format codes on ClickHouse (%M is the month's name there)"
    BEHAVIOUR: ClassVar[dict[str, str]] = {
        "duckdb": _STRFTIME, "mysql": _STRFTIME, "postgres": _STRFTIME, "sqlite": _STRFTIME,
        "clickhouse": _CLICKHOUSE,
    }
    REWRITES: ClassVar[dict[tuple[str, str], str]] = {(_STRFTIME, _CLICKHOUSE): "respell",
                                                      (_CLICKHOUSE, _STRFTIME): "same"}
    # PostgreSQL's to_char and SQLite's strftime are written for ClickHouse by their own
    # families (format_codes, sqlite_strftime)
    SOURCES = ("duckdb", "mysql")

    def nodes(self, tree: exp.Expr, ctx: SemanticsContext) -> list[exp.Expr]:
        return [n for n in ctx.find(tree, exp.TimeToStr) if META not in n.meta]

    def applies(self, node: exp.Expr, tree: exp.Expr, ctx: SemanticsContext) -> bool:
        text = _format(node)
        return text is not None and "%" in text and "%" not in _KNOWN.sub("", text)

    def respell(self, node: exp.Expr, ctx: SemanticsContext) -> exp.Expr:
        pieces = strftime_pieces(node.this, _format(node) or "", ctx.target)
        return pieces[0] if len(pieces) == 1 else exp.Concat(expressions=pieces)
