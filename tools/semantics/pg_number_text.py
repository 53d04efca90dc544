"""to_char(number, template) and to_number(text, template) (PostgreSQL source).

PostgreSQL's numeric templates: 9 is a digit position left blank when it is a leading zero,
0 one always printed, . or D the decimal point, , or G a group separator (blank before the
first printed digit), FM drops the blanks and the fraction's trailing zeros where it has 9s;
a sign slot precedes the number ('-' or a blank), a value too wide for the template prints #
in every digit position, and the value is rounded to the template's fraction digits (half
away from zero for an integer or numeric, correctly rounded binary for a float). sqlglot reads
every to_char as a date format and writes STRFTIME(number, ...), a compile error on DuckDB;
to_number it cannot write at all. The rewrite lays the template out at translation time: the
rounded value's text split into its integer and fraction digits, and a CASE over how many
integer digits it has (each layout is then fixed) writing PostgreSQL's output piece by piece.
S (leading or trailing), a trailing MI and PR place the sign as PostgreSQL does. Templates
with other patterns (a leading MI, L, V, EEEE, RN, TH, text) are unsupported. MySQL/MariaDB
get the same layout for an integer or a numeric (its decimal cast rounds half away from zero
too). SQLite and ClickHouse get it too, with the rounded text their own way: SQLite's
printf('%.Nf') (it rounds the decimal digits of a numeric, which SQLite keeps as a double,
half away from zero; an integer is printed whole with %d) and ClickHouse's
toDecimalString(round(x, N), N) (round of an integer or a Decimal is half away from zero).
Both may write a value rounded to zero as -0.00, so the sign is read from the rounded
value, not its text; SQLite has no LPAD, so the zero padding is cut from a run of zeros.
A float is unsupported but on DuckDB. A date's to_char is the format_codes family's.
"""

from __future__ import annotations

import re
from typing import ClassVar

from sqlglot import exp

from tools.errors import Unsupported
from tools.semantics import kinds
from tools.semantics.base import DIALECTS, Family, SemanticsContext, template
from tools.semantics.format_codes import META

_PG = "PostgreSQL numeric template patterns"
_NONE = "no numeric templates"
#: the templates carried: FM, digit positions and separators, a decimal point, fraction digits
_CARRIED = re.compile(r"^(FM)?(S)?([90,G]*)(?:([.D])([90]*))?(S|MI|PR)?$")
#: a template that can only be a number's (digit positions): not a date's
_NUMERIC_LOOK = re.compile(r"^(FM)?[90,.GDSPRMI]*[90][90,.GDSPRMI]*$")


def numeric_template(text: str) -> bool:
    """Whether a to_char template is a number's (9 and 0 positions, no date patterns)."""
    return bool(_NUMERIC_LOOK.match(text))


