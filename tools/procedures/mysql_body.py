"""A MySQL / MariaDB routine body as the same statement tree plpgsql.read_body gives
(Declared, Simple, If, Loop, Block), so inline.py and setbased.py read it unchanged. The
statements are normalised to the PL/pgSQL forms those readers expect:

    SET x = e, y = f              -> x := e ; y := f
    SELECT a FROM t ... INTO x    -> SELECT a INTO x FROM t ...   (INTO where PL/pgSQL has it)
    WHILE c DO ... END WHILE      -> Loop('while', c)
    REPEAT ... UNTIL c END REPEAT -> Loop('loop') ending in EXIT WHEN c
    LEAVE <loop label>            -> EXIT
    LEAVE <the body's label>      -> RETURN (a procedure ends there)
    DECLARE EXIT HANDLER FOR NOT FOUND RETURN v -> MysqlBody.not_found (what a SELECT ... INTO
                                     finding no row returns)

The expressions stay MySQL: the readers parse them with the routine's dialect. What this does
not read (ITERATE, other handlers, conditions, cursors' FETCH loops) raises NotStructured with
the construct named. A CASE statement is an IF chain (without ELSE, one that fails)."""

from __future__ import annotations

import re
from dataclasses import dataclass

import sqlglot
from sqlglot.errors import TokenError
from sqlglot.tokens import Token, TokenType

from tools.procedures.plpgsql import (
    Block,
    Body,
    Declared,
    If,
    Loop,
    Node,
    NotStructured,
    Simple,
    TokenReader,
)


@dataclass
class MysqlBody(Body):
    not_found: str | None = None
    """`DECLARE EXIT HANDLER FOR NOT FOUND RETURN <expr>`: the expression returned when a
    SELECT ... INTO finds no row (None: no such handler)."""
    label: str | None = None
    """The body's own label (`proc: BEGIN`): LEAVE proc ends the routine."""
    done_flag: str | None = None
    """`DECLARE CONTINUE HANDLER FOR NOT FOUND SET done = TRUE`: the cursor idiom's flag
    (accepted only where cursor_idiom rewrites every use of it)."""


_DONE = re.compile(r"(?is)^declare\s+continue\s+handler\s+for\s+not\s+found\s+set\s+"
                   r"`?(\w+)`?\s*=\s*(?:true|1)$")
_HANDLER = re.compile(r"(?is)^declare\s+exit\s+handler\s+for\s+not\s+found\s+return\s+(.+)$")
_DECLARE = re.compile(r"(?is)^declare\s+([\w`]+(?:\s*,\s*[\w`]+)*)\s+(.+?)"
                      r"(?:\s+default\s+(.+))?$")
_CURSOR = re.compile(r"(?is)^declare\s+([\w`]+)\s+cursor\s+for\s+(.+)$")


