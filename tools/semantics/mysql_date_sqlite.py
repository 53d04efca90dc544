"""MySQL's lenient reading of text as a date, stated in SQLite's SQL, which has no regular
expressions: the text is scanned left to right instead, one step per table of a WITH chain.

A step takes a run of digits off the front with LTRIM(t, '0123456789') (the run is what the
trim removed), tests one character with GLOB ('[!-/:-@[-`{-~]' is ASCII punctuation, the
[[:punct:]] of the other targets' patterns) and skips blanks with LTRIM over the six
[[:space:]] characters. Each step mirrors a piece of the patterns mysql_date_text (CAST and
DATE shapes) and mysql_date_formats (STR_TO_DATE) state for the other targets, so SQLite
reads the same fields, and the checks and the short year are the same SQL
(mysql_date_fields.number_columns, FULL_YEAR, checked); the date is built as ISO text,
SQLite's own date form, so the date functions over it (WEEKDAY, DATEDIFF, ...) read it. No
backtracking is needed: every piece is followed by a character its digits or blanks cannot
take, so the longest run is the only one that can match.

Where the other targets fall back to their own conversion error (mysql_date_text's docstring
names those shapes), SQLite, whose date() never fails, is made to fail instead: a JSON path
error naming the reason, never a silent wrong date.
"""

from __future__ import annotations

import re

from tools.semantics.mysql_date_fields import FULL_YEAR, NAMES, checked, number_columns
from tools.semantics.mysql_date_formats import Token, last_date_token

_DIGITS = "'0123456789'"
#: [[:space:]]: blank, tab, newline, vertical tab, form feed, carriage return
_BLANKS = "CHAR(32, 9, 10, 11, 12, 13)"
_PUNCT = "'[!-/:-@[-`{-~]'"
#: a step's column names, as the steps' SQL names them (string literals hold no such word
#: that is also a column: at worst a column is carried one step too far)
_NAME = re.compile(r"\b[a-z][a-z0-9]*\b")
#: a failure for the shapes no other target reads either: SQLite raises 'JSON path error
#: near ...' quoting this text (never the value); the empty SUBSTR keeps it per row, so that
#: SQLite does not evaluate it once for the whole statement
_UNREAD = ("JSON_EXTRACT('{}', 'cutover: MySQL reads this text as a date in a shape not "
           "stated for SQLite' || SUBSTR(t0, 1, 0))")


def _digits(text: str) -> str:
    """The run of digits `text` starts with ('' if none)."""
    return f"SUBSTR({text}, 1, LENGTH({text}) - LENGTH(LTRIM({text}, {_DIGITS})))"


def _past_digits(text: str) -> str:
    return f"LTRIM({text}, {_DIGITS})"


def _punct_first(text: str) -> str:
    return f"(SUBSTR({text}, 1, 1) GLOB {_PUNCT})"


def _digit_first(text: str) -> str:
    return f"(SUBSTR({text}, 1, 1) GLOB '[0-9]')"


def _blank_first(text: str) -> str:
    return f"(LTRIM({text}, {_BLANKS}) <> {text})"


def _no_digit_or_punct(text: str) -> str:
    return f"(NOT {text} GLOB '*[0-9!-/:-@[-`{{-~]*')"


def _without_t(text: str) -> str:
    return f"CASE WHEN SUBSTR({text}, 1, 1) = 'T' THEN SUBSTR({text}, 2) ELSE {text} END"


def _dropped(rest: str) -> str:
    """Whether MariaDB drops `rest`, what follows an all-digit date with its first 'T' taken
    off: text with no digit or punctuation that does not start with another 'T'
    (mysql_date_text's _DROPPED)."""
    return f"({rest} = '' OR (SUBSTR({rest}, 1, 1) <> 'T' AND {_no_digit_or_punct(rest)}))"


def _steps(first: str, steps: list[list[str]], final: str) -> str:
    """`final` over a chain of steps, the first `first`, each step's columns over the one
    before it; a column is carried on while a later step or `final` names it, and a step's
    own column replaces one of the same name. The steps are a WITH chain, not nested
    derived tables: SQLite's parser stack holds about a dozen nested SELECTs."""
    chain = [[first], *steps]
    # what each step must hand on: the names used after it (every row copies them)
    used_after: list[set[str]] = [set()] * len(chain)
    used = set(_NAME.findall(final))
    for k in range(len(chain) - 1, -1, -1):
        used_after[k] = set(used)
        for column in chain[k]:
            used |= set(_NAME.findall(column.rsplit(" AS ", 1)[0]))
    ctes, carried = [f"scan0 AS (SELECT {first})"], [first.rsplit(" AS ", 1)[1]]
    for k, columns in enumerate(steps, 1):
        names = [c.rsplit(" AS ", 1)[1] for c in columns]
        kept = [name for name in carried if name not in names and name in used_after[k]]
        # OFFSET keeps SQLite from flattening a step into the next (its flattener's rule
        # 14): flattened, each step would repeat the whole text of the one before wherever
        # it names a column, and a row's work would grow exponentially (MATERIALIZED does
        # the same at half the speed: a table per step and row)
        ctes.append(f"scan{k} AS "
                    f"(SELECT {', '.join(kept + columns)} FROM scan{k - 1} LIMIT 1 OFFSET 0)")
        carried = kept + names
    return f"(WITH {', '.join(ctes)} SELECT {final} FROM scan{len(steps)})"


