"""A loop that writes or returns rows once per row of its query, as the one set-based statement
it amounts to
(the Aggify paper's other half: a cursor loop of DML is a DML over the cursor's query):

    FOR a, b IN (q) LOOP [x := e(row); ...] INSERT INTO t (c) VALUES (f(row)); END LOOP
        -> INSERT INTO t (c) SELECT f(row) FROM (q) AS rows(a, b)
    ... UPDATE t SET c = k WHERE p(row, t) ...
        -> UPDATE t SET c = k WHERE EXISTS (SELECT FROM (q) AS rows WHERE p(row, t))
    ... DELETE FROM t WHERE p(row, t) ...
        -> DELETE FROM t WHERE EXISTS (SELECT FROM (q) AS rows WHERE p(row, t))

Exact only where the order of the rows cannot matter, which is checked, not assumed: one
write in the body; the UPDATE sets values that read neither the row nor the table (setting
them twice is setting them once); nothing the body computes reads the table it writes (a
later row would see an earlier row's write); the loop's query is read once, before the loop
(PostgreSQL's cursor keeps the snapshot it was opened on). A table function's loop that
returns rows per row (RETURN NEXT / RETURN QUERY) is likewise one query over the loop's
(`emitted_rows`).
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Collection
from dataclasses import replace

import sqlglot
from sqlglot import exp
from sqlglot.errors import SqlglotError

from tools.procedures.aggify import AFTER_LOOP, carried_state, walked_query
from tools.procedures.counted import counted_rows
from tools.procedures.inline import Env, Unsupported, cast_to, is_true, parse_query
from tools.procedures.plpgsql import If, Loop, Node, Simple
from tools.procedures.returnquery import type_mismatch

_ASSIGN = re.compile(r"(?is)^([A-Za-z_]\w*)\s*:=\s*(.+)$")
_WRITES = ("INSERT", "UPDATE", "DELETE")
_aliases = itertools.count(1)


def writes_per_row(loop: Loop) -> bool:
    """Whether the loop's body writes a table (then it is this module's, not a fold)."""
    return any(isinstance(n, Simple) and n.head in _WRITES for n in loop.body)


def _tables(tree: exp.Expr) -> set[str]:
    return {t.name.lower() for t in tree.find_all(exp.Table)}


def _loop_rows(loop: Loop, env: Env, dialect: str, does: str
               ) -> tuple[exp.Subquery, dict[str, exp.Expr]]:
    """The loop's query as a relation `cutover_rows_n(c0, c1, ...)`, and each loop variable
    as the column (cast to its declared type) it holds per row."""
    variables, query, _ = walked_query(loop, env, does)
    if not isinstance(query, exp.Select):
        raise Unsupported(f"a loop that {does} over a set operation runs row by row")
    if len(query.selects) > len(variables) and not query.args.get("distinct") and not any(
            isinstance(s, exp.Star) for s in query.selects):
        # PL/pgSQL assigns a row's first columns to the loop's variables and drops the rest
        query.set("expressions", query.expressions[:len(variables)])
    if any(isinstance(s, exp.Star) or (isinstance(s, exp.Column) and s.is_star)
           for s in query.selects) or len(query.selects) != len(variables):
        raise Unsupported(f"a loop that {does} per row over a record (SELECT *) or a query "
                          f"whose columns do not match its variables runs row by row")
    alias = f"cutover_rows_{next(_aliases)}"
    columns = [f"c{i}" for i in range(len(variables))]
    row = {v: cast_to(env.types.get(v), exp.column(c, alias), dialect)
           for v, c in zip(variables, columns, strict=True)}
    relation = exp.Subquery(this=query, alias=exp.TableAlias(
        this=exp.to_identifier(alias), columns=[exp.to_identifier(c) for c in columns]))
    return relation, row


def _no_state(loop: Loop) -> None:
    state = carried_state(loop.body)
    if state:
        raise Unsupported(f"the loop carries {sorted(state)[0]} from one row to the next: "
                          f"its rows are not independent")


def _forget(env: Env, row: dict[str, exp.Expr]) -> None:
    """After the loop its variables hold the last row's values: no set-based form."""
    for name in row:
        if name in env.values:
            env.values[name] = exp.Anonymous(this=AFTER_LOOP,
                                             expressions=[exp.Literal.string(name)])