class _Reader(TokenReader):
    def __init__(self, text: str, tokens: list[Token], label: str | None) -> None:
        super().__init__(text, tokens)
        self.body_label = label
        self.loops: list[str | None] = []  # labels of the loops we are inside

    def word(self, at: int | None = None) -> str:
        """A string literal is no keyword (MySQL quotes 'END' and "IF" alike)."""
        at = self.i if at is None else at
        if at >= len(self.tokens) or self.tokens[at].token_type == TokenType.STRING:
            return ""
        return self.tokens[at].text.upper()

    def labelled(self) -> str | None:
        """`name:` before a compound statement: consumed, its name returned."""
        if self.i + 1 < len(self.tokens) and self.tokens[self.i + 1].token_type == \
                TokenType.COLON and self.word(self.i + 2) in ("BEGIN", "LOOP", "WHILE",
                                                              "REPEAT"):
            name = self.tokens[self.i].text.strip("`").lower()
            self.i += 2
            return name
        return None

    def statements(self, stops: set[str], declared: list[Declared],
                   body: MysqlBody) -> list[Node]:
        out: list[Node] = []
        while self.i < len(self.tokens) and self.word() not in stops:
            label = self.labelled()
            word = self.word()
            if self.tokens[self.i].token_type == TokenType.SEMICOLON:
                self.i += 1
            elif word == "DECLARE":
                if out:
                    raise NotStructured("a DECLARE after a statement")
                self._declare(self.until({";"}), declared, body)
            elif word == "IF":
                out.append(self._if(declared, body))
            elif word in ("WHILE", "LOOP", "REPEAT"):
                out.append(self._loop(word, label, declared, body))
            elif word == "BEGIN":
                self.i += 1
                inner = self.statements({"END"}, declared, body)
                self.expect("END")
                if label and self.word() not in ("", ";"):
                    self.i += 1  # `END label`
                out.append(Block(inner))
            elif word == "CASE":
                out.append(self._case(declared, body))
            elif word == "ITERATE":
                raise NotStructured("ITERATE (a loop's next pass from the middle)")
            elif word == "LEAVE":
                out.append(self._leave())
            else:
                out.append(self._simple(self.until({";"}).strip(), word))
        return out

    def _leave(self) -> Simple:
        self.i += 1
        target = self.tokens[self.i].text.strip("`").lower() if self.i < len(
            self.tokens) else ""
        self.i += 1
        if self.loops and target == self.loops[-1]:
            return Simple("EXIT", "EXIT")
        if target == self.body_label and not self.loops:
            return Simple("RETURN", "RETURN")
        raise NotStructured(f"LEAVE {target} (not the innermost loop nor the body's label)")

    def _declare(self, text: str, declared: list[Declared], body: MysqlBody) -> None:
        handler = _HANDLER.match(text)
        if handler:
            body.not_found = handler.group(1).strip()
            return
        done = _DONE.match(text)
        if done and body.done_flag is None:
            body.done_flag = done.group(1).lower()
            return
        if re.match(r"(?is)^declare\s+(continue|exit|undo)\s+handler\b", text):
            raise NotStructured(f"an error handler ({' '.join(text.split()[:6])} ...)")
        if re.match(r"(?is)^declare\s+[\w`]+\s+condition\b", text):
            raise NotStructured("a DECLARE ... CONDITION (named error handling)")
        cursor = _CURSOR.match(text)
        if cursor:
            declared.append(Declared(cursor.group(1).strip("`").lower(), "cursor",
                                     cursor_query=cursor.group(2).strip()))
            return
        match = _DECLARE.match(text)
        if match is None:
            raise NotStructured(f"cannot read the declaration {text[:60]!r}")
        for name in match.group(1).split(","):
            declared.append(Declared(name.strip().strip("`").lower(), match.group(2).strip(),
                                     match.group(3).strip() if match.group(3) else None))

    def _simple(self, text: str, word: str) -> Simple:
        if word == "SET" and not re.match(r"(?is)^set\s+(names|session|global|@@)", text):
            assignments = _split_top(text[3:].strip(), ",")
            if len(assignments) > 1:
                raise NotStructured("a SET of several variables in one statement")
            name, _, value = assignments[0].partition("=")
            name = name.strip().strip("`")
            if name.startswith("@"):
                raise NotStructured(f"a session variable ({name})")
            return Simple(f"{name} := {value.strip()}", name.upper())
        if word == "SELECT":
            return Simple(_into_first(text), "SELECT")
        if word == "RETURN":
            return Simple(text, "RETURN")
        return Simple(text, word)

    def _if(self, declared: list[Declared], body: MysqlBody) -> If:
        self.i += 1
        cond = self.until({"THEN"})
        self.expect("THEN")
        node = If([(cond, self.statements({"ELSEIF", "ELSE", "END"}, declared, body))])
        while self.word() == "ELSEIF":
            self.i += 1
            cond = self.until({"THEN"})
            self.expect("THEN")
            node.branches.append((cond, self.statements({"ELSEIF", "ELSE", "END"}, declared,
                                                         body)))
        if self.word() == "ELSE":
            self.i += 1
            node.otherwise = self.statements({"END"}, declared, body)
        self.expect("END", "IF")
        return node

    def _case(self, declared: list[Declared], body: MysqlBody) -> If:
        """`CASE [operand] WHEN v THEN ... [ELSE ...] END CASE` as an IF chain. Without
        ELSE, MySQL fails the call where no branch matches (error 1339): that branch is
        kept as a SIGNAL, which no rewrite expresses, so the routine stays unsupported
        rather than silently doing nothing."""
        self.i += 1
        operand = "" if self.word() == "WHEN" else self.until({"WHEN"}).strip()
        node = If([])
        while self.word() == "WHEN":
            self.i += 1
            value = self.until({"THEN"}).strip()
            self.expect("THEN")
            cond = f"({operand}) = ({value})" if operand else value
            node.branches.append((cond, self.statements({"WHEN", "ELSE", "END"}, declared,
                                                        body)))
        if not node.branches:
            raise NotStructured("a CASE statement without WHEN")
        if self.word() == "ELSE":
            self.i += 1
            node.otherwise = self.statements({"END"}, declared, body)
        else:
            node.otherwise = [Simple("SIGNAL SQLSTATE '20000' (case not found)", "SIGNAL")]
        self.expect("END", "CASE")
        return node

    def _loop(self, word: str, label: str | None, declared: list[Declared],
              body: MysqlBody) -> Loop:
        self.i += 1
        self.loops.append(label)
        try:
            if word == "WHILE":
                header = self.until({"DO"})
                self.expect("DO")
                inner = self.statements({"END"}, declared, body)
                self.expect("END", "WHILE")
                loop = Loop("while", header.strip(), inner)
            elif word == "LOOP":
                loop = Loop("loop", "", self.statements({"END"}, declared, body))
                self.expect("END", "LOOP")
            else:
                inner = self.statements({"UNTIL"}, declared, body)
                self.expect("UNTIL")
                until = self.until({"END"})
                self.expect("END", "REPEAT")
                loop = Loop("loop", "", [*inner, Simple(f"EXIT WHEN {until.strip()}", "EXIT")])
        finally:
            self.loops.pop()
        if label and self.word() not in ("", ";"):
            self.i += 1  # `END LOOP label`
        return loop


