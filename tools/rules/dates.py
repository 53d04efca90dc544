"""SQLite's date functions: julianday(), modifiers ('+7 days', 'start of month'), and dates
kept as text.

SQLite has no date type: dates are ISO text and every date function takes a time value plus
a list of modifiers. sqlglot translates date(d) but passes date(d, '+7 days'),
datetime(...), julianday(...) and strftime(fmt, d, modifier...) straight through, and
DuckDB rejects them ("Wrong number of arguments provided to DATE function", "Scalar Function
with name julianday does not exist").
"""

from __future__ import annotations

import re

from sqlglot import exp

from tools.rules.base import Rule, RuleContext, anonymous_calls, is_type, node_types

# SQLite's julianday() is iJD / 86400000.0, iJD being milliseconds since the julian epoch;
# the unix epoch is JD 2440587.5 = 210866760000000 ms. Computing it the same way in DuckDB
# is bit-exact. DuckDB's julian() is *not* the same function: julian(TIMESTAMP
# '2024-03-01 12:00:00') = 2460371.5 where SQLite's julianday gives 2460371.0 (and
# julian(DATE '2024-03-01') = 2460371.0 vs SQLite's 2460370.5) -- it counts civil days.
_UNIX_EPOCH_JD_MS = 210866760000000
_MS_PER_DAY = "86400000.0"

_SHIFT = re.compile(r"^\s*([+-]?\d+)\s+(day|hour|minute|second|month|year)s?\s*$", re.I)
_START = re.compile(r"^\s*start\s+of\s+(day|month|year)\s*$", re.I)
_WEEKDAY = re.compile(r"^\s*weekday\s+([0-6])\s*$", re.I)
# strftime codes that mean the same in SQLite and DuckDB (%f, %J, %s do not).
_SAME_FORMAT = re.compile(r"^(?:[^%]|%[YmdHMSjwW%])*$")


def _fn(name: str, *args: exp.Expr) -> exp.Anonymous:
    """A DuckDB function call sqlglot must print as is (no dialect mapping)."""
    return exp.Anonymous(this=name, expressions=list(args))


def _interval(amount: int, unit: str) -> exp.Interval:
    return exp.Interval(this=exp.Literal.string(str(amount)), unit=exp.var(unit.upper()))


def _add_months(value: exp.Expr, months: int) -> exp.Expr:
    # SQLite moves the month field and lets the day overflow: date('2024-01-31', '+1 month')
    # is '2024-03-02'. DuckDB's + INTERVAL 1 MONTH clamps to '2024-02-29'. First of the month,
    # plus the months, plus the offset into the month (days and time) is SQLite's arithmetic.
    start = _fn("date_trunc", exp.Literal.string("month"), value.copy())
    offset = exp.paren(exp.Sub(this=value.copy(), expression=start.copy()), copy=False)
    return exp.Add(this=exp.Add(this=start, expression=_interval(months, "month")),
                   expression=offset)


def _apply_modifier(value: exp.Expr, modifier: str,
                    month_start: bool) -> exp.Expr | None:
    if m := _SHIFT.match(modifier):
        amount, unit = int(m[1]), m[2].lower()
        if unit in ("month", "year"):
            months = amount * (12 if unit == "year" else 1)
            if month_start:  # no day to overflow: plain interval arithmetic is the same
                return exp.Add(this=value, expression=_interval(months, "month"))
            return _add_months(value, months)
        return exp.Add(this=value, expression=_interval(amount, unit))
    if m := _START.match(modifier):
        return _fn("date_trunc", exp.Literal.string(m[1].lower()), value)
    if m := _WEEKDAY.match(modifier):
        # 'weekday N' moves forward to the next day whose weekday is N (0 = Sunday), or stays.
        ahead = exp.Mod(this=exp.paren(exp.Add(
            this=exp.Sub(this=exp.Literal.number(int(m[1])), expression=_fn("dayofweek", value)),
            expression=exp.Literal.number(7))), expression=exp.Literal.number(7))
        return exp.Add(this=value.copy(), expression=_fn("to_days", exp.cast(ahead, "INT")))
    return None  # 'localtime', 'utc', 'unixepoch', 'auto', fractional shifts: not carried