def _message(node: Simple) -> bool:
    words = node.text.rstrip(";").split()
    return node.head == "NULL" or (node.head == "RAISE" and len(words) > 1 and words[1].upper()
                                   in ("NOTICE", "INFO", "DEBUG", "LOG"))


def emits_per_row(loop: Loop) -> bool:
    """Whether the loop hands back rows (RETURN NEXT / RETURN QUERY inside it)."""
    def walk(nodes: list[Node]) -> bool:
        return any((isinstance(n, Simple) and n.head == "RETURN" and n.text.split()[1:2] and
                    n.text.split()[1].upper() in ("NEXT", "QUERY"))
                   or (isinstance(n, If) and (any(walk(b) for _, b in n.branches)
                                              or walk(n.otherwise))) for n in nodes)
    return walk(loop.body)


def emitted_rows(loop: Loop, env: Env, dialect: str) -> exp.Query:
    """A loop that hands back rows per row of its query (`RETURN QUERY SELECT f(row)` or
    `r := (f(row), ...)::type; RETURN NEXT r`, under IFs): one query giving all of them,
    each IF a condition on the rows. The rows come back in no order, as a set compares."""
    relation: exp.Expr
    first: list[exp.Expr] = []
    if loop.kind == "while":  # a loop that only counts: one row per value of its counter
        counted = counted_rows(loop, env)
        relation, row, statements, first = (counted.relation, counted.row, counted.body,
                                            [counted.condition])
        _no_state(Loop(loop.kind, loop.header, statements))
    else:
        relation, row = _loop_rows(loop, env, dialect, "returns rows")
        statements = loop.body
        _no_state(loop)
    emitted: list[exp.Select] = []

    def run(nodes: list[Node], where: list[exp.Expr]) -> None:
        for node in nodes:
            scope = replace(env, values={**env.values, **row})
            if isinstance(node, If):
                conditions = [is_true(scope.expr(c)) for c, _ in node.branches]
                for at, (_, body) in enumerate(node.branches):
                    run(body, [*where, *[exp.not_(c.copy()) for c in conditions[:at]],
                               conditions[at]])
                run(node.otherwise, [*where, *[exp.not_(c.copy()) for c in conditions]])
                continue
            if not isinstance(node, Simple):
                raise Unsupported("a nested loop or block inside a loop that returns rows")
            text = node.text.rstrip(";").strip()
            if _message(node):
                continue
            if node.head == "RETURN":
                emitted.append(_emitted(text, scope, relation, [*first, *where]))
                continue
            assigned = _ASSIGN.match(text)
            if assigned is None or where:
                raise Unsupported(f"the loop's statement {text[:50]!r} runs row by row")
            name = assigned.group(1).lower()
            if name not in env.values:
                raise Unsupported(f"the loop assigns {name}, which is not a declared variable")
            row[name] = cast_to(env.types.get(name), scope.expr(assigned.group(2)), dialect)

    run(statements, [])
    _forget(env, row)
    if not emitted:
        raise Unsupported("the loop returns no row")
    out: exp.Query = emitted[0]
    for more in emitted[1:]:
        out = exp.union(out, more, distinct=False)
    return out