def _sql_string(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


class _Layout:
    """One template's pieces: integer pattern, fraction pattern, FM."""

    def __init__(self, match: re.Match[str]) -> None:
        self.fill_mode = bool(match.group(1))
        self.integer = match.group(3).replace("G", ",")
        self.point = match.group(4) is not None
        self.fraction = match.group(5) or ""
        # what stands before and after the number, negative / not: a sign slot by default,
        # S a +/- sign, MI a trailing minus, PR angle brackets (FM drops the blanks)
        blank = "" if self.fill_mode else " "
        sign = "S" if match.group(2) else match.group(6)
        #: the sign pattern: None, 'S' (leading), 'S trailing', 'MI' or 'PR'
        self.sign = "S trailing" if sign == "S" and not match.group(2) else sign
        self.before, self.after = {
            None: (("-", blank), ("", "")), "S": (("-", "+"), ("", "")),
            "MI": (("", ""), ("-", blank)), "PR": (("<", blank), (">", blank)),
        }[sign]
        if sign == "S" and not match.group(2):  # a trailing S
            self.before, self.after = ("", ""), ("-", "+")
        self.width = sum(c in "90" for c in self.integer)
        zeros = [i for i, c in enumerate(c for c in self.integer if c in "90") if c == "0"]
        #: the first digit position (1-based) always printed, past the end when none is
        self.first_zero = zeros[0] + 1 if zeros else self.width + 1
        #: fraction digits FM keeps: up to the last 0 position
        self.kept = self.fraction.rfind("0") + 1

    def integer_part(self, start: int) -> str:
        """SQL for the integer digits printed from position `start` on (over XI, the
        integer digits padded to the template's width), with blanks before."""
        blank = "" if self.fill_mode else " "
        pieces: list[str] = []
        position = 0
        for char in self.integer:
            if char == ",":
                pieces.append(_sql_string("," if position >= start else blank))
                continue
            position += 1
            pieces.append(f"SUBSTR(XI, {position}, 1)" if position >= start
                          else _sql_string(blank))
        printed = [p for p in pieces if p != "''"]
        leading = ""
        while printed and printed[0] == "' '":
            leading += " "
            printed.pop(0)
        return " || ".join(([_sql_string(leading)] if leading else [])
                           + [self._signed(self.before)] + printed)

    @staticmethod
    def _signed(pair: tuple[str, str]) -> str:
        negative, otherwise = pair
        if negative == otherwise:
            return _sql_string(negative)
        return f"CASE WHEN XNEG THEN {_sql_string(negative)} ELSE {_sql_string(otherwise)} END"

    def closing(self) -> str:
        """SQL for what follows the number (a trailing sign or bracket), or ''."""
        return self._signed(self.after)

    def fraction_part(self) -> str:
        if not self.point:
            return "''"
        if not self.fill_mode:
            return "'.' || XF"
        return f"'.' || SUBSTR(XF, 1, {self.kept}) || RTRIM(SUBSTR(XF, {self.kept + 1}), '0')"

    def overflow(self) -> str:
        hashes = "".join("#" if c in "90" else c for c in self.integer)
        tail = ("." + "#" * len(self.fraction)) if self.point else ""
        return (f"{self._signed(self.before)} || {_sql_string(hashes + tail)} || "
                f"{self.closing()}")


class NumberText(Family):
    name = "pg_number_text"
    why = "to_char(number, '9990.00') and to_number() (PostgreSQL function counterparts)"
    BEHAVIOUR: ClassVar[dict[str, str]] = {d: _NONE for d in DIALECTS} | {"postgres": _PG}
    SOURCES = ("postgres",)
    REWRITES: ClassVar[dict[tuple[str, str], str]] = {(_PG, _NONE): "laid_out"}

    def nodes(self, tree: exp.Expr, ctx: SemanticsContext) -> list[exp.Expr]:
        return [n for n in ctx.find(tree, exp.TimeToStr, exp.ToNumber)
                if isinstance(n, exp.ToNumber) or META in n.meta]

    def applies(self, node: exp.Expr, tree: exp.Expr, ctx: SemanticsContext) -> bool:
        if isinstance(node, exp.ToNumber):
            return True
        kind = ctx.source_kind(tree, node.this)
        if kind in (kinds.INT, kinds.DECIMAL, kinds.FLOAT):
            return True
        return kind is None and numeric_template(node.meta[META])

    def _refuse(self, ctx: SemanticsContext, reason: str) -> Unsupported:
        return Unsupported(f"{self.why} cannot be carried from {ctx.source} to {ctx.target}: "
                           f"{reason}")

    def _layout(self, text: exp.Expr | str | None, ctx: SemanticsContext) -> _Layout:
        if isinstance(text, exp.Expr):
            text = text.name if isinstance(text, exp.Literal) and text.is_string else None
        match = _CARRIED.match(text) if text is not None else None
        if match is None or (match.group(2) and match.group(6)):
            raise self._refuse(ctx, f"the template {text!r} has patterns beyond 9 0 . , D G "
                                    f"FM S MI PR (or is not a literal)")
        return _Layout(match)

    def laid_out(self, node: exp.Expr, ctx: SemanticsContext) -> exp.Expr:
        if isinstance(node, exp.ToNumber):
            return self._parsed(node, ctx)
        layout = self._layout(node.meta[META], ctx)
        value = node.this
        digits = len(layout.fraction)
        kind = ctx.source_kind(value.root(), value)
        rounded = self._rounded(kind, digits, ctx)
        branches = []
        for significant in range(layout.width + 1):
            start = min(layout.width - significant + 1, layout.first_zero)
            ending = " || " + layout.fraction_part() + " || " + layout.closing()
            body = layout.integer_part(start) + ending
            if start > layout.width:  # no integer digit: a lone 0 when no fraction shows
                shown = layout.integer_part(layout.width) + ending
                if not layout.point or not digits:
                    body = shown
                elif layout.fill_mode and not layout.kept:
                    body = f"CASE WHEN RTRIM(XF, '0') = '' THEN {shown} ELSE {body} END"
            branches.append(f"WHEN XN = {significant} THEN {body}")
        sql = (f"CASE WHEN XV IS NULL THEN NULL {' '.join(branches)} "
               f"ELSE {layout.overflow()} END")
        text = f"({rounded})"
        unsigned = f"LTRIM({text}, '-')"
        # the rounded text has exactly `digits` fraction digits: cut there (no SPLIT_PART
        # on MySQL)
        integer = f"SUBSTR({unsigned}, 1, LENGTH({unsigned}) - {digits + 1})" if digits \
            else unsigned
        fraction = f"SUBSTR({unsigned}, LENGTH({unsigned}) - {digits - 1})" if digits else "''"
        # SQLite's printf and ClickHouse's toDecimalString may write a zero as -0.00
        negative = f"({text} LIKE '-%')" if ctx.target in ("duckdb", "mysql") \
            else f"(CAST({text} AS DOUBLE) < 0)"
        padded = f"SUBSTR('{'0' * layout.width}' || {integer}, -{layout.width})" \
            if ctx.target == "sqlite" else f"LPAD({integer}, {layout.width}, '0')"
        sql = (sql.replace("XNEG", negative)
               .replace("XN ", f"LENGTH(LTRIM({integer}, '0')) ")
               .replace("XI", padded)
               .replace("XF", fraction))
        # written in DuckDB's spelling; sqlglot writes it for MySQL (TRIM(LEADING ...), CONCAT)
        return exp.paren(template(sql, "duckdb", XV=value), copy=False)

    def _rounded(self, kind: str | None, digits: int, ctx: SemanticsContext) -> str:
        """SQL (DuckDB's spelling) for XV rounded to `digits` fraction digits as PostgreSQL
        rounds it, as text with exactly that many (a '-' before a negative value)."""
        if kind == kinds.FLOAT:
            if ctx.target != "duckdb":
                raise self._refuse(ctx, "a float is rounded as its binary value (DuckDB's "
                                        "fmt does so, this target does not); cast it to numeric")
            return f"FORMAT('{{:.{digits}f}}', CAST(XV AS DOUBLE))"
        if ctx.target == "sqlite":
            if kind == kinds.INT:  # every digit of a 64-bit integer, no double on the way
                return "PRINTF('%d', XV)" + (f" || '.{'0' * digits}'" if digits else "")
            return f"PRINTF('%.{digits}f', XV)"
        if ctx.target == "clickhouse":
            # toDecimalString of a Decimal to no digits ends in a point
            return f"RTRIM(toDecimalString(ROUND(XV, {digits}), {digits}), '.')"
        return f"CAST(CAST(XV AS DECIMAL(38, {digits})) AS VARCHAR)"

    def _parsed(self, node: exp.Expr, ctx: SemanticsContext) -> exp.Expr:
        layout = self._layout(node.args.get("format"), ctx)
        if layout.sign not in (None, "S"):
            raise self._refuse(ctx, f"to_number reads {layout.sign} signs only by a template "
                                    f"with a leading S or none")
        cleaned = "REPLACE(REPLACE(TRIM(XS), ',', ''), ' ', '')"
        return template(f"CAST({cleaned} AS DECIMAL(38, {len(layout.fraction)}))", "duckdb",
                        XS=node.this)
