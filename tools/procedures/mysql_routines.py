"""Cut MySQL / MariaDB CREATE PROCEDURE / CREATE FUNCTION statements into typed Routines: a
script with `DELIMITER //` (or `$$`, `;;`) lines as the mysql client reads it, or one
definition as MySQLAdapter.routines() rebuilds it from information_schema. The header gives
the name, the parameters with their mode (IN / OUT / INOUT), the return type; the body is the
text after the characteristics (`[label:] BEGIN ... END`, or one statement such as RETURN)."""

from __future__ import annotations

import re

import sqlglot
from sqlglot.errors import TokenError
from sqlglot.tokens import Token, TokenType

from tools.errors import ParseFailed
from tools.procedures.parse import Param, Routine, comma_groups

LANGUAGE = "mysql"
"""Routine.language of a MySQL routine (its body is read by mysql_body.read_mysql_body)."""

_KINDS = {"PROCEDURE": "procedure", "FUNCTION": "function"}
_DELIMITER = re.compile(r"(?im)^[ \t]*DELIMITER[ \t]+(\S+)[ \t]*$")
_CHARACTERISTICS = {"LANGUAGE", "NOT", "DETERMINISTIC", "CONTAINS", "NO", "READS", "MODIFIES",
                    "SQL", "COMMENT", "SQL SECURITY"}
# the word after END that closes a compound statement other than BEGIN / CASE
_END_OF = {"IF", "LOOP", "WHILE", "REPEAT"}


def _without_delimiters(text: str) -> str:
    """`DELIMITER x` lines dropped; inside each such region the statement end `x` becomes `;`
    (a compound body's own semicolons are then told apart by block depth, see _statements)."""
    out, delimiter, last = [], ";", 0
    for match in _DELIMITER.finditer(text):
        out.append(_ends(text[last:match.start()], delimiter))
        delimiter, last = match.group(1), match.end()
    out.append(_ends(text[last:], delimiter))
    return "".join(out)


def _ends(region: str, delimiter: str) -> str:
    if delimiter == ";":
        return region
    return re.sub(rf"{re.escape(delimiter)}(?=[ \t]*(?:\r?\n|$))", ";", region)


def _statements(tokens: list[Token]) -> list[list[Token]]:
    """Statements split on `;` outside BEGIN ... END and CASE ... END (IF / LOOP / WHILE /
    REPEAT close with `END IF` etc. and never change the depth)."""
    statements: list[list[Token]] = [[]]
    depth = 0
    for at, token in enumerate(tokens):
        word = token.text.upper() if token.token_type != TokenType.STRING else ""
        following = tokens[at + 1].text.upper() if at + 1 < len(tokens) else ""
        if word in ("BEGIN", "CASE"):
            depth += 1
        elif word == "END" and following not in _END_OF:
            depth = max(depth - 1, 0)
        if token.token_type == TokenType.SEMICOLON and depth == 0:
            statements.append([])
        else:
            statements[-1].append(token)
    return [s for s in statements if s]


def _params(tokens: list[Token], kind: str, name: str, text: str) -> list[Param]:
    """`(IN a INT, OUT b DECIMAL(5,2), c VARCHAR(10) CHARSET utf8mb4)` -> Params."""
    out = []
    for group in comma_groups(tokens):
        if not group:
            continue
        mode = "IN"
        if group[0].text.upper() in ("IN", "OUT", "INOUT") and len(group) > 1:
            mode, group = group[0].text.upper(), group[1:]
        if len(group) < 2:
            raise ParseFailed(f"{kind} {name}: parameter {group[0].text!r} has no type; "
                              f"write it as `[IN|OUT|INOUT] name TYPE`")
        out.append(Param(group[0].text.strip("`").lower(),
                         text[group[1].start:group[-1].end + 1], None, mode))
    return out


