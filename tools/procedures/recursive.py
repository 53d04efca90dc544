"""A WHILE loop over scalar variables whose step depends on what it reads, as a recursive CTE
over the loop's state: one row per iteration.

    WHILE pos > 0 LOOP                       WITH RECURSIVE cutover_while_n(step, c0.., done,
      part := f(list, pos);                                                    result) AS (
      list := g(list, pos);                    SELECT 0, <each variable before the loop>,
      IF h(list, part) THEN RETURN FALSE;             FALSE, NULL
      END IF;                                  UNION ALL
      pos := k(list);                          SELECT step + 1, <each variable after one pass>,
    END LOOP;                                         <a RETURN was reached>, <its value>
                                               FROM cutover_while_n
                                               WHERE NOT done AND <the loop's condition>
                                                 AND step < BOUND)

The last row (the greatest step) is the loop's outcome: `returned` says a RETURN inside it
ended the function with `result`; otherwise each variable holds that row's value after the
loop. A plain LOOP is a WHILE TRUE; `EXIT WHEN c` as the body's first statement is part of the
loop's condition (the pass does not start), as its last statement it ends the loop after the
pass (`done` without `returned`); an EXIT anywhere else is refused.
The body is walked by the same code as a function's body (tools/procedures/inline.py), with
each variable it sets read from the previous row, so assignments, IF / ELSIF / ELSE and
RETURN mean what they mean outside a loop, in PL/pgSQL's order, with its NULLs (a NULL
condition ends the loop, as WHILE does). Only loops whose body is those statements are
rewritten: a query's rows (FOR / cursor loops) are aggify's, a counter stepping by a constant
is counted.py's, anything else (a nested loop, an EXIT mid-body, a write, dynamic SQL) stays
unsupported with the reason.

A loop that has not ended after BOUND passes does not spin: the model raises an error there
(checks.fails), so it can never agree with the original by stopping early.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Callable
from dataclasses import replace

from sqlglot import exp
from sqlglot.errors import SqlglotError

from tools.procedures.checks import fails
from tools.procedures.inline import SELECT_INTO, Env, Unsupported, cast_to, guarded, is_true
from tools.procedures.plpgsql import If, Loop, Node, Simple

BOUND = 10_000
"""Passes a rewritten WHILE loop may make before the model fails instead of stopping."""

_ASSIGN = re.compile(r"(?is)^([A-Za-z_]\w*)\s*(?::=|=)\s*(.+)$")  # as inline._ASSIGN
_EXIT = re.compile(r"(?is)^exit(?:\s+when\s+(.+))?$")
_STEP, _DONE, _RETURNED, _RESULT = "step", "done", "returned", "result"
_names = itertools.count(1)

Returns = list[tuple[exp.Expr | None, exp.Expr]]
Walk = Callable[[list[Node], Env, list[exp.Expr], Returns], bool]


def _set_in(nodes: list[Node]) -> list[str]:
    """The variables the body assigns, in order of first assignment; Unsupported for a
    statement that is not an assignment, SELECT INTO, RETURN, NULL or an IF of those."""
    out: list[str] = []
    for node in nodes:
        if isinstance(node, If):
            for _, branch in node.branches:
                out += [n for n in _set_in(branch) if n not in out]
            out += [n for n in _set_in(node.otherwise) if n not in out]
        elif isinstance(node, Simple):
            text = node.text.rstrip(";").strip()
            match = _ASSIGN.match(text)
            if match:
                if match.group(1).lower() not in out:
                    out.append(match.group(1).lower())
            elif node.head == "SELECT" and (into := SELECT_INTO.match(text)) is not None:
                # SELECT INTO sets its variables and FOUND (inline.Env.select_into)
                for name in [*(n.strip().lower() for n in into.group(2).split(",")), "found"]:
                    if name not in out:
                        out.append(name)
            elif node.head == "RETURN":
                rest = text[len("return"):].strip()
                if not rest or rest.upper().startswith(("QUERY", "NEXT")):
                    raise Unsupported(f"a WHILE loop that {text[:30]!r} hands back rows, "
                                      f"not a value, runs row by row")
            elif node.head != "NULL":
                raise Unsupported(f"a WHILE loop whose body runs {node.head} "
                                  f"({text[:40]!r}) runs row by row: only assignments, "
                                  f"SELECT INTO, IF and RETURN have a recursive form")
        else:
            raise Unsupported("a WHILE loop with a loop or block inside runs row by row")
    return out


def _exit(node: Node) -> str | None:
    """The condition of `EXIT WHEN c` ('true' for a bare EXIT), None for any other node."""
    if not isinstance(node, Simple) or node.head != "EXIT":
        return None
    match = _EXIT.match(node.text.rstrip(";").strip())
    if match is None:
        raise Unsupported(f"{node.text.strip()[:40]!r} (an EXIT naming a label) runs row by row")
    return match.group(1) or "true"


def _typed(value: exp.Expr, declared: str | None, dialect: str) -> exp.Expr:
    """The value as a column of the variable's declared type: a recursive CTE's columns
    take the first row's types (a NULL there would type a text column as NULL)."""
    if not declared:
        return value
    try:
        return exp.cast(value, exp.DataType.build(declared.strip(), dialect=dialect))
    except (SqlglotError, ValueError):
        return value


