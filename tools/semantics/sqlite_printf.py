"""SQLite's printf() / format(): its conversions, its NULLs, its rounding.

SQLite's printf reads a NULL argument as 0 for %d and %f ('0.0') and as '' for %s, rounds
%.Nf half away from zero on the value's first 15 significant digits (printf('%.1f', 0.15) is
'0.2', printf('%.2f', 1.005) is '1.01'), keeps the sign of a value that rounds to zero
('-0.0'), truncates a REAL for %d (2.7 -> '2') and writes a REAL for %s with its 15 digits.
DuckDB's printf returns NULL for a NULL argument and rounds the binary value ('0.1', '1.00');
PostgreSQL, MySQL and ClickHouse have no printf. The rewrite spells a literal format string
as a concatenation of its text and one expression per conversion: %d/%i, %f/%.Nf, %s and
%%, over integer and REAL arguments (and text for %s). Widths, flags and the other
conversions (%x, %e, %g, %q, %c, ...) and a format that is not a literal are unsupported
with that reason, as is a text argument to %d or %f (SQLite reads its numeric prefix).
"""

from __future__ import annotations

import re
from typing import ClassVar

from sqlglot import exp

from tools.errors import Unsupported
from tools.semantics import kinds
from tools.semantics.base import Family, SemanticsContext, template
from tools.semantics.real_text import _EXPONENT, _FLOOR_LOG, RealText

_SQLITE = "printf: NULL is 0 or '', %.Nf rounds 15 digits half away from zero"
_NULL_BINARY = "printf: NULL gives NULL, %.Nf rounds the binary value"
_NONE = "no printf"

_CONVERSION = re.compile(r"%(?P<flags>[-+ 0#,!]*)(?P<width>\d*)(?:\.(?P<precision>\d+))?"
                         r"(?P<kind>.)", re.DOTALL)

#: X (a non-NULL number) rounded like SQLite's %.Nf and written with exactly {n} decimals
#: (E: its decimal exponent at 15 digits, real_text's)
_FIXED = {
    "postgres": "CAST(ROUND(CAST(CAST(X AS DOUBLE PRECISION) AS NUMERIC), {n}) AS TEXT)",
    "duckdb": "CAST(CAST(ROUND(CAST(PRINTF('%.15g', CAST(X AS DOUBLE)) AS DECIMAL(38, 18)), {n}) "
              "AS DECIMAL(38, {n})) AS VARCHAR)",
    "mysql": "CAST(CAST(ROUND(ROUND(CAST(X AS DECIMAL(65, 30)), 14 - E), {n}) AS DECIMAL(65, {n})) "
             "AS CHAR)",
    "clickhouse": "toDecimalString(round(round(toDecimal256(toFloat64(X), 40), 14 - E), {n}), {n})",
}
#: the integer SQLite's %d takes from a REAL: truncated toward zero
_TRUNCATED = {
    "postgres": "CAST(CAST(TRUNC(X) AS BIGINT) AS TEXT)",
    "duckdb": "CAST(CAST(TRUNC(X) AS BIGINT) AS VARCHAR)",
    "mysql": "CAST(CAST(TRUNCATE(X, 0) AS SIGNED) AS CHAR)",
    "clickhouse": "toString(toInt64(trunc(X)))",
}


