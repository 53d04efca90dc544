"""A single-precision float (PostgreSQL real) cast to text.

PostgreSQL writes a real with the fewest digits that read back as the same single-precision
value ('0.1', '1.3'), in fixed notation for a decimal exponent from -4 to 5 and as
'1.6777216e+07' beyond. The loader copies a real into the target's double (no engine but
ClickHouse and DuckDB has a 4-byte float, and none writes it PostgreSQL's way), whose text has a
double's digits: '0.10000000149011612'.

The rewrite finds the digits itself: the fewest significant digits (1 to 9) whose text reads
back as the same single-precision value, i.e. lies strictly closer to it than half a unit in
the last place of its 24-bit significand (PostgreSQL never takes a text halfway between two
values), then writes them in fixed or exponential notation by PostgreSQL's rule. The text of
q + 1 digits is printf('%.qe') on DuckDB, ClickHouse and SQLite; MariaDB has no printf, so
there it is ROUND(V, q - E) (E the decimal exponent of V; ROUND rounds a double's exact value
half to even, as PostgreSQL does) written with FORMAT, thousands commas removed and the
trailing zeros a rounding up to the next power of ten leaves trimmed. NaN and ±Infinity are
spelled as PostgreSQL does (MariaDB keeps neither in a DOUBLE, nor a negative zero).

Known limit: SQLite's printf rounds a digit that is exactly halfway (…7.75 to one decimal) by
its own arithmetic, not half to even, so such a value can differ in its last digit there.
"""

from __future__ import annotations

from typing import ClassVar

from sqlglot import exp

from tools.semantics import tree_walk
from tools.semantics.base import Family, SemanticsContext, template
from tools.semantics.kinds import SINGLE

_SHORTEST_SINGLE = "shortest digits of the single-precision value"
_DOUBLE_COPY = "a real is copied as a double: its text has a double's digits"
_TEXT = (exp.DType.TEXT, exp.DType.VARCHAR, exp.DType.CHAR)
_MOST_DIGITS = 9  # any single-precision value reads back from 9 significant digits

# per target: the printf of V with q digits after the point; its decimal exponent; whether
# that text reads back as V in single precision: closer to V than half a unit in the last
# place of its 24-bit significand (H; 2^-150 below the normals), strictly, as PostgreSQL's
# shortest digits never take a text halfway between two values; a number as text; the
# special values
_SCI = "printf('%.{q}e', V)"
_SPELLING = {
    "duckdb": {
        "exponent": "CAST(substr({s}, -3) AS INTEGER)",
        "same": "abs(CAST({s} AS DOUBLE) - V) < H",
        "half_ulp": "pow(2, greatest(floor(log2(abs(V))), -126) - 24)",
        "text": "CAST({n} AS VARCHAR)", "greatest": "greatest",
        "special": "WHEN isnan(V) THEN 'NaN' ",
    },
    "clickhouse": {
        "exponent": "toInt32(substring({s}, -3))",
        "same": "abs(toFloat64({s}) - V) < H",
        "half_ulp": "pow(2, greatest(floor(log2(abs(V))), -126) - 24)",
        "text": "toString({n})", "greatest": "greatest",
        "special": "WHEN isNaN(V) THEN 'NaN' ",
    },
    "sqlite": {
        "exponent": "CAST(substr({s}, -3) AS INTEGER)",
        "same": "abs(CAST({s} AS REAL) - V) < H",
        "half_ulp": "pow(2, max(floor(log2(abs(V))), -126) - 24)",
        "text": "CAST({n} AS TEXT)", "greatest": "max",
        "special": "",
    },
}


# MariaDB: E is V's decimal exponent (LOG10 alone can land one below at a power of ten)
_LOG = "FLOOR(LOG10(ABS(V)))"
_EXP = f"({_LOG} + (ABS(V) >= POW(10, {_LOG} + 1)))"
_TRIMMED = ("CASE WHEN LOCATE('.', {s}) > 0 THEN TRIM(TRAILING '.' FROM TRIM(TRAILING '0' FROM "
            "{s})) ELSE {s} END")