def _at_month_start(modifier: str, before: bool) -> bool:
    """Whether the value is on day 1 at 00:00 after this modifier."""
    if m := _START.match(modifier):
        return m[1].lower() in ("month", "year")
    shift = _SHIFT.match(modifier)
    return before and shift is not None and shift[2].lower() in ("month", "year")


def _time_value(args: list[exp.Expr]) -> exp.Expr | None:
    """SQLite time value + modifiers -> a DuckDB TIMESTAMP expression, or None."""
    if not args:
        return None
    first = args[0]
    if isinstance(first, exp.Literal) and first.is_string and first.this.lower() == "now":
        return None  # nondeterministic: the differ flags it; nothing to translate
    value: exp.Expr = exp.cast(first.copy(), "TIMESTAMP")
    month_start = False
    for modifier in args[1:]:
        if not (isinstance(modifier, exp.Literal) and modifier.is_string):
            return None  # computed modifiers ('+' || n || ' days') are not carried
        shifted = _apply_modifier(value, modifier.this, month_start)
        if shifted is None:
            return None
        month_start = _at_month_start(modifier.this, month_start)
        value = shifted
    return value


def _rewrite(tree: exp.Expr, names: tuple[str, ...]) -> exp.Expr | None:
    changed = False
    for call in anonymous_calls(tree, *names):
        name, args = str(call.this).upper(), list(call.expressions)
        fmt: exp.Expr | None = None
        if name == "STRFTIME":
            fmt, args = args[0] if args else None, args[1:]
            if not (isinstance(fmt, exp.Literal) and _SAME_FORMAT.match(fmt.this)):
                continue
        value = _time_value(args)
        if value is None:
            continue
        if name == "JULIANDAY":
            ms = exp.Add(this=_fn("epoch_ms", value),
                         expression=exp.Literal.number(_UNIX_EPOCH_JD_MS))
            new: exp.Expr = exp.paren(exp.Div(this=exp.paren(ms),
                                                    expression=exp.Literal.number(_MS_PER_DAY)))
        elif name == "DATE":
            # SQLite returns the text 'YYYY-MM-DD'; a DATE compares equal to it in the differ
            # and stays usable in date arithmetic downstream.
            new = exp.cast(value, "DATE")
        elif name == "DATETIME":
            new = value
        elif fmt is not None:
            new = _fn("strftime", value, fmt.copy())
        else:
            continue
        call.replace(new)
        changed = True
    return tree if changed else None


def julianday(tree: exp.Expr, ctx: RuleContext) -> exp.Expr | None:
    return _rewrite(tree, ("JULIANDAY",))


def date_modifiers(tree: exp.Expr, ctx: RuleContext) -> exp.Expr | None:
    # Only calls with modifiers: sqlglot already turns date(d) into CAST(d AS DATE).
    return _rewrite(tree, ("DATE", "DATETIME", "STRFTIME"))


JULIANDAY = Rule(
    id="sqlite_duckdb.julianday",
    pairs=(("sqlite", "duckdb"),),
    fixes=frozenset({"compile"}),
    error_pattern=r"function with name julianday does not exist",
    why="DuckDB has no julianday(); its julian() counts civil days, so julian(TIMESTAMP "
        "'2024-03-01 12:00:00') is 2460371.5 where SQLite's julianday() is 2460371.0. "
        "SQLite computes milliseconds-since-JD-epoch / 86400000.0; the rewrite does exactly "
        "that from epoch_ms(), modifiers included.",
    apply=julianday,
)

