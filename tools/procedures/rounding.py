"""A loop adding into a fixed-point variable, `acc := acc + a(row)` with acc numeric(p, s),
rounds at every step; one SUM rounds once. The two agree under a precondition checked here.

For x a multiple of u = 10^-s (what acc holds after each step), round(x + a) = x + round(a)
unless a is a tie (exactly half a unit past u) and x + a has the other sign than a: ties round
away from zero, so the side of zero the running total is on decides. Before any term, in any
row order, the running total lies between x0 + N and x0 + P (N, P: the sums of the rounded
negative and positive terms), by induction over the terms up to the first mismatch. So the
loop gives x0 + SUM(round(a)) in every order when
    x0 + N + (the least positive tie) > 0   and   x0 + P + (the greatest negative tie) < 0
(a side with no tie holds trivially: no tie at all, or every term >= 0 from x0 >= 0, are
special cases). A NULL term makes acc NULL for good, in any order. Where the check fails, some
row order could cross zero against a tie: the model raises an error there (checks.fails)
instead of answering for one order.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Protocol

from sqlglot import exp

from tools.procedures.checks import fails
from tools.procedures.inline import cast_to


class _Folded(Protocol):
    name: str
    term: exp.Expr
    where: list[exp.Expr]
    rounds_to: str | None


def rounded_sum(fold: _Folded, rows: Callable[[list[exp.Expr]], exp.Select],
                bind: Callable[[exp.Expr], exp.Expr], before: exp.Expr, scale: int,
                dialect: str) -> exp.Expr:
    """acc's value after the loop: `before` + the sum of each term rounded to acc's type
    (`scale` decimal places), NULL when a term is NULL, an error where the row order could
    decide."""
    declared = fold.rounds_to or ""
    term = fold.term
    count_all, count_terms = exp.Count(this=exp.Star()), exp.func("COUNT", term.copy())
    total = rows(fold.where).select(exp.Case(
        ifs=[exp.If(this=exp.EQ(this=count_terms.copy(), expression=count_all.copy()),
                    true=exp.func("COALESCE", exp.func(
                        "SUM", cast_to(declared, term.copy(), dialect)),
                        exp.Literal.number(0)))]))
    # a tie: 2 * 10^s * a is an odd integer
    twice = exp.Mul(this=exp.paren(term.copy()), expression=exp.Literal.number(
        2 * 10 ** scale))
    tie = exp.EQ(this=exp.func("ABS", exp.Mod(this=twice, expression=exp.Literal.number(2))),
                 expression=exp.Literal.number(1))
    zero = exp.Literal.number(0)

    def bound(positive: bool) -> exp.Expr:
        """-(N + least positive tie), or -(P + greatest negative tie): `before` must be
        above the first and below the second. NULL (no check) with no such tie, or a NULL
        term (the result is NULL in any order)."""
        side = (exp.LT if positive else exp.GT)(this=term.copy(), expression=zero.copy())
        rounded = exp.func("SUM", exp.Case(ifs=[exp.If(this=side, true=cast_to(
            declared, term.copy(), dialect))], default=zero.copy()))
        tied = exp.Case(ifs=[exp.If(this=exp.and_(tie.copy(), (exp.GT if positive else exp.LT)(
            this=term.copy(), expression=zero.copy())), true=term.copy())])
        nearest = exp.func("MIN" if positive else "MAX", tied)
        return bind(exp.Subquery(this=rows(fold.where).select(exp.Case(
            ifs=[exp.If(this=exp.LT(this=count_terms.copy(), expression=count_all.copy()),
                        true=exp.null())],
            default=exp.Neg(this=exp.paren(exp.Add(this=rounded, expression=nearest)))))))

    prior = exp.paren(before)
    holds = exp.and_(
        exp.func("COALESCE", exp.GT(this=prior.copy(), expression=bound(True)), exp.true()),
        exp.func("COALESCE", exp.LT(this=prior.copy(), expression=bound(False)), exp.true()))
    message = (f"{fold.name} ({declared}) rounds at each step of the loop, which equals the "
               f"sum of each term rounded as long as no running total, in any row order, "
               f"can cross zero against a tie (a term ending in exactly half a unit)")
    return exp.Case(ifs=[exp.If(this=holds, true=exp.Add(
        this=prior, expression=bind(exp.Subquery(this=total))))], default=fails(message))
