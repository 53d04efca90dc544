"""Proof under a shared deterministic random stream: a procedure that draws random() is proven
by replacing random() with the same numbered stream on both sides.

The k-th draw is `stream(k)`: the 32-bit multiplicative hash of k as a fraction of 2^32,
computed with integer arithmetic and one exact division by a power of two, so PostgreSQL and
DuckDB give the same float8 bits (checked by tests/unit/test_random_stream.py on DuckDB and
the integration test on PostgreSQL).

- The original, on the scratch copy only, runs with `random()` resolved to a function of a
  shadow schema listed before pg_catalog in search_path (PostgreSQL searches pg_catalog first
  only when it is not listed), which returns stream(nextval(a sequence)).
- The rewrite numbers each draw where the number is known statically: straight-line code, a
  helper procedure called with CALL (inlined: its k-th call takes the draws that follow the
  ones before it), and a loop that appends one character per pass until a string reaches a
  constant length (a counted loop). Each draw becomes `cutover_draw(k)`: in the dbt model the
  macro `{{ cutover_random(k) }}`, which is the stream only when the proof sets the var
  `cutover_proof_random` and plain random() otherwise, so the project a user keeps running
  still draws real random values.
- Where the number cannot be known (a draw in a loop whose count depends on data, in a
  condition, or after branches that draw different counts), the procedure stays refused.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace

import sqlglot
from sqlglot import exp
from sqlglot.errors import SqlglotError, TokenError
from sqlglot.tokens import TokenType

from tools.procedures.inline import Env, Inlined, Unsupported, expand_calls, inline_function
from tools.procedures.parse import Routine
from tools.procedures.plpgsql import If, Loop, Node, NotStructured, Simple, read_body

SHADOW_SCHEMA = "cutover_random"
DRAW = "cutover_draw"
"""The placeholder call of draw k in a rewrite (source and target dialect alike)."""
MACRO = "cutover_random"
PROOF_VAR = "cutover_proof_random"
PROVEN_NOTE = ("proven with a shared deterministic random stream (random() replaced on both "
               "sides for the proof)")
_MULTIPLIER, _MODULUS = 2654435761, 4294967296  # Knuth's multiplicative hash, mod 2^32
_MAX_PASSES = 10_000
_DRAW_CALL = re.compile(rf"(?i)\b{DRAW}\s*\(\s*(\d+)\s*\)")


class NotNumbered(Exception):
    """A draw whose number cannot be known statically (the message says why)."""


class HelperOnly(NotNumbered):
    """A procedure whose only effect is its INOUT values: inlined where it is CALLed, no
    model of its own (it writes no table)."""


def stream_sql(k: str, double: str = "DOUBLE PRECISION") -> str:
    """stream(k) as SQL over the integer expression `k` (PostgreSQL and DuckDB both read it)."""
    return (f"(CAST((CAST({k} AS BIGINT) * {_MULTIPLIER}) % {_MODULUS} AS {double}) / "
            f"CAST({_MODULUS} AS {double}))")


def stream_value(k: int) -> float:
    """stream(k) in Python (the same float: an integer exactly over a power of two)."""
    return ((k * _MULTIPLIER) % _MODULUS) / float(_MODULUS)


def uses_draws(sql: str) -> bool:
    """Whether `sql` holds a numbered draw (a rewrite's placeholder or a model's macro)."""
    return bool(_DRAW_CALL.search(sql) or re.search(rf"\{{\{{\s*{MACRO}\(", sql))


def bind_draws(sql: str, proof: bool) -> str:
    """Each `cutover_draw(k)`: stream(k) when proving (`proof`), else the dbt macro call."""
    if proof:
        return _DRAW_CALL.sub(lambda m: stream_sql(m.group(1)), sql)
    return _DRAW_CALL.sub(lambda m: f"{{{{ {MACRO}({m.group(1)}) }}}}", sql)


def macro(target_dialect: str) -> str:
    """macros/cutover_random.sql: stream(k) under the proof's var, the target's random()
    otherwise."""
    real = exp.Rand().sql(dialect=target_dialect)
    return (f"{{# draw k of a procedure's random values: the shared deterministic stream when "
            f"the proof sets the var {PROOF_VAR} (the original ran with the same stream on its "
            f"scratch copy), the engine's own random() otherwise #}}\n"
            f"{{% macro {MACRO}(k) %}}{{% if var('{PROOF_VAR}', false) %}}"
            f"{stream_sql('{{ k }}')}{{% else %}}{real}{{% endif %}}{{% endmacro %}}\n")


def shadow_session(helpers: Sequence[str], scratch_schema: str) -> list[str]:
    """Statements for the scratch copy's procedure session: the shadow random() (a sequence
    counts the calls) before pg_catalog in search_path, then the helper routines the procedure
    calls. Run on the scratch database only: scratch.py checks the session is one."""
    return [
        f"CREATE SCHEMA {SHADOW_SCHEMA}",
        f"CREATE SEQUENCE {SHADOW_SCHEMA}.draws",
        f"CREATE FUNCTION {SHADOW_SCHEMA}.random() RETURNS double precision LANGUAGE sql "
        f"VOLATILE AS $$ SELECT {stream_sql(f'nextval({chr(39)}{SHADOW_SCHEMA}.draws{chr(39)})')}"
        f" $$",
        # the scratch schema first: what the procedure creates lands there, not in the shadow
        f"SET search_path = {scratch_schema}, {SHADOW_SCHEMA}, pg_catalog, public",
        *helpers,
    ]


@dataclass
class Drawn:
    """A procedure with its draws numbered."""

    routine: Routine
    """The same routine, its body's CALLs of drawing helpers inlined and each random() a
    numbered `cutover_draw(k)` (source_sql stays the original: that is what the proof runs)."""
    draws: int | None
    """How many draws a run makes; None when branches draw different numbers of times."""
    helpers: list[str] = field(default_factory=list)
    """Definitions of the routines the original calls (created on the scratch copy first)."""


def number_draws(routine: Routine, routines: Sequence[Routine],
                 dialect: str = "postgres") -> Drawn:
    """`routine` with each draw numbered; raises NotNumbered with the reason when a draw's
    number depends on the data."""
    by_name = {r.name.lower(): r for r in routines}
    try:
        body = read_body(routine.body)
    except NotStructured as exc:
        raise NotNumbered(str(exc)) from exc
    begin = re.search(r"(?i)\bbegin\b", routine.body)
    assert begin is not None  # read_body found it
    if _draw_sites(routine.body[:begin.start()]):
        raise NotNumbered("random() in a declaration's default")
    if re.search(r"(?i)\bforeach\b", routine.body):
        raise NotNumbered("a FOREACH loop (not re-read here)")
    walk = _Numbering(by_name, dialect)
    outputs = _inout(routine)
    if outputs:
        try:
            walk.inline(routine, [exp.column(p.name) for p in routine.params], outputs)
        except NotNumbered:
            pass
        else:
            raise HelperOnly(f"writes no table: its only effect is its INOUT value "
                             f"({', '.join(outputs)}), which calls random(): its {walk.count} "
                             f"draws are numbered where a procedure CALLs it (inlined there)")
        walk = _Numbering(by_name, dialect)
    nodes = walk.nodes(body.statements)
    text = routine.body[:begin.start()] + "BEGIN\n" + _print(nodes) + "END;"
    return Drawn(replace(routine, body=text), walk.count, _needed(routine, by_name))


def inout_result(routine: Routine, routines: Sequence[Routine], values: Mapping[str, str],
                 dialect: str = "postgres") -> dict[str, str]:
    """A helper procedure's INOUT values (name -> SQL expression, source dialect) when it is
    CALLed with the SQL literals `values`, its draws numbered from 1: what `CALL p(...)`
    returns as its one row. Raises NotNumbered as number_draws does."""
    by_name = {r.name.lower(): r for r in routines}
    args = [_arguments(values[p.name], dialect)[0] for p in routine.params]
    return _Numbering(by_name, dialect).inline(routine, args, _inout(routine))


def helper_definitions(routine: Routine, routines: Sequence[Routine]) -> list[str]:
    """The definitions of the routines `routine` calls (created on the scratch copy first)."""
    return _needed(routine, {r.name.lower(): r for r in routines})


def _needed(routine: Routine, by_name: Mapping[str, Routine]) -> list[str]:
    """Definitions of the routines `routine` calls, however deep, callees first."""
    order: list[str] = []

    def visit(current: Routine) -> None:
        for name, other in by_name.items():
            if name == routine.name.lower() or name in order or not re.search(
                    rf"(?i)\b{re.escape(name)}\s*\(", current.body):
                continue
            order.append(name)  # before visiting: a cycle ends here
            visit(other)

    visit(routine)
    return [by_name[n].source_sql for n in reversed(order)]


class _Numbering:
    """Walks a caller's statements in order, numbering draws; `count` is the number of draws
    made so far (None once branches drew different counts: later draws are unknowable)."""

    def __init__(self, routines: Mapping[str, Routine], dialect: str) -> None:
        self.routines, self.dialect = routines, dialect
        self.count: int | None = 0
        self.called: list[str] = []
        self.functions: dict[str, Inlined] | None = None
        from tools.procedures.randomness import random_routines  # the call-chain finder

        self.drawing = set(random_routines(list(routines.values())))

    def nodes(self, nodes: list[Node]) -> list[Node]:
        out: list[Node] = []
        for node in nodes:
            if isinstance(node, Simple):
                out.append(self.simple(node))
            elif isinstance(node, If):
                if any(_draw_sites(c) or self._calls_drawing(c) for c, _ in node.branches):
                    raise NotNumbered("random() in an IF condition (ELSIF conditions draw "
                                      "only when the ones before are false)")
                start, ends, branches = self.count, [], []
                for condition, body in node.branches:
                    self.count = start
                    branches.append((condition, self.nodes(body)))
                    ends.append(self.count)
                self.count = start
                otherwise = self.nodes(node.otherwise)
                ends.append(self.count)
                self.count = ends[0] if len(set(ends)) == 1 else None
                out.append(If(branches, otherwise))
            elif isinstance(node, Loop):
                if _loop_draws(node, self.drawing):
                    raise NotNumbered("random() in a loop whose number of passes depends on "
                                      "the data")
                out.append(node)
            else:
                raise NotNumbered("a nested block")
        return out

    def _calls_drawing(self, text: str) -> str | None:
        """A routine of the codebase that draws, called in `text` as a function."""
        return next((name for name in sorted(self.drawing)
                     if re.search(rf"(?i)\b{re.escape(name)}\s*\(", text)), None)

    def take(self, n: int) -> int:
        """Reserve n draws; returns the number of the first."""
        if self.count is None:
            raise NotNumbered("a draw after branches that draw a different number of times "
                              "(its number depends on the branch taken)")
        first = self.count + 1
        self.count += n
        return first

    def simple(self, node: Simple) -> Simple:
        if node.head == "CALL":
            return self.call(node)
        inner = self._calls_drawing(node.text)
        if inner:
            raise NotNumbered(f"calls {inner}, which draws inside a function (its draws are "
                              f"not numbered from here)")
        sites = _draw_sites(node.text)
        if not sites:
            return node
        _once_each(node.text, self.dialect)
        first = self.take(len(sites))
        return Simple(_number(node.text, sites, first), node.head)

    def call(self, node: Simple) -> Simple:
        """`CALL helper(v)`: the helper's INOUT results, inlined as assignments."""
        match = re.match(r"(?is)^call\s+([A-Za-z_][\w.]*)\s*\((.*)\)\s*;?\s*$", node.text)
        name = match.group(1).split(".")[-1].lower() if match else ""
        callee = self.routines.get(name)
        if match is None or callee is None or callee.kind != "procedure":
            return node  # not a helper of the codebase: the rewrite says why it refuses it
        args = _arguments(match.group(2), self.dialect)
        if len(args) != len(callee.params):
            raise NotNumbered(f"CALL {callee.name} with {len(args)} arguments for "
                              f"{len(callee.params)} parameters")
        outputs = _inout(callee)
        results = self.inline(callee, args, outputs)
        if name not in self.called:
            self.called.append(name)
        assignments = []
        for param, arg in zip(callee.params, args, strict=True):
            if param.name not in outputs:
                continue
            if not isinstance(arg, exp.Column) or arg.table:
                raise NotNumbered(f"CALL {callee.name}: its INOUT argument {arg.sql()} is not "
                                  f"a variable")
            assignments.append(f"{arg.name} := {results[param.name]}")
        if not assignments:
            raise NotNumbered(f"CALL {callee.name} returns nothing to the caller")
        return Simple(";\n".join(assignments), "CALLED")

    def inline(self, callee: Routine, args: list[exp.Expr], outputs: list[str]
               ) -> dict[str, str]:
        """The callee's INOUT parameters' values after its body, over the caller's
        arguments, with its draws numbered after the caller's so far; the codebase's scalar
        functions expanded in them (the target has none of them)."""
        try:
            body = read_body(callee.body)
        except NotStructured as exc:
            raise NotNumbered(f"CALL {callee.name}: {exc}") from exc
        env = Env(dialect=self.dialect)
        for param, arg in zip(callee.params, args, strict=True):
            env.values[param.name] = arg.copy()
            env.types[param.name] = param.type
        try:
            for decl in body.declared:
                if decl.cursor_query is not None:
                    raise NotNumbered(f"CALL {callee.name}: a cursor in the helper")
                env.types[decl.name] = decl.type
                env.values[decl.name] = exp.null()
                if decl.default is not None:
                    env.assign(decl.name, env.expr(self.numbered(decl.default)), [])
            for node in body.statements:
                self.helper_statement(callee, node, env)
        except Unsupported as exc:
            raise NotNumbered(f"CALL {callee.name}: {exc}") from exc
        out = {}
        for name in outputs:
            value = exp.paren(env.values[name].copy(), copy=False)
            try:
                expand_calls(value, self.inlined())
            except Unsupported as exc:
                raise NotNumbered(f"CALL {callee.name}: {exc}") from exc
            out[name] = _shallow(value).sql(dialect=self.dialect)
        return out

    def numbered(self, text: str) -> str:
        sites = _draw_sites(text)
        if sites:
            _once_each(text, self.dialect)
        return _number(text, sites, self.take(len(sites))) if sites else text

    def helper_statement(self, callee: Routine, node: Node, env: Env) -> None:
        """Assignments and counted string-building loops: what computes INOUT values."""
        if isinstance(node, Simple):
            assigned = _assignment(node.text)
            if assigned is None:
                raise NotNumbered(f"CALL {callee.name}: its helper runs {node.head} (only "
                                  f"assignments and counted loops are inlined)")
            env.assign(assigned[0], env.expr(self.numbered(assigned[1])), [])
            return
        if isinstance(node, Loop):
            passes, name, appended = self.counted(callee, node, env)
            pieces = [env.values[name].copy()]
            pieces += [env.expr(self.numbered(appended)) for _ in range(passes)]
            env.assign(name, _concatenated(pieces), [])
            return
        raise NotNumbered(f"CALL {callee.name}: its helper branches (IF): the draws it makes "
                          f"depend on the data")

    def counted(self, callee: Routine, loop: Loop, env: Env) -> tuple[int, str, str]:
        """`WHILE LENGTH(s) < n LOOP s := s || c; END LOOP` with s a known string, n a
        constant and c one character (a codebase function returning CHAR): n - len(s)
        passes. Returns (passes, s, c)."""
        why = (f"CALL {callee.name}: its loop ({loop.kind.upper()} {loop.header[:60]}) is not "
               f"a counted one (WHILE LENGTH(s) < n appending one character per pass)")
        match = re.match(r"(?is)^\(?\s*(?:length|char_length)\s*\(\s*([A-Za-z_]\w*)\s*\)\s*"
                         r"(<=?)\s*(.+?)\s*\)?$", loop.header)
        if loop.kind != "while" or match is None or len(loop.body) != 1 or not isinstance(
                loop.body[0], Simple):
            raise NotNumbered(why)
        name = match.group(1).lower()
        assigned = _assignment(loop.body[0].text)
        if assigned is None or assigned[0].lower() != name:
            raise NotNumbered(why)
        parts = re.match(rf"(?is)^{re.escape(name)}\s*\|\|\s*(.+)$", assigned[1].strip())
        if parts is None or not self._one_character(parts.group(1)) or re.search(
                rf"(?i)\b{re.escape(name)}\b", parts.group(1)):
            raise NotNumbered(why)
        start, bound = _unwrapped(env.values.get(name)), _unwrapped(env.expr(match.group(3)))
        if not (isinstance(start, exp.Literal) and start.is_string and isinstance(
                bound, exp.Literal) and bound.is_int):
            raise NotNumbered(why + ": the string's start or the bound is not a constant")
        passes = int(bound.this) - len(start.this) + (match.group(2) == "<=")
        if not 0 <= passes <= _MAX_PASSES:
            raise NotNumbered(why)
        return passes, name, parts.group(1)

    def _one_character(self, text: str) -> bool:
        """A call of a codebase function declared to return CHAR / CHAR(1)."""
        try:
            tree = sqlglot.parse_one(f"SELECT {text}", read=self.dialect)
        except SqlglotError:
            return False
        call = tree.expressions[0] if isinstance(tree, exp.Select) else None
        if not isinstance(call, exp.Anonymous):
            return False
        found = self.routines.get(str(call.this).lower())
        returns = re.sub(r"\s+", "", (found.returns or "") if found else "").upper()
        return returns in ("CHAR", "CHAR(1)", "CHARACTER", "CHARACTER(1)", "BPCHAR")

    def inlined(self) -> dict[str, Inlined]:
        """The codebase's scalar PL/pgSQL functions with an expression form."""
        if self.functions is None:
            self.functions = {}
            for routine in self.routines.values():
                if routine.kind != "function" or routine.language != "plpgsql":
                    continue
                try:
                    self.functions[routine.name] = Inlined(
                        routine, inline_function(routine, self.dialect))
                except (Unsupported, NotStructured, SqlglotError):
                    continue
        return self.functions