#: how the all-digit shapes slice the first run f1: (year, month, day, hour, minute,
#: second) as (start, length); kind 2: 8 digits, 3: 14 and more, 4: 12 or 13, 5: 5 to 11
_SLICES: dict[int, tuple[tuple[int, int] | None, ...]] = {
    2: ((1, 4), (5, 2), (7, 2), None, None, None),
    3: ((1, 4), (5, 2), (7, 2), (9, 2), (11, 2), (13, 2)),
    4: ((1, 2), (3, 2), (5, 2), (7, 2), (9, 2), (11, 2)),
    5: ((1, 2), (3, 2), (5, 2), (7, 2), (9, 2), (11, 1))}
#: kind 1: delimited fields f1 P f2 P f3 [(T | P | blanks) fh [P fi [P fs]]]
_DELIMITED = ("f1", "f2", "f3", "fh", "fi", "fs")


def _field(index: int) -> str:
    def sliced(cut: tuple[int, int] | None) -> str:
        return f"SUBSTR(f1, {cut[0]}, {cut[1]})" if cut else "''"
    cases = " ".join(f"WHEN {kind} THEN {sliced(cuts[index])}"
                     for kind, cuts in _SLICES.items())
    # the year is read first for every row: the one field that carries the failure
    unread = f" WHEN 9 THEN {_UNREAD}" if index == 0 else ""
    return (f"CASE kind WHEN 1 THEN {_DELIMITED[index]} {cases}{unread} "
            f"END AS {NAMES[index]}t")


def shapes(with_time: bool) -> str:
    """CAST(X AS DATE) (a DATETIME when `with_time`) as MariaDB reads X, in SQLite's SQL."""
    return _steps("X AS t0", [
        [f"LTRIM(t0, {_BLANKS}) AS a"],
        [f"CASE WHEN SUBSTR(a, 1, 1) = '+' THEN LTRIM(SUBSTR(a, 2), {_BLANKS}) ELSE a END AS b"],
        [f"{_digits('b')} AS f1", f"{_past_digits('b')} AS r1"],
        [f"{_digits('SUBSTR(r1, 2)')} AS f2", f"{_past_digits('SUBSTR(r1, 2)')} AS r2"],
        [f"{_digits('SUBSTR(r2, 2)')} AS f3", f"{_past_digits('SUBSTR(r2, 2)')} AS r3"],
        # the time: after a 'T', one punctuation character or blanks
        [f"CASE WHEN SUBSTR(r3, 1, 1) = 'T' OR {_punct_first('r3')} THEN SUBSTR(r3, 2) "
         f"WHEN {_blank_first('r3')} THEN LTRIM(r3, {_BLANKS}) ELSE '' END AS u"],
        [f"{_digits('u')} AS fh", f"{_past_digits('u')} AS r4"],
        [f"CASE WHEN fh <> '' AND {_punct_first('r4')} THEN {_digits('SUBSTR(r4, 2)')} "
         f"ELSE '' END AS fi", f"{_past_digits('SUBSTR(r4, 2)')} AS r5"],
        [f"CASE WHEN fi <> '' AND {_punct_first('r5')} THEN {_digits('SUBSTR(r5, 2)')} "
         f"ELSE '' END AS fs"],
        # after an all-digit date: what MariaDB drops, with or without a '.fraction' first
        ["LENGTH(f1) AS n", f"{_without_t('r1')} AS dr",
         f"CASE WHEN SUBSTR(r1, 1, 1) = '.' THEN {_past_digits('SUBSTR(r1, 2)')} "
         f"ELSE r1 END AS fr"],
        [f"{_without_t('fr')} AS fdr"],
        [f"CASE WHEN t0 IS NULL THEN 0 "
         f"WHEN f1 <> '' AND {_punct_first('r1')} AND f2 <> '' AND {_punct_first('r2')} "
         f"AND f3 <> '' THEN 1 "
         f"WHEN n = 8 AND {_dropped('dr')} THEN 2 "
         f"WHEN n >= 14 AND {_dropped('fdr')} THEN 3 "
         f"WHEN n IN (12, 13) AND {_dropped('fdr')} THEN 4 "
         f"WHEN n BETWEEN 5 AND 11 AND {_dropped('dr')} THEN 5 "
         # NULL whatever the digits (mysql_date_text's _NULL, alternative by alternative)
         f"WHEN NOT {_digit_first('a')} THEN 0 "
         f"WHEN n BETWEEN 1 AND 4 AND {_no_digit_or_punct('r1')} THEN 0 "
         f"WHEN n BETWEEN 1 AND 11 AND {_punct_first('r1')} "
         f"AND (f2 = '' OR NOT {_punct_first('r2')} OR f3 = '') THEN 0 "
         f"WHEN n BETWEEN 1 AND 11 AND r1 <> '' AND NOT {_punct_first('r1')} "
         f"AND SUBSTR(r1, 1, 1) <> 'T' AND NOT {_no_digit_or_punct('SUBSTR(r1, 2)')} THEN 0 "
         f"ELSE 9 END AS kind"],
        [_field(k) for k in range(6)],
        *_date_steps("two_digits"),
    ], checked(_built(with_time)))