def _split_top(text: str, sep: str) -> list[str]:
    parts, depth, quoted, start = [], 0, "", 0
    for i, ch in enumerate(text):
        if quoted:
            quoted = "" if ch == quoted else quoted
        elif ch in "'\"":
            quoted = ch
        elif ch in "()":
            depth += 1 if ch == "(" else -1
        elif ch == sep and depth == 0:
            parts.append(text[start:i])
            start = i + 1
    parts.append(text[start:])
    return [p.strip() for p in parts]


def _into_first(text: str) -> str:
    """MySQL's `SELECT a FROM t WHERE p INTO x` (INTO anywhere after the select list) ->
    `SELECT a INTO x FROM t WHERE p`, the form PL/pgSQL readers cut; a SELECT without INTO
    is kept as it is (a result set)."""
    try:
        tokens = sqlglot.tokenize(text, read="mysql")
    except TokenError as exc:
        raise NotStructured(f"cannot tokenize {text[:60]!r}: {exc}") from exc
    depth, into, from_at = 0, None, None
    for at, tok in enumerate(tokens):
        depth += {TokenType.L_PAREN: 1, TokenType.R_PAREN: -1}.get(tok.token_type, 0)
        if depth != 0 or tok.token_type == TokenType.STRING:
            continue
        word = tok.text.upper()
        if word == "INTO" and into is None:
            into = at
        elif word == "FROM" and from_at is None:
            from_at = at
    if into is None:
        return text
    if into + 1 >= len(tokens):
        raise NotStructured(f"SELECT ... INTO without a variable: {text[:60]!r}")
    end = into + 2  # the variables: names separated by commas
    while end + 1 < len(tokens) and tokens[end].token_type == TokenType.COMMA:
        end += 2
    names = text[tokens[into + 1].start:tokens[end - 1].end + 1]
    if "@" in names:
        raise NotStructured(f"SELECT ... INTO a session variable ({names.strip()})")
    before = text[:tokens[into].start].rstrip()
    after = text[tokens[end - 1].end + 1:].strip()
    if from_at is None or from_at > into:
        # INTO before FROM already, or no FROM at all
        return f"{before} INTO {names} {after}".strip()
    head = text[:tokens[from_at].start].rstrip()
    tail = text[tokens[from_at].start:tokens[into].start].rstrip()
    return f"{head} INTO {names} {tail} {after}".strip()


def _is_done_check(node: Node, flag: str) -> bool:
    """`IF done THEN LEAVE the loop; END IF`."""
    return isinstance(node, If) and len(node.branches) == 1 and not node.otherwise and \
        node.branches[0][0].strip().strip("`").lower() == flag and \
        node.branches[0][1] == [Simple("EXIT", "EXIT")]