def _spelled_mariadb() -> str:
    branches = []
    for q in range(_MOST_DIGITS):
        # ROUND of a double rounds its exact value half to even, as PostgreSQL's digits do
        rounded = f"ROUND(V, {q} - {_EXP})"
        same = f"ABS({rounded} - V) < POW(2, GREATEST(FLOOR(LOG2(ABS(V))), -126) - 24)"
        carried = f"(ABS({rounded}) >= POW(10, {_EXP} + 1))"  # 9.96 to one digit is 10
        exponent = f"({_EXP} + {carried})"
        fixed = _TRIMMED.format(s=f"REPLACE(FORMAT({rounded}, GREATEST({q} - {_EXP}, 0)), "
                                  f"',', '')")
        digits = _TRIMMED.format(
            s=f"REPLACE(FORMAT({rounded} / POW(10, {exponent}), {q}), ',', '')")
        sci = (f"CONCAT({digits}, 'e', IF({exponent} < 0, '-', '+'), "
               f"LPAD(ABS({exponent}), 2, '0'))")
        written = f"CASE WHEN {exponent} BETWEEN -4 AND 5 THEN {fixed} ELSE {sci} END"
        branches.append(written if q == _MOST_DIGITS - 1 else f"WHEN {same} THEN {written}")
    return ("CASE WHEN V IS NULL THEN NULL WHEN V = 0 THEN '0' " + " ".join(branches[:-1])
            + f" ELSE {branches[-1]} END")


def _spelled(target: str) -> str:
    """The whole CASE expression, in the target's dialect, over the placeholder V."""
    if target == "mysql":
        return _spelled_mariadb()
    words = _SPELLING[target]
    branches = []
    for q in range(_MOST_DIGITS):
        sci = _SCI.format(q=q)
        exponent = words["exponent"].format(s=sci)
        decimals = words["text"].format(n=f"{words['greatest']}({q} - {exponent}, 0)")
        fixed = f"printf('%.' || {decimals} || 'f', V)"
        written = f"CASE WHEN {exponent} BETWEEN -4 AND 5 THEN {fixed} ELSE {sci} END"
        same = words["same"].format(s=sci).replace("H", f"({words.get('half_ulp', '')})")
        branches.append(written if q == _MOST_DIGITS - 1 else f"WHEN {same} THEN {written}")
    return ("CASE WHEN V IS NULL THEN NULL " + words["special"]
            + "WHEN V > 3.5e38 THEN 'Infinity' WHEN V < -3.5e38 THEN '-Infinity' "
            + f"WHEN V = 0 THEN CASE WHEN {_SCI.format(q=0)} LIKE '-%' THEN '-0' ELSE '0' END "
            + " ".join(branches[:-1]) + f" ELSE {branches[-1]} END")


class SinglePrecisionText(Family):
    name = "single_precision_text"
    why = "A single-precision float (real) cast to text"
    BEHAVIOUR: ClassVar[dict[str, str]] = {
        "postgres": _SHORTEST_SINGLE, "duckdb": _DOUBLE_COPY, "clickhouse": _DOUBLE_COPY,
        "sqlite": _DOUBLE_COPY, "mysql": _DOUBLE_COPY,
    }
    SOURCES = ("postgres",)
    REWRITES: ClassVar[dict[tuple[str, str], str]] = {
        (_SHORTEST_SINGLE, _DOUBLE_COPY): "shortest_single_digits"}

    def nodes(self, tree: exp.Expr, ctx: SemanticsContext) -> list[exp.Expr]:
        return [n for n in ctx.find(tree, exp.Cast) if n.to.is_type(*_TEXT)]

    def applies(self, node: exp.Expr, tree: exp.Expr, ctx: SemanticsContext) -> bool:
        value = node.this
        while isinstance(value, (exp.Paren, exp.Min, exp.Max)):
            value = value.this  # MIN/MAX of a real is one of its values
        return isinstance(value, exp.Column) and _declared(value, tree, ctx) == SINGLE

    def shortest_single_digits(self, node: exp.Expr, ctx: SemanticsContext) -> exp.Expr:
        return template(_spelled(ctx.target), ctx.target, V=node.this)


def _declared(column: exp.Column, tree: exp.Expr, ctx: SemanticsContext) -> str | None:
    """The schema type of a column of a table the statement reads; None if unknown or
    ambiguous."""
    tables = {t.alias_or_name.lower(): t.name.lower()
              for t in tree_walk.find_all(tree, exp.Table)}
    qualifier = column.table.lower()
    found = {(ctx.lower_columns(table) or {}).get(column.name.lower())
             for alias, table in tables.items() if not qualifier or alias == qualifier} - {None}
    return found.pop() if len(found) == 1 else None