def _concatenated(pieces: list[exp.Expr]) -> exp.Expr:
    """a || b || c ... as a balanced tree (|| is associative, NULL included): a string of n
    draws nests log2(n) deep, not n, so parsers (the guard's, the target's) read it."""
    if len(pieces) == 1:
        return pieces[0]
    half = len(pieces) // 2
    return exp.DPipe(this=exp.paren(_concatenated(pieces[:half]), copy=False),
                     expression=exp.paren(_concatenated(pieces[half:]), copy=False))


_SELF_DELIMITED = (exp.Literal, exp.Column, exp.Paren, exp.Null, exp.Boolean, exp.Anonymous,
                   exp.Cast, exp.Case, exp.Coalesce, exp.Floor, exp.Length, exp.Substring)


def _shallow(tree: exp.Expr) -> exp.Expr:
    """Parentheses around what needs none (a literal, a column, a call, CASE, CAST, another
    pair of parentheses) dropped: expanded functions stack them many deep."""
    for paren in list(tree.find_all(exp.Paren)):
        if isinstance(paren.this, _SELF_DELIMITED) and paren.parent is not None:
            paren.replace(paren.this)
    return tree


def _unwrapped(value: exp.Expr | None) -> exp.Expr | None:
    """A value as a variable holds it, its declared type's cast and parentheses peeled."""
    while isinstance(value, exp.Cast | exp.Paren):
        value = value.this
    return value