def cursor_idiom(nodes: list[Node], flag: str) -> list[Node]:
    """MySQL's cursor walk — `OPEN c; l: LOOP FETCH c INTO x; IF done THEN LEAVE l; END IF;
    ... END LOOP; CLOSE c;` with the NOT FOUND handler setting `done` — as PL/pgSQL's
    `OPEN c; FETCH c INTO x; WHILE found LOOP ... FETCH c INTO x; END LOOP; CLOSE c;`,
    which aggify reads as a loop over the cursor's query. Any other use of the flag is
    refused: the handler's effect would be lost."""
    out: list[Node] = []
    for node in nodes:
        loop = node if isinstance(node, Loop) else None
        if loop is not None and loop.kind == "loop" and len(loop.body) >= 2 and \
                isinstance(loop.body[0], Simple) and loop.body[0].head == "FETCH" and \
                _is_done_check(loop.body[1], flag) and out and isinstance(out[-1], Simple) \
                and out[-1].head == "OPEN":
            fetch = loop.body[0]
            out += [fetch, Loop("while", "found",
                                [*cursor_idiom(loop.body[2:], flag), fetch])]
            continue
        if isinstance(node, If):
            node = If([(c, cursor_idiom(b, flag)) for c, b in node.branches],
                      cursor_idiom(node.otherwise, flag))
        elif isinstance(node, Loop):
            node = Loop(node.kind, node.header, cursor_idiom(node.body, flag))
        elif isinstance(node, Block):
            node = Block(cursor_idiom(node.body, flag), node.handles_errors)
        out.append(node)
    return out


def _trips_handler(nodes: list[Node]) -> bool:
    """Whether a SELECT ... INTO is anywhere: finding no row, it would set the flag too."""
    for node in nodes:
        if isinstance(node, Simple) and node.head == "SELECT" and re.search(
                r"(?i)\binto\b", node.text):
            return True
        if isinstance(node, If) and (any(_trips_handler(b) for _, b in node.branches)
                                     or _trips_handler(node.otherwise)):
            return True
        if isinstance(node, Loop | Block) and _trips_handler(node.body):
            return True
    return False


def _uses(nodes: list[Node], flag: str) -> bool:
    pattern = re.compile(rf"(?i)\b{re.escape(flag)}\b")
    for node in nodes:
        if isinstance(node, Simple) and pattern.search(node.text):
            return True
        if isinstance(node, If) and (any(pattern.search(c) or _uses(b, flag)
                                         for c, b in node.branches)
                                     or _uses(node.otherwise, flag)):
            return True
        if isinstance(node, Loop) and (pattern.search(node.header) or _uses(node.body, flag)):
            return True
        if isinstance(node, Block) and _uses(node.body, flag):
            return True
    return False


def read_mysql_body(body: str) -> MysqlBody:
    """Declarations and statements of a MySQL body: `[label:] BEGIN ... END [label]`, or one
    statement (`RETURN expr`)."""
    try:
        tokens = sqlglot.tokenize(body, read="mysql")
    except TokenError as exc:
        raise NotStructured(f"cannot tokenize the body: {exc}") from exc
    if not tokens:
        raise NotStructured("an empty body")
    out = MysqlBody([], [])
    label = None
    if len(tokens) > 2 and tokens[1].token_type == TokenType.COLON:
        label = tokens[0].text.strip("`").lower()
        tokens = tokens[2:]
    out.label = label
    reader = _Reader(body, tokens, label)
    if reader.word() != "BEGIN":  # a one-statement body
        out.statements = reader.statements(set(), out.declared, out)
        return out
    reader.i += 1
    out.statements = reader.statements({"END"}, out.declared, out)
    reader.expect("END")
    if out.done_flag is not None:
        if _trips_handler(out.statements):
            raise NotStructured(f"an error handler (CONTINUE HANDLER FOR NOT FOUND SET "
                                f"{out.done_flag}) that a SELECT ... INTO finding no row "
                                f"would trip too")
        out.statements = cursor_idiom(out.statements, out.done_flag)
        if _uses(out.statements, out.done_flag):
            raise NotStructured(f"an error handler (CONTINUE HANDLER FOR NOT FOUND SET "
                                f"{out.done_flag}) used beyond a cursor walk")
        out.declared = [d for d in out.declared if d.name != out.done_flag]
    rest = [t for t in tokens[reader.i:] if t.token_type != TokenType.SEMICOLON]
    if rest and not (label and len(rest) == 1 and rest[0].text.strip("`").lower() == label):
        raise NotStructured(f"text after the body's END: {rest[0].text}")
    return out
