"""Cut a SQL file into statements without tokenizing the whole file at once.

sqlglot's tokenizer builds a Python object per token: a 50 MB file is ~10M tokens and
gigabytes of memory before the first statement is looked at, and one unterminated string fails
the whole file. This scanner only finds the top-level semicolons — stepping over strings, quoted
names, comments and dollar-quoted bodies the way the dialect writes them — so each statement
is tokenized (and, past a size cap, refused) on its own, and a bad one costs only itself.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

# Dialect families, by what their lexers accept.
_BACKSLASH_ESCAPES = frozenset({"mysql", "bigquery", "spark", "spark2", "databricks", "hive",
                                "clickhouse", "doris", "starrocks"})
_HASH_COMMENTS = frozenset({"mysql", "doris", "starrocks", "clickhouse"})
_DOLLAR_QUOTES = frozenset({"postgres", "duckdb", "redshift", "snowflake", "materialize",
                            "risingwave"})
_NESTED_COMMENTS = frozenset({"postgres", "redshift", "materialize", "risingwave"})
_BRACKET_NAMES = frozenset({"tsql", "fabric", "sqlite"})
_DELIMITER_DIRECTIVE = frozenset({"mysql", "doris", "starrocks"})

_DOLLAR_TAG = re.compile(r"\$([A-Za-z_][A-Za-z0-9_]*)?\$")


@dataclass(frozen=True)
class Piece:
    """One statement's span in the file: text[start:end], not stripped."""

    start: int
    end: int
    line: int
    """1-based line of `start`."""


def _special(dialect: str, delimiter: str) -> re.Pattern[str]:
    chars = "'\"`-/"
    if dialect in _HASH_COMMENTS:
        chars += "#"
    if dialect in _DOLLAR_QUOTES:
        chars += "$"
    if dialect in _BRACKET_NAMES:
        chars += "["
    # The delimiter first: `DELIMITER //` must win over "/" starting a comment.
    alternatives = [re.escape(delimiter), f"[{re.escape(chars)}]"]
    return re.compile("|".join(alternatives))


_LEADING = re.compile(r"(?:\s+|--[^\n]*\n?|#[^\n]*\n?)*")
_DIRECTIVE = re.compile(r"DELIMITER[ \t]+(\S+)[ \t]*(?:\r?\n|$)", re.IGNORECASE)


def _directive(text: str, start: int) -> re.Match[str] | None:
    """The mysql client's `DELIMITER x` command where a statement would begin."""
    return _DIRECTIVE.match(text, _LEADING.match(text, start).end())  # type: ignore[union-attr]


def _quoted_end(text: str, pos: int, quote: str, backslash: bool) -> int:
    """Index just past the string/quoted name opening at `pos` (len(text) if unterminated)."""
    i = pos + 1
    n = len(text)
    while i < n:
        j = text.find(quote, i)
        if backslash:
            k = text.find("\\", i)
            if k != -1 and (j == -1 or k < j):
                i = k + 2
                continue
        if j == -1:
            return n
        if j + 1 < n and text[j + 1] == quote:  # doubled quote: '' or ""
            i = j + 2
            continue
        return j + 1
    return n


def _block_comment_end(text: str, pos: int, nested: bool) -> int:
    if not nested:
        end = text.find("*/", pos + 2)
        return len(text) if end == -1 else end + 2
    depth, i = 0, pos
    while i < len(text):
        opening, closing = text.find("/*", i), text.find("*/", i)
        if closing == -1:
            return len(text)
        if opening != -1 and opening < closing:
            depth, i = depth + 1, opening + 2
        else:
            depth, i = depth - 1, closing + 2
            if depth == 0:
                return i
    return len(text)


def split(text: str, dialect: str) -> Iterator[Piece]:
    """The statements of `text`, in order (empty ones included: callers skip blank pieces)."""
    delimiter = ";"
    special = _special(dialect, delimiter)
    backslash = dialect in _BACKSLASH_ESCAPES
    start, pos, line, counted = 0, 0, 1, 0
    n = len(text)

    def piece(end: int) -> Piece:
        nonlocal line, counted
        line += text.count("\n", counted, start)
        counted = start
        return Piece(start, end, line)

    directives = dialect in _DELIMITER_DIRECTIVE
    while True:
        if directives and pos == start and (directive := _directive(text, start)):
            delimiter = directive.group(1)
            special = _special(dialect, delimiter)
            start = pos = directive.end()
            continue
        match = special.search(text, pos)
        if match is None:
            break
        at, token = match.start(), match.group()
        if token == delimiter:
            yield piece(at)
            start = pos = at + len(delimiter)
            continue
        ch = token[0]
        if ch in "'\"`":
            pos = _quoted_end(text, at, ch, backslash and ch != "`")
        elif ch == "[":
            end = text.find("]", at + 1)
            pos = n if end == -1 else end + 1
        elif ch == "-" or ch == "#":
            if ch == "-" and not text.startswith("--", at):
                pos = at + 1
                continue
            end = text.find("\n", at)
            pos = n if end == -1 else end + 1
        elif ch == "/":
            if not text.startswith("/*", at):
                pos = at + 1
                continue
            pos = _block_comment_end(text, at, dialect in _NESTED_COMMENTS)
        elif ch == "$":
            tag = _DOLLAR_TAG.match(text, at)
            if tag is None:
                pos = at + 1
                continue
            end = text.find(tag.group(), tag.end())
            pos = n if end == -1 else end + len(tag.group())
        else:
            pos = at + 1
    if start < n:
        yield piece(n)