def _assignment(text: str) -> tuple[str, str] | None:
    match = re.match(r"(?is)^([A-Za-z_]\w*)\s*:=\s*(.+?)\s*;?\s*$", text.strip())
    return (match.group(1), match.group(2)) if match else None


def _arguments(text: str, dialect: str) -> list[exp.Expr]:
    if not text.strip():
        return []
    try:
        tree = sqlglot.parse_one(f"SELECT {text}", read=dialect)
    except SqlglotError as exc:
        raise NotNumbered(f"cannot read the CALL's arguments {text[:60]!r}") from exc
    assert isinstance(tree, exp.Select)
    return list(tree.expressions)


def _inout(routine: Routine) -> list[str]:
    """The INOUT / OUT parameters of a procedure, from its header (parse.py drops modes)."""
    header = routine.source_sql[:routine.source_sql.find(routine.body) if routine.body
                                else len(routine.source_sql)]
    names = {p.name for p in routine.params}
    found = re.findall(r"(?i)\b(?:inout|out)\s+([A-Za-z_]\w*)|([A-Za-z_]\w*)\s+(?:inout|out)\b",
                       header)
    return [n.lower() for pair in found for n in pair if n and n.lower() in names]


def _draw_sites(text: str) -> list[tuple[int, int]]:
    """(start, end) of each `random()` call in `text`, in order (strings and comments are
    not calls). A schema-qualified pg_catalog.random() would escape the shadow: refused."""
    try:
        tokens = sqlglot.tokenize(text, read="postgres")
    except TokenError as exc:
        raise NotNumbered(f"cannot tokenize {text[:60]!r}") from exc
    sites = []
    for at, token in enumerate(tokens):
        if token.text.lower() != "random" or at + 2 >= len(tokens):
            continue
        if tokens[at + 1].token_type != TokenType.L_PAREN or \
                tokens[at + 2].token_type != TokenType.R_PAREN:
            continue
        if at and tokens[at - 1].token_type == TokenType.DOT:
            raise NotNumbered("a schema-qualified random() (the proof's stream replaces the "
                              "unqualified one only)")
        sites.append((token.start, tokens[at + 2].end + 1))
    if re.search(r"(?i)\b(gen_random_uuid|uuid_generate_v4|setseed)\s*\(", text):
        raise NotNumbered("a draw other than random() (gen_random_uuid, setseed)")
    return sites