def _emitted(text: str, scope: Env, relation: exp.Expr, where: list[exp.Expr]
             ) -> exp.Select:
    rest = text[len("return"):].strip()
    kind, _, what = rest.partition(" ")
    what = what.strip()
    while what.startswith("(") and what.endswith(")"):
        what = what[1:-1].strip()
    if kind.upper() == "QUERY":
        query = parse_query(scope, what)
        mismatch = type_mismatch(query, scope.returns)
        if mismatch:
            raise Unsupported(mismatch)
        if not isinstance(query, exp.Select) or query.args.get("from") or \
                query.args.get("from_"):
            raise Unsupported("a RETURN QUERY reading tables inside a loop runs row by row")
        items = [item.copy() for item in query.expressions]
    elif kind.upper() == "NEXT":
        value = scope.expr(what)
        while isinstance(value, exp.Paren | exp.Cast):
            value = value.this
        if not isinstance(value, exp.Tuple):
            raise Unsupported(f"RETURN NEXT {what[:30]}: not a row built in the loop")
        items = [item.copy() for item in value.expressions]
    else:
        raise Unsupported(f"a RETURN ({text[:40]!r}) inside a loop that returns rows")
    select = exp.select(*items).from_(relation.copy())
    return select.where(exp.and_(*[w.copy() for w in where])) if where else select


def set_based_write(loop: Loop, env: Env, dialect: str, params: Collection[str]) -> exp.Expr:
    """The loop as one INSERT / UPDATE / DELETE over its query (variables substituted; the
    caller binds the tables and parameters, and applies its guard)."""
    relation, row = _loop_rows(loop, env, dialect, "writes")
    _no_state(loop)
    write: exp.Expr | None = None
    for node in loop.body:
        if not isinstance(node, Simple):
            raise Unsupported("a loop that writes under IF or in a nested loop runs row by row")
        text = node.text.rstrip(";").strip()
        if _message(node):
            continue
        if node.head in _WRITES:
            if write is not None:
                raise Unsupported("a loop with two writes per row interleaves them row by row")
            try:
                write = sqlglot.parse_one(text, read=dialect)
            except SqlglotError as exc:
                raise Unsupported(f"cannot parse {text[:60]!r}") from exc
            write = replace(env, values={**env.values, **row}).substitute(write)
            continue
        assigned = _ASSIGN.match(text)
        if assigned is None or write is not None:
            raise Unsupported(f"the loop's {node.head} statement ({text[:50]!r}) runs row by row")
        name = assigned.group(1).lower()
        if name not in env.values:
            raise Unsupported(f"the loop assigns {name}, which is not a declared variable")
        value = replace(env, values={**env.values, **row}).expr(assigned.group(2))
        row[name] = cast_to(env.types.get(name), value, dialect)
    if write is None:
        raise Unsupported("the loop writes nothing")
    _forget(env, row)
    target = write.this.this if isinstance(write.this, exp.Schema) else write.this
    table = target.name.lower()
    computed = [*row.values()]
    if any(table in _tables(e) for e in computed):
        raise Unsupported(f"the loop reads {table} per row while it writes it: a later row "
                          f"would see an earlier row's write")
    if isinstance(write, exp.Insert):
        values = write.expression
        if not isinstance(values, exp.Values) or len(values.expressions) != 1:
            raise Unsupported("a loop inserting a query per row runs row by row")
        items = list(values.expressions[0].expressions)
        if any(table in _tables(i) for i in items):
            raise Unsupported(f"the inserted row reads {table}, which the loop writes")
        write.set("expression", exp.select(*items).from_(relation))
        return write
    if isinstance(write, exp.Update | exp.Delete):
        if write.args.get("from") or write.args.get("from_") or write.args.get("using"):
            raise Unsupported("a join UPDATE / DELETE per row runs row by row")
        for assignment in write.expressions:
            value = assignment.expression
            if value.find(exp.Select) or any(c.table or c.name.lower() not in params
                                             for c in value.find_all(exp.Column)):
                raise Unsupported("the loop's UPDATE sets a value that reads the row or the "
                                  "table: applied once per row, it is not applied once")
        where = write.args.get("where")
        if where is None or where.find(exp.Select):
            raise Unsupported("the loop's write has no row condition, or one with a subquery")
        matched = exp.Exists(this=exp.select(exp.Literal.number(1)).from_(relation).where(
            where.this.copy()))
        write.set("where", exp.Where(this=matched))
        return write
    raise Unsupported(f"{type(write).__name__} in a loop runs row by row")
