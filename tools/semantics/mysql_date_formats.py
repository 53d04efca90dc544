"""STR_TO_DATE formats as regular expressions that read a text as MariaDB does.

MariaDB's STR_TO_DATE (extract_date_time) walks the format: before every element it skips
blanks in the text, and stops with success when the text is used up (the fields not reached
stay 0: '2024-03-05' read with '%Y-%m-%d %H:%i:%s' is midnight, '05/03' with '%d/%m/%Y' the
zero date 0000-03-05); a number element reads at most its width of digits (%Y 4, the others
2), a literal must be the next character, and what is left after the last element is ignored
('2024-03-055' is 2024-03-05). %Y of one or two digits and %y are 19xx from 70, 20xx below.
A format stated here holds only the numeric elements %Y %y %m %c %d %e %H %k %i %s %S and
the literals - / . : , T and blanks; month names, 12-hour clocks, %f, %j, %% and the rest
are left to the target's own translation. Elements written next to each other (%Y%m%d) read
their full width, or fewer digits followed by blanks or the end, as MariaDB does.
"""

from __future__ import annotations

#: sqlglot's normalised format codes (MySQL's %i is %M, %c is %-m) -> (field, digits)
_NUMBERS = {"%Y": ("y", 4), "%y": ("y", 2), "%m": ("m", 2), "%-m": ("m", 2),
            "%d": ("d", 2), "%-d": ("d", 2), "%H": ("h", 2), "%-H": ("h", 2),
            "%M": ("i", 2), "%S": ("s", 2)}
#: the literals stated, each written in a regular expression
_LITERALS = {"-": "-", "/": "/", ".": "[.]", ":": ":", ",": ",", "T": "T"}
#: a format as (field, digits) for a number and the literal's own character for a literal
Token = tuple[str, int] | str
_BLANKS = "[[:space:]]*"


def _tokens(fmt: str) -> list[Token] | None:
    """The format as (field, digits) and literal characters; None if it holds another code."""
    out: list[Token] = []
    rest = fmt
    while rest:
        code = next((c for c in sorted(_NUMBERS, key=len, reverse=True)
                     if rest.startswith(c)), None)
        if code is not None:
            out.append(_NUMBERS[code])
            rest = rest[len(code):]
        elif rest[0] == " ":
            rest = rest[1:]  # a blank in the format: the text's blanks are skipped anyway
        elif rest[0] in _LITERALS:
            out.append(rest[0])
            rest = rest[1:]
        else:
            return None
    return out


def stated_tokens(fmt: str) -> tuple[list[Token], str] | None:
    """(tokens, short-year rule) of a format holding a year, a month and a day, each once;
    None for a format this module does not state."""
    tokens = _tokens(fmt)
    if tokens is None:
        return None
    fields = [t[0] for t in tokens if isinstance(t, tuple)]
    if sorted(fields) != sorted(set(fields)) or not {"y", "m", "d"} <= set(fields):
        return None
    year = next(t for t in tokens if isinstance(t, tuple) and t[0] == "y")
    return tokens, "up_to_two" if year[1] == 4 else "always"


def last_date_token(tokens: list[Token]) -> int:
    """The index of the format's last year, month or day: the text may end after it."""
    return max(i for i, t in enumerate(tokens) if isinstance(t, tuple) and t[0] in "ymd")


def format_pattern(fmt: str) -> tuple[str, dict[str, int], str] | None:
    """(regex, field -> capturing group, short-year rule) for a format stated_tokens
    states; None for another."""
    stated = stated_tokens(fmt)
    if stated is None:
        return None
    tokens, short_year = stated
    fields = [t[0] for t in tokens if isinstance(t, tuple)]
    pieces: list[str] = []
    for index, token in enumerate(tokens):
        if isinstance(token, str):
            pieces.append(_BLANKS + _LITERALS[token])
            continue
        width = token[1]
        follower = tokens[index + 1] if index + 1 < len(tokens) else None
        if isinstance(follower, tuple):
            # a number right after: this one took its full width, or stopped at blanks/end
            digits = f"([0-9]{{{width}}}|[0-9]{{1,{width - 1}}}(?:[[:space:]]+|$))"
        else:
            digits = f"([0-9]{{1,{width}}})"
        pieces.append(_BLANKS + digits)
    last_date = last_date_token(tokens)
    # past the date, the text may end before any element (the rest of the time stays 0)
    optional = ".*"
    for piece in reversed(pieces[last_date + 1:]):
        optional = f"(?:{_BLANKS}$|{piece}{optional})"
    pattern = "^" + "".join(pieces[:last_date + 1]) + optional
    groups = {field: k for k, field in enumerate(fields, 1)}
    return pattern, groups, short_year