_CONDITIONAL = (exp.Case, exp.If, exp.Coalesce, exp.And, exp.Or, exp.Nullif)


def _once_each(text: str, dialect: str) -> None:
    """Each random() of a statement is drawn exactly once when it runs: not per row of a
    query (a SELECT with a FROM, an UPDATE or DELETE), not under CASE / COALESCE / AND / OR
    (drawn or not depending on the data). Raises NotNumbered otherwise."""
    assigned = _assignment(text)
    sql = f"SELECT {assigned[1]}" if assigned else text
    try:
        tree = sqlglot.parse_one(sql, read=dialect)
    except SqlglotError as exc:
        raise NotNumbered(f"cannot read {text[:60]!r} to number its draws") from exc
    draws = [n for n in tree.walk() if isinstance(n, exp.Rand) or (
        isinstance(n, exp.Anonymous) and str(n.this).lower() == "random")]
    for draw in draws:
        node: exp.Expr | None = draw.parent
        while node is not None:
            if isinstance(node, exp.Select) and (node.args.get("from_") or
                                                 node.args.get("from")):
                raise NotNumbered(f"random() per row of a query: {text[:60]!r}")
            if isinstance(node, exp.Update | exp.Delete):
                raise NotNumbered(f"random() per row of an {type(node).__name__.upper()}: "
                                  f"{text[:60]!r}")
            if isinstance(node, _CONDITIONAL):
                raise NotNumbered(f"random() under a condition (drawn or not depending on the "
                                  f"data): {text[:60]!r}")
            node = node.parent