DATE_MODIFIERS = Rule(
    id="sqlite_duckdb.date_modifiers",
    pairs=(("sqlite", "duckdb"),),
    fixes=frozenset({"compile"}),
    error_pattern=r"wrong number of arguments provided to DATE function|function with name "
                  r"datetime does not exist|argument types 'strftime\(STRING_LITERAL",
    why="date(d, '+7 days'), date(d, 'start of month'), datetime(ts, '-1 hour') pass through "
        "sqlglot and fail in DuckDB. They become interval arithmetic and date_trunc on a "
        "TIMESTAMP; month and year shifts keep SQLite's day overflow (date('2024-01-31', "
        "'+1 month') is '2024-03-02', not DuckDB's clamped '2024-02-29').",
    apply=date_modifiers,
)

# String functions SQLite code applies to dates it stores as text, by DuckDB's name for them
# in "No function matches ... argument types 'substring(DATE, ...)'" ('~~' is LIKE).
_TEXT_FUNCS: dict[str, type[exp.Expr]] = {
    "substring": exp.Substring, "substr": exp.Substring, "length": exp.Length,
    "~~": exp.Like, "!~~": exp.Like, "~~*": exp.ILike, "!~~*": exp.ILike,
    "strpos": exp.StrPosition, "instr": exp.StrPosition, "replace": exp.Replace,
    "trim": exp.Trim, "ltrim": exp.Trim, "rtrim": exp.Trim, "left": exp.Left,
    "right": exp.Right, "upper": exp.Upper, "lower": exp.Lower, "concat": exp.Concat,
    "glob": exp.Glob, "regexp_matches": exp.RegexpLike,
}
_TEMPORAL = (exp.DType.DATE, exp.DType.TIMESTAMP, exp.DType.DATETIME, exp.DType.TIME)
_NAMED = re.compile(r"argument types '([^'(]+)\(", re.I)


def dates_as_text(tree: exp.Expr, ctx: RuleContext) -> exp.Expr | None:
    """substr(order_date, 1, 7) and order_date LIKE '2024-%' -- text operations on the ISO
    strings SQLite stores. The loader made those columns DATE/TIMESTAMP, so cast them back to
    VARCHAR, which DuckDB prints as the same ISO text ('2024-01-31', '2024-01-31 10:00:00').

    Arguments typed DATE/TIMESTAMP are cast; so are untyped columns (from objects the schema
    does not describe) of the function the error names -- a VARCHAR cast of a text column is a
    no-op, so guessing there costs nothing.
    """
    types = node_types(tree, ctx, ctx.target_dialect)
    named = _NAMED.search(ctx.compile_error or "")
    blamed = _TEXT_FUNCS.get(named[1].lower()) if named else None
    changed = False
    for node in list(tree.find_all(*set(_TEXT_FUNCS.values()))):
        for arg in list(node.iter_expressions()):
            unknown = id(arg) not in types or is_type(types, arg, exp.DType.UNKNOWN)
            if is_type(types, arg, *_TEMPORAL) or (
                    type(node) is blamed and isinstance(arg, exp.Column) and unknown):
                arg.replace(exp.cast(arg.copy(), "VARCHAR"))
                changed = True
    return tree if changed else None


DATES_AS_TEXT = Rule(
    id="sqlite_duckdb.dates_as_text",
    pairs=(("sqlite", "duckdb"),),
    fixes=frozenset({"compile"}),
    error_pattern=r"argument types '[^']*\((?:[^)]*, )?(?:DATE|TIMESTAMP|TIME)\b",
    why="SQLite stores dates as ISO text, so legacy code slices them: substr(order_date, 1, 7) "
        "is the month. On the target the column is a DATE and DuckDB refuses "
        "substring(DATE, ...), length(DATE), DATE LIKE ...; casting it to VARCHAR gives back "
        "the same 'YYYY-MM-DD' text.",
    apply=dates_as_text,
)

RULES = (JULIANDAY, DATE_MODIFIERS, DATES_AS_TEXT)
