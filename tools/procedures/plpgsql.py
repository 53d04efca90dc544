"""A PL/pgSQL body as a tree of statements: declarations, simple statements, IF / ELSIF / ELSE,
loops (LOOP, WHILE, FOR ... IN query) and nested blocks. sqlglot parses SQL, not PL/pgSQL's
control flow, so the blocks are cut here from sqlglot's tokens; each simple statement keeps its
text for sqlglot to parse on its own."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

import sqlglot
from sqlglot.errors import TokenError
from sqlglot.tokens import Token, TokenType


class NotStructured(Exception):
    """The body uses a construct this reader does not cut (its message says which)."""


@dataclass
class Declared:
    name: str
    type: str
    default: str | None = None
    cursor_query: str | None = None
    """`c CURSOR FOR <query>`: the query the cursor walks."""


@dataclass
class Simple:
    text: str
    head: str
    """The statement's first word, upper-case (SELECT, UPDATE, RETURN, OPEN, ...)."""


@dataclass
class If:
    branches: list[tuple[str, list[Node]]]
    """(condition text, statements) for IF and each ELSIF, in order."""
    otherwise: list[Node] = field(default_factory=list)


@dataclass
class Loop:
    kind: str
    """'loop', 'while' or 'for'."""
    header: str
    """WHILE's condition, or FOR's `var IN query`."""
    body: list[Node] = field(default_factory=list)


@dataclass
class Block:
    body: list[Node]
    handles_errors: bool = False


Node = Simple | If | Loop | Block


@dataclass
class Body:
    declared: list[Declared]
    statements: list[Node]


AT_VARIABLE = re.compile(r"@([A-Za-z_][A-Za-z_0-9]*)")


def _declarations(text: str) -> list[Declared]:
    """`DECLARE a int; b numeric(7,2) := 0; c CURSOR FOR (select ...);` (a repeated DECLARE
    word, as some bodies have, is dropped)."""
    out = []
    for part in _split_semicolons(text):
        words = part.split()
        while words and words[0].upper() == "DECLARE":
            words = words[1:]
        if not words:
            continue
        name, rest = words[0].strip('"').lower(), " ".join(words[1:])
        match = re.match(r"(?is)^(?:no\s+scroll\s+|scroll\s+)?cursor\s+(?:\(.*?\)\s+)?"
                         r"(?:for|is)\s+(.*)$", rest)
        if match:
            out.append(Declared(name, "cursor", cursor_query=match.group(1).strip()))
            continue
        match = re.match(r"(?is)^(.*?)\s*(?::=|=|\bdefault\b)\s*(.*)$", rest)
        type_, default = (match.group(1), match.group(2)) if match else (rest, None)
        type_ = re.sub(r"(?i)^constant\s+|\s+not\s+null$", "", type_.strip())
        out.append(Declared(name, type_.strip(), default.strip() if default else None))
    return out


def _split_semicolons(text: str) -> list[str]:
    parts, depth, quoted, start = [], 0, False, 0
    for i, ch in enumerate(text):
        if ch == "'":
            quoted = not quoted
        elif not quoted and ch in "()":
            depth += 1 if ch == "(" else -1
        elif not quoted and ch == ";" and depth == 0:
            parts.append(text[start:i].strip())
            start = i + 1
    parts.append(text[start:].strip())
    return [p for p in parts if p]


class TokenReader:
    """A cursor over a body's tokens, shared by the PL/pgSQL and MySQL readers."""

    def __init__(self, text: str, tokens: list[Token]) -> None:
        self.text, self.tokens, self.i = text, tokens, 0

    def word(self, at: int | None = None) -> str:
        at = self.i if at is None else at
        return self.tokens[at].text.upper() if at < len(self.tokens) else ""

    def expect(self, *words: str) -> None:
        for w in words:
            if self.word() != w:
                raise NotStructured(f"expected {w} near {self.word() or 'the end'}")
            self.i += 1

    def until(self, stops: set[str]) -> str:
        """Text from here to the first of `stops` at depth 0 (not consumed)."""
        start, depth = self.i, 0
        while self.i < len(self.tokens):
            tok = self.tokens[self.i]
            if depth == 0 and (self.word() in stops or (
                    ";" in stops and tok.token_type == TokenType.SEMICOLON)):
                break
            depth += {TokenType.L_PAREN: 1, TokenType.R_PAREN: -1}.get(tok.token_type, 0)
            self.i += 1
        if start == self.i:
            return ""
        return self.text[self.tokens[start].start:self.tokens[self.i - 1].end + 1]



class _Reader(TokenReader):
    def statements(self, stops: set[str]) -> list[Node]:
        out: list[Node] = []
        while self.i < len(self.tokens) and self.word() not in stops:
            word = self.word()
            if self.tokens[self.i].token_type == TokenType.SEMICOLON:
                self.i += 1
            elif word == "IF":
                out.append(self._if())
            elif word in ("WHILE", "LOOP", "FOR", "FOREACH"):
                out.append(self._loop(word))
            elif word in ("BEGIN", "DECLARE"):
                raise NotStructured("a nested block (BEGIN ... END inside the body)")
            elif word.startswith("<<"):
                raise NotStructured("a labelled block")
            elif word == "CASE":
                raise NotStructured("a CASE statement")
            else:
                text = self.until({";"})
                out.append(Simple(text.strip(), word))
        return out

    def _if(self) -> If:
        self.i += 1
        branches = [(self.until({"THEN"}), None)]
        self.expect("THEN")
        node = If([])
        body = self.statements({"ELSIF", "ELSEIF", "ELSE", "END"})
        node.branches.append((branches[0][0], body))
        while self.word() in ("ELSIF", "ELSEIF"):
            self.i += 1
            cond = self.until({"THEN"})
            self.expect("THEN")
            node.branches.append((cond, self.statements({"ELSIF", "ELSEIF", "ELSE", "END"})))
        if self.word() == "ELSE":
            self.i += 1
            node.otherwise = self.statements({"END"})
        self.expect("END", "IF")
        return node

    def _loop(self, word: str) -> Loop:
        self.i += 1
        header = "" if word == "LOOP" else self.until({"LOOP"})
        if word != "LOOP":
            self.expect("LOOP")
        body = self.statements({"END"})
        self.expect("END", "LOOP")
        return Loop({"LOOP": "loop", "WHILE": "while"}.get(word, "for"), header.strip(), body)


def read_body(body: str) -> Body:
    """Declarations and statements of a PL/pgSQL body (`[DECLARE ...] BEGIN ... END`)."""
    body = AT_VARIABLE.sub(r"abs(\1)", body)  # PostgreSQL reads `@x` as abs(x), not a variable
    match = re.search(r"(?i)\bbegin\b", body)
    if match is None:
        raise NotStructured("no BEGIN in the body")
    declared = _declarations(body[:match.start()])
    inner = body[match.end():]
    try:
        tokens = sqlglot.tokenize(inner, read="postgres")
    except TokenError as exc:
        raise NotStructured(f"cannot tokenize the body: {exc}") from exc
    reader = _Reader(inner, tokens)
    statements = reader.statements({"END", "EXCEPTION"})
    if reader.word() == "EXCEPTION":
        raise NotStructured("an error-handling block (EXCEPTION)")
    reader.expect("END")
    rest = [t for t in tokens[reader.i:] if t.token_type != TokenType.SEMICOLON]
    if rest:
        raise NotStructured(f"text after the body's END: {rest[0].text}")
    return Body(declared, statements)