def _number(text: str, sites: list[tuple[int, int]], first: int) -> str:
    out, at = [], 0
    for k, (start, end) in enumerate(sites, start=first):
        out += [text[at:start], f"{DRAW}({k})"]
        at = end
    return "".join(out) + text[at:]


def _loop_draws(loop: Loop, drawing: set[str]) -> bool:
    texts: list[str] = [loop.header]

    def collect(nodes: list[Node]) -> None:
        for node in nodes:
            if isinstance(node, Simple):
                texts.append(node.text)
            elif isinstance(node, If):
                for condition, body in node.branches:
                    texts.append(condition)
                    collect(body)
                collect(node.otherwise)
            elif isinstance(node, Loop):
                texts.append(node.header)
                collect(node.body)

    collect(loop.body)
    return any(_draw_sites(t) or any(re.search(rf"(?i)\b{re.escape(name)}\s*\(", t)
                                     for name in drawing) for t in texts)


def _print(nodes: list[Node], indent: str = "  ") -> str:
    """Statements back as PL/pgSQL text (what read_body cut them from)."""
    out = []
    for node in nodes:
        if isinstance(node, Simple):
            out.append(f"{indent}{node.text.rstrip().rstrip(';')};\n")
        elif isinstance(node, If):
            for at, (condition, body) in enumerate(node.branches):
                out.append(f"{indent}{'IF' if at == 0 else 'ELSIF'} {condition} THEN\n"
                           + _print(body, indent + "  "))
            if node.otherwise:
                out.append(f"{indent}ELSE\n" + _print(node.otherwise, indent + "  "))
            out.append(f"{indent}END IF;\n")
        elif isinstance(node, Loop):
            head = {"loop": "", "while": f"WHILE {node.header} ",
                    "for": f"FOR {node.header} "}[node.kind]
            out.append(f"{indent}{head}LOOP\n" + _print(node.body, indent + "  ")
                       + f"{indent}END LOOP;\n")
    return "".join(out)
