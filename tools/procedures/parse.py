"""Cut CREATE PROCEDURE / CREATE FUNCTION statements (PostgreSQL, dollar-quoted bodies) into
typed Routines, with sqlglot's tokenizer — the header's name, parameters, return type and
language, and the body text."""

from __future__ import annotations

from dataclasses import dataclass, field

import sqlglot
from sqlglot.errors import TokenError
from sqlglot.tokens import Token, TokenType

from tools.errors import ParseFailed


@dataclass
class Param:
    name: str
    type: str
    default: str | None = None
    mode: str = "IN"
    """IN, OUT or INOUT (a MySQL procedure's OUT values are a result of their own)."""


@dataclass
class Routine:
    """A procedure or function as the source defines it."""

    name: str
    kind: str
    """'procedure' or 'function'."""
    language: str
    params: list[Param] = field(default_factory=list)
    returns: str | None = None
    body: str = ""
    source_sql: str = ""


_KINDS = {"PROCEDURE": "procedure", "FUNCTION": "function"}


def _split(tokens: list[Token]) -> list[list[Token]]:
    statements: list[list[Token]] = [[]]
    for token in tokens:
        if token.token_type == TokenType.SEMICOLON:
            statements.append([])
        else:
            statements[-1].append(token)
    return [s for s in statements if s]


def comma_groups(tokens: list[Token]) -> list[list[Token]]:
    """A parameter list's tokens cut at its top-level commas (not those inside a type's
    parentheses, as in numeric(10,2))."""
    groups: list[list[Token]] = [[]]
    depth = 0
    for token in tokens:
        depth += {TokenType.L_PAREN: 1, TokenType.R_PAREN: -1}.get(token.token_type, 0)
        if token.token_type == TokenType.COMMA and depth == 0:
            groups.append([])
        else:
            groups[-1].append(token)
    return groups


def _params(tokens: list[Token]) -> list[Param]:
    """`(a int, b text DEFAULT 'x', IN c numeric(10,2))` -> Params (modes IN dropped)."""
    out = []
    for group in comma_groups(tokens):
        words = [t for t in group if t.text.upper() not in ("IN", "INOUT")]
        if not words:
            continue
        # a string default keeps its quotes: it is written back into SQL as a literal
        texts = [f"'{t.text}'" if t.token_type == TokenType.STRING else t.text for t in words]
        default = None
        upper = [t.upper() for t in texts]
        if "DEFAULT" in upper:
            at = upper.index("DEFAULT")
            default, texts = " ".join(texts[at + 1:]), texts[:at]
        out.append(Param(texts[0].lower(), " ".join(texts[1:]), default))
    return out


def _routine(tokens: list[Token], text: str) -> Routine | None:
    words = [t.text.upper() for t in tokens[:4]]
    if not words or words[0] != "CREATE":
        return None
    at = 3 if words[1:3] == ["OR", "REPLACE"] else 1
    if at >= len(tokens) or tokens[at].text.upper() not in _KINDS:
        return None
    kind = _KINDS[tokens[at].text.upper()]
    i = at + 1  # schema.name: the name is the last part
    while i + 2 < len(tokens) and tokens[i + 1].token_type == TokenType.DOT:
        i += 2
    name = tokens[i].text.strip('"').lower()
    open_at = i + 1
    depth, close_at = 0, open_at
    for i in range(open_at, len(tokens)):
        depth += {TokenType.L_PAREN: 1, TokenType.R_PAREN: -1}.get(tokens[i].token_type, 0)
        if depth == 0:
            close_at = i
            break
    params = _params(tokens[open_at + 1:close_at])
    rest = tokens[close_at + 1:]
    bodies = [t for t in rest if t.token_type in (TokenType.HEREDOC_STRING, TokenType.STRING)]
    if not bodies:
        raise ParseFailed(f"{kind} {name}: no body found (expected AS $$ ... $$)")
    uppers = [t.text.upper() for t in rest]
    language = rest[uppers.index("LANGUAGE") + 1].text.lower() if "LANGUAGE" in uppers else "sql"
    returns = None
    if "RETURNS" in uppers:
        start = uppers.index("RETURNS") + 1
        stop = next((i for i in range(start, len(rest)) if uppers[i] in ("LANGUAGE", "AS")),
                    len(rest))
        returns = " ".join(t.text for t in rest[start:stop])
    return Routine(name, kind, language, params, returns, bodies[0].text,
                   text[tokens[0].start:tokens[-1].end + 1])


def parse_routines(text: str, dialect: str = "postgres") -> list[Routine]:
    """Every CREATE PROCEDURE / FUNCTION in `text`; other statements are ignored. A MySQL
    text (`dialect` mysql, or a definition without a dollar-quoted body) is read by
    mysql_routines: `DELIMITER` lines, BEGIN ... END bodies."""
    if dialect in ("mysql", "mariadb"):
        from tools.procedures.mysql_routines import mysql_routines  # builds on Routine

        return mysql_routines(text)
    try:
        tokens = sqlglot.tokenize(text, read=dialect)
    except TokenError as exc:
        raise ParseFailed(f"cannot tokenize the routines: {exc}") from exc
    return [r for stmt in _split(tokens) if (r := _routine(stmt, text)) is not None]
