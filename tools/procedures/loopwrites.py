"""A loop that writes once per row of its query, as the one set-based statement it amounts to
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
(PostgreSQL's cursor keeps the snapshot it was opened on).
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Collection
from dataclasses import replace

import sqlglot
from sqlglot import exp
from sqlglot.errors import SqlglotError

from tools.procedures.aggify import AFTER_LOOP
from tools.procedures.inline import Env, Unsupported, cast_to, parse_query
from tools.procedures.plpgsql import Loop, Simple

_ASSIGN = re.compile(r"(?is)^([A-Za-z_]\w*)\s*:=\s*(.+)$")
_FOR = re.compile(r"(?is)^([A-Za-z_]\w*(?:\s*,\s*[A-Za-z_]\w*)*)\s+in\s+(.+)$")
_WRITES = ("INSERT", "UPDATE", "DELETE")
_aliases = itertools.count(1)


def writes_per_row(loop: Loop) -> bool:
    """Whether the loop's body writes a table (then it is this module's, not a fold)."""
    return any(isinstance(n, Simple) and n.head in _WRITES for n in loop.body)


def _tables(tree: exp.Expr) -> set[str]:
    return {t.name.lower() for t in tree.find_all(exp.Table)}


def set_based_write(loop: Loop, env: Env, dialect: str, params: Collection[str]) -> exp.Expr:
    """The loop as one INSERT / UPDATE / DELETE over its query (variables substituted; the
    caller binds the tables and parameters, and applies its guard)."""
    if loop.kind not in ("for", "cursor"):
        raise Unsupported(f"a {loop.kind.upper()} loop that writes runs row by row")
    match = _FOR.match(loop.header)
    if match is None or re.match(r"(?s)^\s*-?\d", match.group(2)):
        raise Unsupported(f"a FOR loop over {loop.header[:40]!r} writes row by row")
    variables = [v.strip().lower() for v in match.group(1).split(",")]
    query_text = match.group(2).strip()
    while query_text.startswith("(") and query_text.endswith(")"):
        query_text = query_text[1:-1].strip()
    query = parse_query(env, query_text)
    if any(isinstance(s, exp.Star) or (isinstance(s, exp.Column) and s.is_star)
           for s in query.selects) or len(query.selects) != len(variables):
        raise Unsupported("a loop that writes per row over a record (SELECT *) or a query "
                          "whose columns do not match its variables runs row by row")
    alias = f"cutover_rows_{next(_aliases)}"
    columns = [f"c{i}" for i in range(len(variables))]
    row = {v: cast_to(env.types.get(v), exp.column(c, alias), dialect)
           for v, c in zip(variables, columns, strict=True)}
    write: exp.Expr | None = None
    for node in loop.body:
        if not isinstance(node, Simple):
            raise Unsupported("a loop that writes under IF or in a nested loop runs row by row")
        text = node.text.rstrip(";").strip()
        if node.head == "NULL" or (node.head == "RAISE" and text.split()[1].upper() in (
                "NOTICE", "INFO", "DEBUG", "LOG")):
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
    for name in row:  # after the loop they hold the last row's values: no set-based form
        if name in env.values:
            env.values[name] = exp.Anonymous(this=AFTER_LOOP,
                                             expressions=[exp.Literal.string(name)])
    relation = exp.Subquery(this=query, alias=exp.TableAlias(
        this=exp.to_identifier(alias), columns=[exp.to_identifier(c) for c in columns]))
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