def recursive_while(loop: Loop, env: Env, guard: list[exp.Expr], returns: Returns,
                    walk: Walk, result_type: str | None) -> None:
    """Apply the WHILE loop to `env` (each variable it sets holds its value after the loop)
    and add to `returns` the RETURN it may end the function with. `walk` runs statements
    as a function body does (inline._walk); `result_type`: the function's return type."""
    if loop.kind not in ("while", "loop"):
        raise Unsupported(f"a {loop.kind.upper()} loop runs row by row (it walks no query)")
    body = list(loop.body)
    first = _exit(body[0]) if body else None
    if first is not None:
        body = body[1:]
    last_exit = _exit(body[-1]) if body else None
    if last_exit is not None:
        body = body[:-1]
    state = _set_in(body)
    unknown = [n for n in state if n not in env.values]
    if unknown:
        raise Unsupported(f"the WHILE loop assigns {unknown[0]}, which is not a variable")
    if not state:
        raise Unsupported("a WHILE loop that sets no variable either never runs or never ends")
    if loop.kind == "loop" and first is None and last_exit is None and not _returns(body):
        raise Unsupported("a LOOP with no EXIT and no RETURN never ends")
    name = f"cutover_while_{next(_names)}"
    columns = [f"c{i}" for i in range(len(state))]
    types = {**env.param_types, **env.types}

    def column(col: str) -> exp.Column:
        return exp.column(col, name)

    # one pass of the body, each variable it sets read from the previous row, as its declared
    # numeric type (what makes `n / 10` PostgreSQL's integer division on the target: the
    # translation types a CTE's column only through such a cast)
    row = replace(env, values={**env.values, **{
        v: cast_to(types.get(v), column(c), env.dialect) for v, c in zip(
            state, columns, strict=True)}})
    condition = is_true(row.expr(loop.header if loop.kind == "while" else "true"))
    if first is not None:  # `EXIT WHEN c` first: the pass starts only where c is not true
        condition = exp.and_(condition, exp.not_(is_true(row.expr(first))))
    passed: Returns = []
    walk(body, row, [], passed)
    returned = exp.or_(*[c.copy() if c is not None else exp.true() for c, _ in passed]) \
        if passed else exp.false()
    # `EXIT WHEN c` last: read after the pass, with what the pass set
    ended = exp.or_(returned.copy(), is_true(row.expr(last_exit))) if last_exit is not None \
        else returned.copy()
    result: exp.Expr = exp.Case(ifs=[exp.If(this=c.copy() if c is not None else exp.true(),
                                            true=v.copy()) for c, v in passed]) \
        if passed else exp.null()
    anchor = exp.select(exp.Literal.number(0), *[
        _typed(env.values[v].copy(), types.get(v), env.dialect) for v in state],
        exp.false(), exp.false(), _typed(exp.null(), result_type, env.dialect))
    # the loop runs only where the function reaches it: under its guard, and past no RETURN
    # before it. A query computes the CTE for every call all the same (a CASE does not stop
    # a subquery), so without this a loop the original never enters could spin to the bound
    reached = [*[g.copy() for g in guard], *[exp.not_(c.copy()) for c, _ in returns
                                             if c is not None]]
    following = exp.select(
        exp.Add(this=column(_STEP), expression=exp.Literal.number(1)),
        *[_typed(row.values[v].copy(), types.get(v), env.dialect) for v in state],
        ended, returned, _typed(result, result_type, env.dialect)).from_(name).where(exp.and_(
            exp.not_(column(_DONE)), *reached, condition.copy(),
            exp.LT(this=column(_STEP), expression=exp.Literal.number(BOUND))))
    cte = exp.CTE(this=exp.union(anchor, following, distinct=False), alias=exp.TableAlias(
        this=exp.to_identifier(name), columns=[exp.to_identifier(c) for c in [
            _STEP, *columns, _DONE, _RETURNED, _RESULT]]))
    # the loop still wanting another pass at the bound: an error, not a result
    spinning = exp.and_(exp.GTE(this=column(_STEP), expression=exp.Literal.number(BOUND)),
                        exp.not_(column(_DONE)), condition.copy())
    message = (f"a WHILE loop ends within {BOUND} passes (the rewrite stops there; the "
               f"original would go on)")

    def last(value: exp.Expr) -> exp.Expr:
        """`value` on the loop's last row (an error if the loop would go on)."""
        checked = exp.Case(ifs=[exp.If(this=spinning.copy(), true=fails(message))],
                           default=value)
        query = exp.select(checked).from_(name).order_by(
            exp.Ordered(this=column(_STEP), desc=True)).limit(1)
        query.set("with_", exp.With(expressions=[cte.copy()], recursive=True))
        return exp.Subquery(this=query)

    if passed:
        before = guarded(guard)
        came_back = last(column(_RETURNED))
        returns.append((exp.and_(before, came_back) if before is not None else came_back,
                        last(column(_RESULT))))
    for variable, col in zip(state, columns, strict=True):
        env.assign(variable, last(column(col)), guard)


def _returns(nodes: list[Node]) -> bool:
    """Whether any statement, inside IFs too, is a RETURN."""
    for node in nodes:
        if isinstance(node, Simple) and node.head == "RETURN":
            return True
        if isinstance(node, If) and (any(_returns(b) for _, b in node.branches)
                                     or _returns(node.otherwise)):
            return True
    return False
