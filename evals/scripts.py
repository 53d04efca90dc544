"""Split a setup script into statements the way each engine's command-line client would.

Drivers run one statement at a time (pymysql, and psycopg once parameters are involved), and a
failed statement is easier to fix when the error names its line. The splitter understands
quotes, comments, PostgreSQL dollar quoting and the MySQL client's DELIMITER command (Sakila's
triggers and procedures are written with it). It does not parse SQL: `skip` recognises the
kind of a statement from its first words only.
"""

from __future__ import annotations

import gzip
import re
from dataclasses import dataclass
from pathlib import Path

_KIND = re.compile(
    r"^\s*CREATE\s+(?:OR\s+REPLACE\s+)?(?:DEFINER\s*=\s*\S+\s+)?"
    r"(?:ALGORITHM\s*=\s*\w+\s+)?(?:SQL\s+SECURITY\s+\w+\s+)?"
    r"(?:TEMP(?:ORARY)?\s+)?(?:MATERIALIZED\s+)?(?P<kind>VIEW|TRIGGER|PROCEDURE|FUNCTION|EVENT)\b",
    re.IGNORECASE)
# The harness owns the fresh database: a script must not switch to, create or drop another.
_DATABASE_SWITCH = re.compile(r"^\s*(USE\s|(CREATE|DROP)\s+(SCHEMA|DATABASE)\b)", re.IGNORECASE)
_DELIMITER = re.compile(r"^\s*DELIMITER\s+(\S+)\s*$", re.IGNORECASE)
_DOLLAR = re.compile(r"\$[A-Za-z_]*\$")


@dataclass(frozen=True)
class Statement:
    sql: str
    line: int
    """1-based line where the statement starts in its file."""


def read_script(path: Path) -> str:
    """Text of a .sql or .sql.gz file (the Sakila data ships gzip-compressed)."""
    raw = path.read_bytes()
    if path.suffix == ".gz":
        raw = gzip.decompress(raw)
    return raw.decode("utf-8")


def statement_kind(sql: str) -> str | None:
    """'view' / 'trigger' / 'procedure' / 'function' / 'event' for CREATE statements."""
    match = _KIND.match(_strip_leading_comments(sql))
    return match["kind"].lower() if match else None


def is_database_switch(sql: str) -> bool:
    return bool(_DATABASE_SWITCH.match(_strip_leading_comments(sql)))


def _strip_leading_comments(sql: str) -> str:
    text = sql.lstrip()
    while text.startswith(("--", "/*", "#")):
        if text.startswith("/*"):
            end = text.find("*/")
            # MySQL's /*!40101 ... */ are executable comments, not comments: keep them.
            if text.startswith("/*!") or end < 0:
                return text
            text = text[end + 2:].lstrip()
        else:
            text = text.split("\n", 1)[1].lstrip() if "\n" in text else ""
    return text


def split_script(text: str, mysql: bool = False) -> list[Statement]:
    """Statements of a script, without their terminators; empty statements are dropped."""
    out: list[Statement] = []
    delimiter = ";"
    buf: list[str] = []
    has_code = False  # anything but blanks and comments since the last statement
    start_line = line = 1
    i, n = 0, len(text)
    while i < n:
        if not has_code and mysql and (i == 0 or text[i - 1] == "\n"):
            end = text.find("\n", i)
            end = n if end < 0 else end
            match = _DELIMITER.match(text[i:end])
            if match:
                delimiter, buf, i = match[1], [], end
                continue
        if text.startswith(delimiter, i):
            _emit(out, buf, start_line)
            buf, has_code, i = [], False, i + len(delimiter)
            continue
        j = _skip_token(text, i, mysql)
        chunk = text[i:j]
        if not has_code and not chunk.isspace() and not _is_comment(chunk, mysql):
            has_code, start_line = True, line
        line += chunk.count("\n")
        buf.append(chunk)
        i = j
    _emit(out, buf, start_line)
    return out


def _is_comment(chunk: str, mysql: bool) -> bool:
    if chunk.startswith("/*!"):
        return False  # MySQL executable comment: code
    return chunk.startswith(("--", "/*")) or (mysql and chunk.startswith("#"))


def _emit(out: list[Statement], buf: list[str], line: int) -> None:
    sql = "".join(buf).strip()
    if _strip_leading_comments(sql).strip():
        out.append(Statement(sql, line))


def _skip_token(text: str, i: int, mysql: bool) -> int:
    """Index just past the quoted string, comment or single character starting at i."""
    ch = text[i]
    if ch in "'\"`":
        return _close_quote(text, i, ch, backslash=mysql and ch != "`")
    if text.startswith("--", i) or (mysql and ch == "#"):
        end = text.find("\n", i)
        return len(text) if end < 0 else end
    if text.startswith("/*", i):
        end = text.find("*/", i + 2)
        return len(text) if end < 0 else end + 2
    if ch == "$" and not mysql:
        match = _DOLLAR.match(text, i)
        if match:
            end = text.find(match[0], match.end())
            return len(text) if end < 0 else end + len(match[0])
    return i + 1


def _close_quote(text: str, i: int, quote: str, backslash: bool) -> int:
    j = i + 1
    while j < len(text):
        if backslash and text[j] == "\\":
            j += 2
            continue
        if text[j] == quote:
            if text.startswith(quote * 2, j):  # '' inside a string is an escaped quote
                j += 2
                continue
            return j + 1
        j += 1
    return len(text)