class SqlitePrintf(Family):
    name = "sqlite_printf"
    why = "printf()/format() conversions, NULL arguments and rounding"
    BEHAVIOUR: ClassVar[dict[str, str]] = {
        "sqlite": _SQLITE, "duckdb": _NULL_BINARY, "postgres": _NONE, "mysql": _NONE,
        "clickhouse": _NONE,
    }
    SOURCES = ("sqlite",)
    REWRITES: ClassVar[dict[tuple[str, str], str]] = {
        (_SQLITE, _NULL_BINARY): "concatenate",
        (_SQLITE, _NONE): "concatenate",
    }

    def nodes(self, tree: exp.Expr, ctx: SemanticsContext) -> list[exp.Expr]:
        return [n for n in ctx.find(tree, exp.Anonymous, exp.Format)
                if isinstance(n, exp.Format) or n.name.lower() == "printf"]

    def concatenate(self, node: exp.Expr, ctx: SemanticsContext) -> exp.Expr:
        pattern, *arguments = ([node.this, *node.expressions] if isinstance(node, exp.Format)
                               else list(node.expressions))
        if not (isinstance(pattern, exp.Literal) and pattern.is_string):
            self._refuse(ctx, "its format is not a literal string")
        pieces: list[exp.Expr] = []
        position = 0
        for match in _CONVERSION.finditer(pattern.name):
            if match.start() > position:
                pieces.append(exp.Literal.string(pattern.name[position:match.start()]))
            position = match.end()
            kind = match["kind"]
            if kind == "%" and not (match["flags"] or match["width"] or match["precision"]):
                pieces.append(exp.Literal.string("%"))
                continue
            if match["flags"] or match["width"] or kind not in "difs" or (
                    match["precision"] is not None and kind != "f"):
                self._refuse(ctx, f"the conversion {match.group(0)!r} is not carried (only "
                                  f"%d, %i, %f, %.Nf, %s and %%)")
            # a missing argument reads as NULL
            argument = arguments.pop(0) if arguments else exp.Null()
            pieces.append(self._converted(argument, kind, match["precision"], node, ctx))
        if position < len(pattern.name):
            pieces.append(exp.Literal.string(pattern.name[position:]))
        if not pieces:
            return exp.Literal.string("")
        return pieces[0] if len(pieces) == 1 else exp.Concat(expressions=pieces)

    def _converted(self, argument: exp.Expr, kind: str, precision: str | None, node: exp.Expr,
                   ctx: SemanticsContext) -> exp.Expr:
        source_kind = ctx.source_kind(node.root(), argument)
        is_null = isinstance(argument, exp.Null)
        text: exp.Expr
        if kind == "s":
            if source_kind == kinds.FLOAT:
                text = RealText().fifteen_digits(exp.cast(argument.copy(), exp.DType.TEXT), ctx)
            elif source_kind in (kinds.INT, kinds.OTHER) or is_null:
                text = exp.cast(argument.copy(), exp.DType.TEXT)
            else:
                self._refuse(ctx, f"the type of the %s argument {argument.sql('sqlite')} is "
                                  f"not known")
            return exp.Coalesce(this=text, expressions=[exp.Literal.string("")])
        if source_kind not in (kinds.INT, kinds.FLOAT) and not is_null:
            self._refuse(ctx, f"%{kind} of {argument.sql('sqlite')}: SQLite reads a text's "
                              f"numeric prefix, and the argument is not known to be a number")
        value = exp.Coalesce(this=argument.copy(), expressions=[exp.Literal.number(0)])
        if kind in "di":
            if source_kind == kinds.INT or is_null:
                return exp.cast(value, exp.DType.TEXT)
            return template(_TRUNCATED[ctx.target], ctx.target, X=value)
        digits = int(precision) if precision is not None else 6
        args: dict[str, exp.Expr] = {"X": value}
        if ctx.target in _EXPONENT:
            floor_log = template(_FLOOR_LOG[ctx.target], ctx.target, X=value)
            args["E"] = template(_EXPONENT[ctx.target], ctx.target, X=value, F=floor_log)
        spelled = _FIXED[ctx.target]
        if digits == 0 and ctx.target == "clickhouse":
            # toDecimalString(d, 0) writes '2.': the whole number as an integer instead
            spelled = spelled.replace("toDecimalString(", "toString(toInt256(").replace(
                ", {n}), {n})", ", {n})))")
        fixed = template(spelled.format(n=digits), ctx.target, **args)
        # SQLite keeps the sign of a negative value that rounds to zero ('-0.0'); the decimal
        # types have no negative zero
        negative_zero = template("CASE WHEN X < 0 AND NOT F LIKE '-%' THEN '-' ELSE '' END",
                                 "postgres", X=value, F=fixed)
        return exp.Concat(expressions=[negative_zero, fixed])

    def _refuse(self, ctx: SemanticsContext, reason: str) -> None:
        raise Unsupported(f"{self.why} cannot be carried from {ctx.source} to {ctx.target}: "
                          f"{reason}")