def _date_steps(short_year: str) -> list[list[str]]:
    """From the fields' text yt .. st to the integers `checked` builds the date from: the
    steps of mysql_date_fields.from_texts, as steps of the scan (nested, SQLite would
    repeat each field's reading wherever the checks name it)."""
    return [number_columns(short_year), [FULL_YEAR]]


def _built(with_time: bool) -> str:
    if with_time:
        return "PRINTF('%04d-%02d-%02d %02d:%02d:%02d', y, m, d, h, i, s)"
    return "PRINTF('%04d-%02d-%02d', y, m, d)"


def formatted(tokens: list[Token], short_year: str, with_time: bool) -> str:
    """STR_TO_DATE(X, format) over the format's tokens (mysql_date_formats.stated_tokens),
    in SQLite's SQL: the text `r` is consumed element by element while `ok` holds."""
    last_date = last_date_token(tokens)
    steps: list[list[str]] = []
    for index, token in enumerate(tokens):
        # blanks are skipped before every element; past the date the text may end there
        # (fields not reached stay absent), and `done` then skips the remaining elements
        ended = "0" if index <= last_date else f"LTRIM(r, {_BLANKS}) = ''"
        steps.append([f"CASE WHEN ok AND NOT done THEN LTRIM(r, {_BLANKS}) ELSE r END AS r",
                      f"CASE WHEN ok AND NOT done AND {ended} THEN 1 ELSE done END AS done"])
        live = "ok AND NOT done"
        if isinstance(token, str):
            steps.append([f"CASE WHEN {live} THEN SUBSTR(r, 1, 1) = '{token}' ELSE ok END AS ok",
                          f"CASE WHEN {live} THEN SUBSTR(r, 2) ELSE r END AS r"])
            continue
        field, width = token
        run = f"(LENGTH(r) - LENGTH({_past_digits('r')}))"
        follower = tokens[index + 1] if index + 1 < len(tokens) else None
        if isinstance(follower, tuple):
            # a number right after: this one took its full width, or fewer digits followed
            # by blanks or the end
            taken = (f"CASE WHEN {run} >= {width} THEN {width} "
                     f"WHEN {run} >= 1 AND (SUBSTR(r, {run} + 1) = '' "
                     f"OR {_blank_first(f'SUBSTR(r, {run} + 1)')}) THEN {run} ELSE 0 END")
        else:
            taken = f"MIN({run}, {width})"
        steps.append([f"CASE WHEN {live} THEN {taken} ELSE 0 END AS taken"])
        steps.append([f"CASE WHEN {live} THEN taken > 0 ELSE ok END AS ok",
                      f"CASE WHEN {live} THEN SUBSTR(r, 1, taken) END AS {field}t",
                      f"CASE WHEN {live} THEN SUBSTR(r, taken + 1) ELSE r END AS r"])
    return _steps("X AS r", [["1 AS ok", "0 AS done"], *steps,
                             [_text(n, tokens) for n in NAMES], *_date_steps(short_year)],
                  checked(_built(with_time)))


def _text(name: str, tokens: list[Token]) -> str:
    if not any(isinstance(t, tuple) and t[0] == name for t in tokens):
        return f"'' AS {name}t"
    return f"CASE WHEN ok THEN {name}t END AS {name}t"
