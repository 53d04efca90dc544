"""A WHILE loop that only counts — `WHILE v <= e LOOP ...; v := v + step; END LOOP` — as the
series of values v takes, so a table function returning a row per step is one query over it:

    WHILE d <= last LOOP r := (d, f(d)); RETURN NEXT r; d := (d + interval '1 day')::date; END LOOP
        -> SELECT CAST(s AS date), f(CAST(s AS date))
           FROM generate_series(CAST(d AS timestamp), CAST(last AS timestamp), interval '1 day') s

Exact only for the shape checked here, never assumed: the step is the body's last statement and
the only one setting v; it adds a constant (a positive integer, or an interval cast back to a
date or timestamp, which is what makes each value's type known); the condition compares v with
`<=` or `<` to a bound nothing in the body sets (so the bound is read once, as the loop reads
it each time to the same value). generate_series stops past the bound as the loop does, gives
no row when v starts past it, and none for a NULL start or bound, where the loop's condition is
NULL and it does not run either. Each row is filtered by the loop's own condition too (`<`
excludes the bound the series includes).
"""

from __future__ import annotations

import itertools
import re
from dataclasses import dataclass

import sqlglot
from sqlglot import exp
from sqlglot.errors import SqlglotError

from tools.procedures.inline import Env, Unsupported
from tools.procedures.plpgsql import Loop, Node, Simple

_ASSIGN = re.compile(r"(?is)^([A-Za-z_]\w*)\s*:=\s*(.+)$")
_aliases = itertools.count(1)


def _unwrap(tree: exp.Expr) -> exp.Expr:
    while isinstance(tree, exp.Paren):
        tree = tree.this
    return tree


def _step(node: Node, env: Env) -> tuple[str, exp.Expr, exp.DataType | None]:
    """(counter, constant step, the type the step casts back to) of `v := (v + step)[::T]`."""
    text = node.text.rstrip(";").strip() if isinstance(node, Simple) else ""
    match = _ASSIGN.match(text)
    if match is None:
        raise Unsupported("a WHILE loop whose last statement does not step its counter runs "
                          "row by row")
    counter = match.group(1).lower()
    value = _unwrap(_parse(match.group(2), env))
    cast_to = None
    if isinstance(value, exp.Cast):
        cast_to, value = value.to, _unwrap(value.this)
    added = _unwrap(value.this) if isinstance(value, exp.Add) else None
    if not (isinstance(added, exp.Column) and added.name.lower() == counter
            and not added.table):
        raise Unsupported(f"a WHILE loop stepping {counter} by {match.group(2)[:40]!r} "
                          f"(not {counter} + a constant) runs row by row")
    step = _unwrap(value.expression)
    if isinstance(step, exp.Interval) and step.this is not None and step.this.is_string:
        if cast_to is None or not cast_to.is_type(exp.DataType.Type.DATE,
                                                  exp.DataType.Type.TIMESTAMP):
            raise Unsupported(f"a WHILE loop stepping {counter} by an interval without a cast "
                              f"back to a date or timestamp runs row by row")
    elif not (isinstance(step, exp.Literal) and step.is_int and int(step.this) > 0):
        raise Unsupported(f"a WHILE loop stepping {counter} by {step.sql()[:30]!r} (not a "
                          f"positive integer or an interval) runs row by row")
    return counter, step, cast_to


@dataclass
class CountedLoop:
    relation: exp.Table
    """`generate_series(start, bound, step) AS cutover_series_n(c0)`."""
    row: dict[str, exp.Expr]
    """The counter -> the value it holds in each row of the relation."""
    condition: exp.Expr
    """The loop's condition over that value: each row must meet it."""
    body: list[Node]
    """The body without its step."""


def counted_rows(loop: Loop, env: Env) -> CountedLoop:
    """The counting loop as a series (or Unsupported, with the reason)."""
    if loop.kind != "while" or not loop.body:
        raise Unsupported(f"a {loop.kind.upper()} loop runs row by row (it walks no query)")
    counter, step, cast_type = _step(loop.body[-1], env)
    body = loop.body[:-1]
    if counter not in env.values:
        raise Unsupported(f"the loop counts {counter}, which is not a variable")
    set_in_body = {m.group(1).lower() for node in body if isinstance(node, Simple)
                   and (m := _ASSIGN.match(node.text.rstrip(";").strip()))}
    if counter in set_in_body:
        raise Unsupported(f"the loop sets its counter {counter} twice per step: row by row")
    condition = _unwrap(_parse(loop.header, env))
    if not (isinstance(condition, exp.LTE | exp.LT) and isinstance(condition.this, exp.Column)
            and condition.this.name.lower() == counter and not condition.this.table):
        raise Unsupported(f"a WHILE loop on {loop.header[:40]!r} (not {counter} <= / < a bound) "
                          f"runs row by row")
    bound = condition.expression
    if {c.name.lower() for c in bound.find_all(exp.Column) if not c.table} & (
            set_in_body | {counter}):
        raise Unsupported(f"the loop's bound {bound.sql()[:40]!r} changes inside the loop: "
                          f"row by row")
    alias = f"cutover_series_{next(_aliases)}"
    start, end = env.substitute(exp.column(counter)), env.substitute(bound.copy())
    value: exp.Expr = exp.column("c0", alias)
    if cast_type is not None:  # a date counter: the series runs over timestamps, cast back
        timestamp = exp.DataType.build("timestamp")
        start, end = exp.cast(start, timestamp), exp.cast(end, timestamp)
        value = exp.cast(value, cast_type.copy())
    relation = exp.Table(this=exp.Anonymous(this="generate_series",
                                            expressions=[start, end, step.copy()]),
                         alias=exp.TableAlias(this=exp.to_identifier(alias),
                                              columns=[exp.to_identifier("c0")]))
    kept = condition.__class__(this=value.copy(), expression=exp.cast(
        env.substitute(bound.copy()), cast_type.copy()) if cast_type is not None
        else env.substitute(bound.copy()))
    return CountedLoop(relation, {counter: value}, kept, body)


def _parse(text: str, env: Env) -> exp.Expr:
    try:
        tree = sqlglot.parse_one(f"SELECT {text}", read=env.dialect)
    except SqlglotError as exc:
        raise Unsupported(f"cannot parse {text[:60]!r}") from exc
    if not isinstance(tree, exp.Select) or len(tree.expressions) != 1:
        raise Unsupported(f"not one expression: {text.strip()[:60]!r}")
    return tree.expressions[0]
