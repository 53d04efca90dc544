"""A PL/pgSQL scalar function as one SQL expression (the Froid rewrite: Ramachandra et al.,
VLDB 2018), so a query calling it can run on an engine that has no such function.

Walking the body in order with a *guard* (the condition under which a statement runs):
    x := e                        -> x = CASE WHEN guard THEN e ELSE x END  (x as it was)
    SELECT a, b INTO x, y FROM q  -> x = (SELECT a FROM q LIMIT 1), y = ..., found = EXISTS (q)
    IF c THEN s ELSIF d THEN t    -> s under guard AND c IS TRUE, t under guard AND NOT c ...
    RETURN e                      -> one WHEN guard THEN e of the result's CASE, in order
A variable read later reads the expression it holds (assignments cast to the declared integer
or fixed-point type, as PL/pgSQL does). Loops, cursors, dynamic SQL, RAISE and nested blocks
have no such form: the function is unsupported with the reason.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import sqlglot
from sqlglot import exp
from sqlglot.errors import SqlglotError

from tools.procedures.bodies import PROCEDURAL, read_routine
from tools.procedures.mysql_body import MysqlBody
from tools.procedures.parse import Routine
from tools.procedures.plpgsql import Block, If, Loop, Node, NotStructured, Simple
from tools.procedures.returnquery import returned_types, type_mismatch

PARAM = "__cutover_arg_{}__"
_ASSIGN = re.compile(r"(?is)^([A-Za-z_][A-Za-z_0-9]*)\s*(?::=|=)\s*(.+)$")
SELECT_INTO = re.compile(r"(?is)^(select\s+(?:distinct\s+)?.*?)\binto\s+(?:strict\s+)?"
                         r"([A-Za-z_][\w\s,]*?)\s*(\bfrom\b.*)?$")
"""`SELECT ... INTO x, y [FROM ...]`: (the select list, the variables, the rest)."""
_CASTS = re.compile(r"(?i)^\s*(smallint|integer|int|int2|int4|int8|bigint|real|float\d?|"
                    r"double precision|(?:numeric|decimal)\s*\(.*\))\s*$")


_TEMPORAL = re.compile(r"(?i)^\s*(date|datetime|timestamp|time)\s*(\(\s*\d+\s*\))?\s*$")


class Unsupported(Exception):
    pass


def rounds(declared: str | None) -> bool:
    """Whether a variable of this type rounds what is assigned to it (integer, fixed-point)."""
    return bool(declared and _CASTS.match(declared))


def cast_to(declared: str | None, value: exp.Expr, dialect: str) -> exp.Expr:
    """The value as a variable of `declared` type holds it: integer and fixed-point types
    round, as PL/pgSQL's assignment does; other types keep the value's own (an unbounded
    numeric, a text) — a cast there would only narrow it on the target."""
    if not declared or not _CASTS.match(declared):
        return value
    try:
        return exp.cast(value, exp.DataType.build(declared.strip(), dialect=dialect))
    except (SqlglotError, ValueError):
        return value


def guarded(guard: list[exp.Expr]) -> exp.Expr | None:
    return exp.and_(*[g.copy() for g in guard]) if guard else None


def is_true(cond: exp.Expr) -> exp.Expr:
    """`cond` as a guard: NULL is not true (IF NULL takes the ELSE branch)."""
    return exp.func("COALESCE", exp.paren(cond, copy=False), exp.false())


@dataclass
class Env:
    """What each variable holds, as an expression over the parameters and the tables."""

    values: dict[str, exp.Expr] = field(default_factory=dict)
    types: dict[str, str] = field(default_factory=dict)
    cursors: dict[str, str] = field(default_factory=dict)
    dialect: str = "postgres"
    bind: Callable[[exp.Expr], exp.Expr] = lambda tree: tree
    """Applied to each value a SELECT INTO reads (a procedure binds its tables' state)."""
    returns: list[str] = field(default_factory=list)
    """The declared types of RETURNS TABLE (...)'s columns (what RETURN QUERY must give)."""
    tables: Mapping[str, Any] = field(default_factory=dict)
    """The codebase's table functions with a query form (tablecalls.TableFunction by name):
    a call of one in a query this routine reads is expanded in place."""
    param_types: dict[str, str] = field(default_factory=dict)
    """The parameters' declared types (a recursive loop's state columns are typed by them)."""
    result_type: str | None = None
    """The routine's RETURNS type."""
    many_rows_fail: bool = False
    """MySQL: a SELECT ... INTO finding more than one row is an error (1172), so its scalar
    subquery gets no LIMIT 1 and fails the same way on the target; PL/pgSQL takes the first."""
    converts_temporal: bool = False
    """MySQL: a value assigned to a DATE / DATETIME / TIME variable becomes that type (a
    text '2005-01-01' is then compared as a date), so the assignment casts."""
    not_found: exp.Expr | None = None
    """MySQL's `DECLARE EXIT HANDLER FOR NOT FOUND RETURN v`: v is returned where a SELECT ...
    INTO finds no row."""

    def expr(self, text: str) -> exp.Expr:
        try:
            tree = sqlglot.parse_one(f"SELECT {text}", read=self.dialect)
        except SqlglotError as exc:
            raise Unsupported(f"cannot parse {text.strip()[:60]!r}") from exc
        if not isinstance(tree, exp.Select) or len(tree.expressions) != 1:
            raise Unsupported(f"not one expression: {text.strip()[:60]!r}")
        return self.substitute(tree.expressions[0].unalias())

    def substitute(self, tree: exp.Expr) -> exp.Expr:
        """Every unqualified name that is a variable -> the expression it holds (PL/pgSQL
        refuses a name that is both a column and a variable, so a match is the variable)."""
        if isinstance(tree, exp.Column) and not tree.table and tree.name.lower() in self.values:
            return exp.paren(self.values[tree.name.lower()].copy(), copy=False)
        for select in list(tree.find_all(exp.Select)):  # the tree itself included
            # a bare variable as a select item names its output column (`SELECT month1`
            # gives a column month1 in PostgreSQL): the expression put in its place keeps it
            select.set("expressions", [
                exp.alias_(item, item.name) if isinstance(item, exp.Column) and not item.table
                and item.name.lower() in self.values else item for item in select.expressions])
        for column in list(tree.find_all(exp.Column)):
            if not column.table and column.name.lower() in self.values:
                column.replace(exp.paren(self.values[column.name.lower()].copy(), copy=False))
        if self.tables:  # after the variables: an expanded query names only its own columns
            from tools.procedures.tablecalls import expand_table_calls  # builds on inline

            tree = expand_table_calls(tree, self.tables)
        return tree

    def assign(self, name: str, value: exp.Expr, guard: list[exp.Expr]) -> None:
        name = name.lower()
        if name not in self.values:
            raise Unsupported(f"assigns {name}, which is not a declared variable")
        value = cast_to(self.types.get(name), value, self.dialect)
        declared = self.types.get(name) or ""
        if self.converts_temporal and _TEMPORAL.match(declared):
            value = exp.cast(value, exp.DataType.build(declared.strip(), dialect=self.dialect))
        condition = guarded(guard)
        if condition is not None:
            value = exp.Case(ifs=[exp.If(this=condition, true=value)],
                             default=self.values[name].copy())
        self.values[name] = value

    def select_into(self, text: str, guard: list[exp.Expr]) -> list[str]:
        """`SELECT a, b INTO x, y FROM ...`: each variable a scalar subquery (the first row,
        NULL when none, as PL/pgSQL's non-STRICT INTO); `found` whether a row came."""
        match = SELECT_INTO.match(text)
        if match is None:
            raise Unsupported(f"SELECT without INTO: {text[:60]!r}")
        names = [n.strip().lower() for n in match.group(2).split(",")]
        query_text = f"{match.group(1)} {match.group(3) or ''}"
        try:
            query = sqlglot.parse_one(query_text, read=self.dialect)
        except SqlglotError as exc:
            raise Unsupported(f"cannot parse {query_text.strip()[:60]!r}") from exc
        if not isinstance(query, exp.Select) or len(query.expressions) != len(names):
            raise Unsupported(f"SELECT INTO {', '.join(names)}: the columns do not match")
        query = self.substitute(query)
        assert isinstance(query, exp.Select)  # substitution replaces names, never the SELECT
        values = []
        for select in query.expressions:
            one = query.copy()
            one.set("expressions", [select.copy().unalias()])
            if one.args.get("limit") is None and not self.many_rows_fail:
                one = one.limit(1)
            values.append(self.bind(exp.Subquery(this=one)))
        found = self.bind(exp.Exists(this=query.copy()))
        for name, value in zip(names, values, strict=True):
            held = self.values.get(name.lower())
            if self.many_rows_fail and held is not None and not isinstance(held, exp.Null):
                # MySQL: no row leaves the variable as it was (PL/pgSQL sets it NULL)
                value = exp.Case(ifs=[exp.If(this=found.copy(), true=value)],
                                 default=held.copy())
            self.assign(name, value, guard)
        self.values["found"] = found if not guard else exp.Case(
            ifs=[exp.If(this=guarded(guard), true=found)], default=self.values["found"].copy())
        return names


def param_placeholders(routine: Routine, dialect: str) -> dict[str, exp.Expr]:
    """Each parameter as a placeholder column, cast to its declared numeric type."""
    return {p.name: cast_to(p.type, exp.column(PARAM.format(p.name)), dialect)
            for p in routine.params}


def new_env(routine: Routine, dialect: str, tables: Mapping[str, Any] | None = None) -> Env:
    body = read_routine(routine)
    env = Env(dialect=dialect, tables=dict(tables or {}), returns=returned_types(routine),
              param_types={p.name: p.type for p in routine.params},
              result_type=routine.returns)
    env.values.update(param_placeholders(routine, dialect))
    env.values["found"] = exp.false()
    if isinstance(body, MysqlBody):
        env.many_rows_fail = env.converts_temporal = True
        if body.not_found is not None:
            env.not_found = env.expr(body.not_found)
    for decl in body.declared:
        if decl.cursor_query is not None:
            env.cursors[decl.name] = decl.cursor_query
            continue
        env.types[decl.name] = decl.type
        env.values[decl.name] = exp.null()
        if decl.default is not None:
            env.assign(decl.name, env.expr(decl.default), [])
    return env


def inline_function(routine: Routine, dialect: str = "postgres",
                    tables: Mapping[str, Any] | None = None) -> exp.Expr:
    """The function's result as one expression over its parameter placeholders (PARAM);
    `tables`: the table functions it may read (tablecalls.table_functions)."""
    if routine.language == "sql":
        raise Unsupported("a LANGUAGE sql function (its body is its query)")
    if routine.language not in PROCEDURAL:
        raise Unsupported(f"language {routine.language}")
    try:
        body = read_routine(routine)
        env = new_env(routine, dialect, tables)
    except NotStructured as exc:
        raise Unsupported(str(exc)) from exc
    returns: list[tuple[exp.Expr | None, exp.Expr]] = []
    _walk(_with_cursor_loops(body.statements, env), env, [], returns)
    if not returns:
        return exp.null()
    for _, value in returns:
        _no_after_loop_read(value)
    ifs: list[exp.If] = []
    for condition, value in returns:
        value = cast_to(routine.returns, value, dialect)
        if condition is None:
            if not ifs:
                return value
            return exp.Case(ifs=ifs, default=value)
        ifs.append(exp.If(this=condition, true=value))
    return exp.Case(ifs=ifs)


_CHAR = re.compile(r"(?i)^\s*(?:char|character|bpchar)\s*\(\s*(\d+)\s*\)\s*$")


def returned_padding(routine: Routine) -> int | None:
    """n when every RETURN hands back a variable declared char(n): PostgreSQL shows that value
    padded with blanks to n (the function's result keeps the variable's padding), which no
    other engine's string type does. None when any return is something else."""
    try:
        body = read_routine(routine)
    except NotStructured:
        return None
    widths = {d.name.lower(): _CHAR.match(d.type or "") for d in body.declared
              if d.cursor_query is None}
    found: set[int | None] = set()

    def visit(nodes: list[Node]) -> None:
        for node in nodes:
            if isinstance(node, Simple) and node.head == "RETURN":
                name = node.text.rstrip(";").strip()[len("return"):].strip().strip("()")
                match = widths.get(name.lower())
                found.add(int(match.group(1)) if match else None)
            elif isinstance(node, If):
                for _, branch in node.branches:
                    visit(branch)
                visit(node.otherwise)
            elif isinstance(node, Loop | Block):
                visit(node.body)

    visit(body.statements)
    return found.pop() if len(found) == 1 and None not in found else None


def _walk(nodes: list[Node], env: Env, guard: list[exp.Expr],
          returns: list[tuple[exp.Expr | None, exp.Expr]]) -> bool:
    """Run `nodes` under `guard`; True when they always return (the rest is dead code)."""
    for node in nodes:
        if isinstance(node, If):
            if _if(node, env, guard, returns):
                return True
        elif isinstance(node, Loop) and node.kind in ("while", "loop"):
            _while(node, env, guard, returns)
        elif isinstance(node, Loop):
            _fold(node, env, guard)
        elif isinstance(node, Simple):
            if _simple(node, env, guard, returns):
                return True
        else:
            raise Unsupported("a nested block")
    return False


def _with_cursor_loops(nodes: list[Node], env: Env) -> list[Node]:
    from tools.procedures.aggify import cursor_loops  # aggify builds on this module's Env

    return cursor_loops(nodes, env.cursors)


def _fold(loop: Loop, env: Env, guard: list[exp.Expr]) -> None:
    """A loop that folds its query's rows into variables (tools/procedures/aggify), or, in a
    routine returning a query, a WHILE / LOOP over scalar variables set before the query is
    opened (tools/procedures/recursive), which must not RETURN from inside."""
    from tools.procedures.aggify import fold_loop  # aggify builds on this module's Env

    if loop.kind in ("while", "loop"):
        returned: list[tuple[exp.Expr | None, exp.Expr]] = []
        _while(loop, env, guard, returned)
        if returned:
            raise Unsupported("a RETURN inside a WHILE loop of a routine that returns a query")
        return
    fold_loop(loop, env, guard)


def _while(loop: Loop, env: Env, guard: list[exp.Expr],
           returns: list[tuple[exp.Expr | None, exp.Expr]]) -> None:
    """A WHILE loop (or LOOP ... EXIT WHEN) over scalar variables, as a recursive CTE
    (tools/procedures/recursive)."""
    from tools.procedures.recursive import recursive_while  # builds on this module's Env

    recursive_while(loop, env, guard, returns, _walk, env.result_type)


def _no_after_loop_read(tree: exp.Expr) -> None:
    from tools.procedures.aggify import after_loop_read

    name = after_loop_read(tree)
    if name is not None:
        raise Unsupported(f"reads {name} after the loop that set it per row (the last row's "
                          f"value has no aggregate form)")


def _if(node: If, env: Env, guard: list[exp.Expr],
        returns: list[tuple[exp.Expr | None, exp.Expr]]) -> bool:
    conditions = [is_true(env.expr(cond)) for cond, _ in node.branches]
    always = True
    for at, (_, body) in enumerate(node.branches):
        branch = [*guard, *[exp.not_(c.copy()) for c in conditions[:at]], conditions[at]]
        always &= _walk(body, env, branch, returns)
    otherwise = [*guard, *[exp.not_(c.copy()) for c in conditions]]
    return _walk(node.otherwise, env, otherwise, returns) and always and bool(node.otherwise)


def _simple(node: Simple, env: Env, guard: list[exp.Expr],
            returns: list[tuple[exp.Expr | None, exp.Expr]]) -> bool:
    text = node.text.rstrip(";").strip()
    if node.head == "RETURN":
        rest = text[len("return"):].strip()
        if not rest or rest.upper().startswith(("QUERY", "NEXT")):
            raise Unsupported(f"{text[:40]!r} returns rows, not a value")
        returns.append((guarded(guard), env.expr(rest)))
        return not guard
    if node.head == "NULL":
        return False
    if node.head == "SELECT":
        env.select_into(text, guard)
        if env.not_found is not None:  # the handler returns where no row came
            returns.append((guarded([*guard, exp.not_(env.values["found"].copy())]),
                            env.not_found.copy()))
        return False
    match = _ASSIGN.match(text)
    if match:
        env.assign(match.group(1), env.expr(match.group(2)), guard)
        return False
    raise Unsupported(f"{node.head} statement ({text[:50]!r}) has no expression form")


@dataclass
class Inlined:
    """A function ready to be expanded where it is called."""

    routine: Routine
    expression: exp.Expr
    padding: int | None = None
    """returned_padding(routine): the width PostgreSQL pads a shown result to."""


def expand_calls(tree: exp.Expr, functions: Mapping[str, Inlined], depth: int = 0) -> int:
    """Replace each call of an inlined function in `tree` by its expression with the call's
    arguments in place of the parameters; returns how many calls were expanded."""
    if depth > 8:
        raise Unsupported("functions call each other more than 8 deep")
    count = 0
    # deepest first: a call among another call's arguments is expanded before that call copies
    # its arguments into its body (the copy would keep the inner call unexpanded)
    for call in reversed(list(tree.find_all(exp.Anonymous))):
        found = functions.get(str(call.this).lower())
        if found is None:
            continue
        params = found.routine.params
        args = list(call.expressions)
        if len(args) > len(params):
            raise Unsupported(f"{found.routine.name} is called with {len(args)} arguments")
        values = {p.name: (args[i] if i < len(args) else
                           exp.maybe_parse(p.default or "NULL", dialect="postgres"))
                  for i, p in enumerate(params)}
        # in parentheses: a body that is itself a call (`RETURN other(x)`) is then a child,
        # which replace() can swap (a root node has no parent to be replaced in)
        body = exp.paren(found.expression.copy(), copy=False)
        count += expand_calls(body, functions, depth + 1)
        for column in list(body.find_all(exp.Column)):
            for name, value in values.items():
                if not column.table and column.name == PARAM.format(name):
                    column.replace(exp.paren(value.copy(), copy=False))
        call.replace(body)
        count += 1
    return count


_OPEN_FOR = re.compile(r"(?is)^open\s+([A-Za-z_]\w*)\s+for\s+(.+)$")


def inline_query(routine: Routine, dialect: str = "postgres",
                 tables: Mapping[str, Any] | None = None) -> exp.Expr:
    """The query a routine hands back (`OPEN c FOR q; RETURN c;` or `RETURN QUERY q`), its
    variables replaced by the expressions they hold: one query over the parameters.

    Under an IF chain each branch's query is kept where its branch's condition holds, and the
    branches are glued with UNION ALL (the conditions exclude each other, so at most one
    contributes rows). A branch that raises an exception contributes no rows: PostgreSQL
    fails the call there, which a query cannot do; the proof runs the original, so such an
    invocation is reported unproven, never at parity."""
    if routine.language not in PROCEDURAL:
        raise Unsupported(f"language {routine.language}")
    try:
        body = read_routine(routine)
        env = new_env(routine, dialect, tables)
    except NotStructured as exc:
        raise Unsupported(str(exc)) from exc
    walk = _QueryWalk(env, (routine.returns or '').strip().upper().startswith(
        ('SETOF', 'TABLE')))
    walk.run(_with_cursor_loops(body.statements, env), [])
    if walk.result is None and walk.returned:
        walk.result = walk.returned  # the body's end returns what RETURN QUERY gave
    if walk.result is None:
        raise Unsupported("no query is returned")
    parts = walk.result
    for _, query in parts:
        _no_after_loop_read(query)
    if len(parts) == 1 and parts[0][0] is None:
        return parts[0][1]
    branches = [exp.select("*").from_(exp.Subquery(
        this=query, alias=exp.TableAlias(this=exp.to_identifier(f"cutover_branch_{at}"))))
        .where(condition if condition is not None else exp.true())
        for at, (condition, query) in enumerate(parts)]
    out: exp.Expr = branches[0]
    for branch in branches[1:]:
        out = exp.union(out, branch, distinct=False)
    return out


class _QueryWalk:
    """inline_query's walk: the queries opened or returned, each with the condition of the
    branch it is in (None: always)."""

    def __init__(self, env: Env, set_returning: bool = False) -> None:
        self.env = env
        self.set_returning = set_returning
        """RETURNS SETOF / TABLE: a bare RETURN ends it with the rows handed back so far."""
        self.opened: dict[str, list[tuple[exp.Expr | None, exp.Expr]]] = {}
        self.returned: list[tuple[exp.Expr | None, exp.Expr]] = []
        self.result: list[tuple[exp.Expr | None, exp.Expr]] | None = None
        self.not_stopped: list[exp.Expr] = []
        """NOT of each condition under which a bare RETURN ended a set-returning function
        early: every statement after it runs under these too."""

    def run(self, nodes: list[Node], guard: list[exp.Expr]) -> None:
        for node in nodes:
            if self.result is not None:
                return  # after the final RETURN: dead code
            # past a conditional bare RETURN, a statement runs only where it did not return
            here = [*guard, *[n for n in self.not_stopped if not any(n is g for g in guard)]]
            if isinstance(node, If):
                conditions = [is_true(self.env.expr(c)) for c, _ in node.branches]
                for at, (_, branch) in enumerate(node.branches):
                    self.run(branch, [*here, *[exp.not_(c.copy()) for c in conditions[:at]],
                                      conditions[at]])
                self.run(node.otherwise, [*here, *[exp.not_(c.copy()) for c in conditions]])
            elif isinstance(node, Simple):
                self.simple(node, here)
            elif isinstance(node, Loop):
                self.loop(node, here)
            else:
                raise Unsupported("a nested block")

    def loop(self, node: Loop, guard: list[exp.Expr]) -> None:
        """A loop returning rows per row is one query (loopwrites); any other, a fold."""
        from tools.procedures.loopwrites import emits_per_row, emitted_rows  # builds on Env

        if not emits_per_row(node):
            _fold(node, self.env, guard)
            return
        self.returned.append((guarded(guard), emitted_rows(node, self.env, self.env.dialect)))

    def simple(self, node: Simple, guard: list[exp.Expr]) -> None:
        text = node.text.rstrip(";").strip()
        match = _OPEN_FOR.match(text)
        if match:
            self.opened.setdefault(match.group(1).lower(), []).append(
                (guarded(guard), parse_query(self.env, match.group(2))))
        elif node.head == "RAISE":
            words = text.split()
            if len(words) > 1 and words[1].upper() not in ("EXCEPTION", "SQLSTATE") and \
                    not words[1].startswith("'"):
                return  # NOTICE / INFO / ...: a message, no rows
            # an exception: the call fails under `guard`, no rows come from this branch
        elif node.head == "RETURN":
            rest = text[len("return"):].strip()
            if rest.upper().startswith("QUERY"):
                query = parse_query(self.env, rest[len("query"):])
                mismatch = type_mismatch(query, self.env.returns)
                if mismatch:
                    raise Unsupported(mismatch)
                self.returned.append((guarded(guard), query))
                return
            branch = [g for g in guard if not any(g is n for n in self.not_stopped)]
            if branch and not rest and self.set_returning:
                # `IF c THEN RETURN; END IF`: the rows handed back so far are the result where
                # c holds; what follows runs only where it does not
                self.not_stopped.append(exp.not_(guarded(guard) or exp.true()))
                return
            if branch:
                raise Unsupported(f"a RETURN under a condition ({text[:40]!r})")
            if not rest:
                self.result = self.returned
            elif rest.lower() in self.opened:
                self.result = self.opened[rest.lower()]
            else:
                raise Unsupported(f"returns {rest[:40]!r}, not an opened query")
        elif not _simple(node, self.env, guard, []):
            return


def parse_query(env: Env, text: str) -> exp.Expr:
    text = re.sub(r"(?is)\binto\s+[A-Za-z_]\w*\s*(?=;?\s*$)", "", text.strip().rstrip(";"))
    try:
        tree = sqlglot.parse_one(text, read=env.dialect)
    except SqlglotError as exc:
        raise Unsupported(f"cannot parse {text[:60]!r}") from exc
    if not isinstance(tree, exp.Query):
        raise Unsupported(f"not a query: {text[:60]!r}")
    return env.substitute(tree)