def _body_start(rest: list[Token]) -> int:
    """Index in `rest` (the tokens after the parameter list and RETURNS) where the body
    starts: after the characteristics (LANGUAGE SQL, [NOT] DETERMINISTIC, READS SQL DATA,
    SQL SECURITY DEFINER, COMMENT '...')."""
    i = 0
    while i < len(rest):
        word = rest[i].text.upper()
        if rest[i].token_type == TokenType.STRING or word not in _CHARACTERISTICS | {
                "DATA", "SECURITY", "DEFINER", "INVOKER"}:
            if i > 0 and rest[i - 1].text.upper() == "COMMENT":
                i += 1
                continue
            return i
        i += 1
    return i


def _routine(tokens: list[Token], text: str) -> Routine | None:
    if not tokens or tokens[0].text.upper() != "CREATE":
        return None
    # CREATE [OR REPLACE] [DEFINER = user] [AGGREGATE] PROCEDURE|FUNCTION [IF NOT EXISTS]
    at = next((i for i, t in enumerate(tokens[:12]) if t.text.upper() in _KINDS
               and t.token_type != TokenType.STRING), None)
    if at is None or any(t.text.upper() in ("TABLE", "VIEW", "TRIGGER", "EVENT")
                         for t in tokens[1:at]):
        return None
    kind = _KINDS[tokens[at].text.upper()]
    i = at + 1
    if [t.text.upper() for t in tokens[i:i + 3]] == ["IF", "NOT", "EXISTS"]:
        i += 3
    while i + 2 < len(tokens) and tokens[i + 1].token_type == TokenType.DOT:
        i += 2  # db.name: the name is the last part
    if i >= len(tokens):
        raise ParseFailed(f"a CREATE {kind.upper()} without a name")
    name = tokens[i].text.strip("`").lower()
    if i + 1 >= len(tokens) or tokens[i + 1].token_type != TokenType.L_PAREN:
        raise ParseFailed(f"{kind} {name}: expected its parameter list `(...)` after the name")
    depth, close_at = 0, None
    for j in range(i + 1, len(tokens)):
        depth += {TokenType.L_PAREN: 1, TokenType.R_PAREN: -1}.get(tokens[j].token_type, 0)
        if depth == 0:
            close_at = j
            break
    if close_at is None:
        raise ParseFailed(f"{kind} {name}: its parameter list is not closed")
    params = _params(tokens[i + 2:close_at], kind, name, text)
    rest = tokens[close_at + 1:]
    returns = None
    if kind == "function":
        if not rest or rest[0].text.upper() != "RETURNS":
            raise ParseFailed(f"function {name}: no RETURNS type after its parameters")
        stop = 1
        while stop < len(rest) and rest[stop].text.upper() not in _CHARACTERISTICS | {
                "BEGIN", "RETURN", "SELECT", "SET", "IF"} and not (
                stop + 1 < len(rest) and rest[stop + 1].token_type == TokenType.COLON):
            stop += 1
        returns = text[rest[1].start:rest[stop - 1].end + 1] if stop > 1 else ""
        rest = rest[stop:]
    start = _body_start(rest)
    if start >= len(rest):
        raise ParseFailed(f"{kind} {name}: no body after its header (expected BEGIN ... END "
                          f"or one statement)")
    body = text[rest[start].start:tokens[-1].end + 1]
    return Routine(name, kind, LANGUAGE, params, returns, body,
                   text[tokens[0].start:tokens[-1].end + 1])


def mysql_routines(text: str) -> list[Routine]:
    """Every CREATE PROCEDURE / FUNCTION in a MySQL script or definition; other statements
    (tables, views, triggers, SET) are ignored."""
    text = _without_delimiters(text)
    try:
        tokens = sqlglot.tokenize(text, read="mysql")
    except TokenError as exc:
        raise ParseFailed(f"cannot tokenize the MySQL routines: {exc}") from exc
    return [r for stmt in _statements(tokens) if (r := _routine(stmt, text)) is not None]
