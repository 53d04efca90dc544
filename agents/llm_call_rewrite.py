"""One function call the target refused, asked of the LLM on its own and put back in place.

A translation that calls a function the target lacks (MySQL's SUBSTRING_INDEX, CONV or
PERIOD_ADD on DuckDB) is wrong in one place. Asked to repair the whole query, a small model
mostly copies the query it was shown (measured on Qwen2.5-Coder-1.5B: 19 of 28 second answers
were the first one again). Asked for one expression — this call, these column types, the
source engine's documentation of the function, the target functions that may serve — it
answers in a third of the tokens and far more often right (`CONV(qty, 10, 2)` → `bin(qty)`).

This module finds that call (the outermost refused call around the one the error names, so
TIME_FORMAT(SEC_TO_TIME(x)) is asked for whole), puts the model's expression in its place in the
translation, and vets each answer before the turn ends: an answer that still calls the refused
function, repeats an earlier one or does not compile on the target is answered at once, in the
same conversation, with what is wrong. An answer the target refuses but that reads as
source-dialect SQL is translated first (small models slip into the source's spelling). The data
still decides: the full query goes through the compiler-checker and the differ like any
candidate.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from typing import Any

import sqlglot
from sqlglot import exp

from agents import llm_context, llm_functions
from agents.llm import normalise_sql
from agents.source_translation import translate_sql
from graph.context import Context
from graph.state import ObjectState
from tools.errors import CutoverError
from tools.llm_tools import ERROR_PREFIX
from tools.records import Attempt

ORIGIN = "llm-function"
"""Attempt origin of a candidate made by rewriting one refused call."""
_REASON_MARK = " rewritten as "
_MAX_TRIED = 4
_EXAMPLES = 4


@dataclass(frozen=True)
class RefusedCall:
    """A call the target refused, in the attempt whose SQL holds it."""

    name: str
    """The function's name as the error gives it, upper-case (SUBSTRING_INDEX)."""
    names: tuple[str, ...]
    """Every refused function inside the call (outermost first), lower-case."""
    attempt: int
    sql: str
    """The attempt's SQL (target dialect), where the call is replaced."""
    ordinal: int
    """Which exp.Func of the parsed SQL (in find_all order) is the call."""
    target_text: str
    source_text: str | None
    """The same call in the original, when it can be found there."""
    error: str
    columns: list[str] = field(default_factory=list)
    """"name type" of each column the call reads."""
    from_sql: str = ""
    """The FROM clause of the SELECT holding the call (for the answer's shape)."""
    forbidden: tuple[str, ...] = ()
    """Those of `names` the target has no function of at all (an answer may not call them);
    a function it has, refused for its argument types (chr(BIGINT)), may be called again."""


# ------------------------------------------------------------------------------ finding
def refused_call(ctx: Context, state: ObjectState) -> RefusedCall | None:
    """The call to ask for: in the latest attempt that failed to compile because the target
    lacks a function (or cannot bind it to these argument types), None when there is none."""
    for attempt in reversed(state["attempts"]):
        names = llm_functions.missing_functions([attempt])
        if not names or attempt["origin"] == ORIGIN:
            continue
        found = _locate(ctx, attempt, names[0])
        if found is not None:
            return _described(ctx, state, found)
    return None


def _locate(ctx: Context, attempt: Attempt, name: str) -> RefusedCall | None:
    try:
        tree = sqlglot.parse_one(attempt["sql"], read=ctx.target_dialect)
    except Exception:  # an unparseable attempt has no call to point at
        return None
    calls = list(tree.find_all(exp.Func))
    named = [c for c in calls if _func_name(c) == name]
    if not named:
        return None
    known = llm_functions.target_function_names(ctx)
    node: exp.Expr = named[0]
    refused = [name]
    # Climb while the enclosing call is refused too: ask for TIME_FORMAT(SEC_TO_TIME(x)) whole.
    parent = node.parent
    while parent is not None:
        if isinstance(parent, exp.Func) and _is_unknown(parent, known):
            node = parent
            refused.insert(0, _func_name(parent))
        elif not isinstance(parent, (exp.Paren, exp.Cast, exp.Binary, exp.Func)):
            break
        parent = parent.parent
    ordinal = next(i for i, c in enumerate(calls) if c is node)
    error = (attempt["compile"]["error"] if attempt["compile"] is not None else None) or ""
    names = tuple(dict.fromkeys(refused))
    return RefusedCall(name=refused[0].upper(), names=names,
                       forbidden=tuple(n for n in names if not known or n not in known),
                       attempt=attempt["number"], sql=attempt["sql"], ordinal=ordinal,
                       target_text=node.sql(dialect=ctx.target_dialect), source_text=None,
                       error=error, from_sql=_from_clause(node, ctx.target_dialect))


def _func_name(node: exp.Expr) -> str:
    if isinstance(node, exp.Anonymous):
        return str(node.name).lower()
    return str(node.sql_name()).lower() if isinstance(node, exp.Func) else ""


def _is_unknown(node: exp.Func, known: frozenset[str]) -> bool:
    """A call the target has no function for: an Anonymous name absent from its catalog."""
    return isinstance(node, exp.Anonymous) and bool(known) and _func_name(node) not in known


def _from_clause(node: exp.Expr, dialect: str) -> str:
    source = _from_of(node.find_ancestor(exp.Select))
    return source.this.sql(dialect=dialect) if source is not None else ""


def _from_of(select: exp.Select | None) -> exp.From | None:
    # sqlglot names the key "from_" in recent versions and "from" before
    if select is None:
        return None
    source = select.args.get("from_") or select.args.get("from")
    return source if isinstance(source, exp.From) else None


def _described(ctx: Context, state: ObjectState, call: RefusedCall) -> RefusedCall:
    """The call with its counterpart in the original and the types of the columns it reads."""
    source_text = None
    try:
        original = sqlglot.parse_one(state["spec"]["select_sql"], read=ctx.source_dialect)
        same = [c for c in original.find_all(exp.Func) if _func_name(c) in call.names]
        if same:
            source_text = same[0].sql(dialect=ctx.source_dialect)
    except Exception:  # the original is shown as the translation spells it, then
        pass
    types = {c["name"].lower(): str(c.get("type") or "") for t in state.get("tables") or []
             for c in t["columns"]}
    try:
        used = [c.name for c in sqlglot.parse_one(call.target_text, read=ctx.target_dialect)
                .find_all(exp.Column)]
    except Exception:  # no column list, then
        used = []
    columns = [f"{n} {types[n.lower()]}" for n in dict.fromkeys(used) if n.lower() in types]
    return replace(call, source_text=source_text, columns=columns)


# ------------------------------------------------------------------------------ the prompt
def prompt_variables(ctx: Context, state: ObjectState, call: RefusedCall) -> dict[str, Any]:
    """What prompts/function/v*.md is filled with: the call, its columns, the documentation,
    the target's candidates and signatures, and every earlier rewrite with its outcome."""
    doc = llm_functions.source_doc(ctx, call.name.lower()) or ""
    catalog = llm_functions.target_catalog(ctx)
    signatures = [f"{n}({p})" for n, p, _ in catalog if n.lower() == call.name.lower()][:4]
    return {
        "name": call.name, "source_expr": call.source_text or call.target_text,
        "target_expr": call.target_text, "columns": call.columns,
        "from_sql": call.from_sql or "t", "doc": doc,
        "candidates": llm_functions.candidates(catalog, call.name.lower(), doc),
        "signatures": signatures,
        "error": llm_context.policy(ctx).scrub(call.error[:300], call.sql),
        "tried": tried_rewrites(ctx, state, call),
        "examples": source_examples(ctx, state, call),
    }


def source_examples(ctx: Context, state: ObjectState, call: RefusedCall) -> list[str]:
    """What the call gives on the source for a few of the object's own rows ("qty=7 -> '111'"):
    a small model that sees CONV(7, 10, 2) give '111' knows it is after binary digits. Data
    values, so only in privacy mode "normal" and never for a withheld column; a query the
    source refuses costs the examples, not the run."""
    rules = llm_context.policy(ctx)
    if rules.mode != "normal" or not call.source_text:
        return []
    try:
        original = sqlglot.parse_one(state["spec"]["select_sql"], read=ctx.source_dialect)
        node = next(c for c in original.find_all(exp.Func) if _func_name(c) in call.names)
        select = node.find_ancestor(exp.Select)
        source = _from_of(select)
        if select is None or source is None:
            return []
        columns = list(dict.fromkeys(c.sql(dialect=ctx.source_dialect)
                                     for c in node.find_all(exp.Column)))
        if any(rules.withholds(c.split(".")[-1]) for c in columns):
            return []
        probe = exp.select(*columns, exp.alias_(node.copy(), "cutover_value")).distinct()
        probe.set("from_" if "from_" in select.args else "from", source.copy())
        if select.args.get("joins"):
            probe.set("joins", [j.copy() for j in select.args["joins"]])
        rows = ctx.source().read_arrow(probe.sql(dialect=ctx.source_dialect),
                                       limit=_EXAMPLES).to_pylist()
    except Exception:  # no such call in the original, no probe, or the source refused it
        return []
    out = []
    for row in rows:
        values = list(row.values())
        given = ", ".join(f"{c}={v!r}" for c, v in zip(columns, values[:-1], strict=False))
        out.append(f"{given} -> {values[-1]!r}" if given else repr(values[-1]))
    return out


def tried_rewrites(ctx: Context, state: ObjectState, call: RefusedCall) -> list[dict[str, str]]:
    """Earlier rewrites of this call: the expression and what the data said of it."""
    out = []
    for attempt in state["attempts"]:
        if attempt["origin"] != ORIGIN or _REASON_MARK not in attempt["reason"]:
            continue
        label, expr = attempt["reason"].split(_REASON_MARK, 1)
        if label.upper() != call.name:
            continue
        out.append({"expr": expr, "outcome": _outcome(ctx, attempt)})
    return out[-_MAX_TRIED:]


def _outcome(ctx: Context, attempt: Attempt) -> str:
    rules = llm_context.policy(ctx)
    if attempt["compile"] is not None and not attempt["compile"]["ok"]:
        return rules.scrub(f"{attempt['compile']['error_kind']} error: "
                           f"{(attempt['compile']['error'] or '')[:200]}", attempt["sql"])
    view = llm_context.diff_view(ctx, attempt)
    if view is None:
        return "not verified"
    text = f"compiled, but the data differs: {view['summary']}"
    changed = (view.get("samples") or {}).get("changed") or []
    examples = [f"{row['source']!r} expected, {row['target']!r} given" for row in changed[:3]
                if isinstance(row, dict) and "source" in row]
    return text + (f" (e.g. {'; '.join(examples)})" if examples else "")


def reason(call: RefusedCall, expression: str) -> str:
    """The attempt's reason; tried_rewrites reads the expression back from it."""
    return f"{call.name}{_REASON_MARK}{expression}"


# ------------------------------------------------------------------------------ vetting
class CallVet:
    """Checks one answer before the turn ends (see the module docstring). `accepted` keeps the
    expression of the answer it let through, for the attempt's reason."""

    def __init__(self, ctx: Context, state: ObjectState, call: RefusedCall,
                 tried_sql: set[str]) -> None:
        self.ctx, self.state, self.call = ctx, state, call
        self.tried = {normalise_sql(s, ctx.target_dialect) for s in tried_sql}
        self.accepted: str | None = None

    def __call__(self, answer: str) -> tuple[str | None, str | None]:
        ctx, call = self.ctx, self.call
        expr = _expression(answer, ctx.target_dialect)
        if expr is None:
            return None, (f"{ERROR_PREFIX} submit one SELECT of exactly one expression: "
                          f"SELECT <the {ctx.target_dialect} expression> FROM {call.from_sql}")
        still = {_func_name(f) for f in expr.find_all(exp.Func)} & set(call.forbidden)
        if still:
            word = ", ".join(sorted(n.upper() for n in still))
            return None, (f"{ERROR_PREFIX} {ctx.target_dialect} has no {word}: write the "
                          f"expression with other {ctx.target_dialect} functions")
        full, error = _compiled(ctx, call, expr)
        if error is not None:
            reread = _reread(ctx, self.state, call, answer)
            if reread is not None:
                expr = reread
                full, error = _compiled(ctx, call, reread)
        if error is not None or full is None:
            scrubbed = llm_context.policy(ctx).scrub((error or "")[:300], answer)
            return None, (f"{ERROR_PREFIX} with this expression the query fails on "
                          f"{ctx.target_dialect}: {scrubbed}")
        if normalise_sql(full, ctx.target_dialect) in self.tried:
            return None, (f"{ERROR_PREFIX} already tried: this expression was an earlier "
                          f"answer; write a different one")
        self.accepted = expr.sql(dialect=ctx.target_dialect)
        return full, None


def _expression(answer: str, dialect: str) -> exp.Expr | None:
    """The one projection of `SELECT <expr> [AS x] [FROM ...]`, or a bare expression."""
    text = answer.strip().rstrip(";")
    try:
        tree = sqlglot.parse_one(text, read=dialect)
    except Exception:  # not SQL in the target's dialect
        return None
    if isinstance(tree, exp.Select):
        if len(tree.expressions) != 1 or tree.args.get("where") or tree.args.get("group"):
            return None
        tree = tree.expressions[0]
    if isinstance(tree, exp.Alias):
        tree = tree.this
    if isinstance(tree, (exp.Query, exp.Star)) or not isinstance(tree, exp.Expr):
        return None
    return tree


def _substituted(ctx: Context, call: RefusedCall, expr: exp.Expr) -> str:
    tree = sqlglot.parse_one(call.sql, read=ctx.target_dialect)
    node = list(tree.find_all(exp.Func))[call.ordinal]
    node.replace(exp.Paren(this=expr.copy()) if isinstance(node.parent, exp.Binary) else
                 expr.copy())
    return tree.sql(dialect=ctx.target_dialect)


def _compiled(ctx: Context, call: RefusedCall, expr: exp.Expr) -> tuple[str | None, str | None]:
    """The full query with `expr` in place, and the target's error for it (None: compiles).
    An error naming a function the rest of the query calls (another refused call elsewhere)
    is not this answer's fault: that call gets its own round. A function refused for its
    argument types that has one overload of that arity gets its arguments cast to it."""
    full, error = _explained(ctx, call, expr)
    if error is not None:
        cast = _cast_to_overload(ctx, expr, error)
        if cast is not None:
            retried, again = _explained(ctx, call, cast)
            if again is None:
                return retried, None
    return full, error


def _explained(ctx: Context, call: RefusedCall, expr: exp.Expr) -> tuple[str | None, str | None]:
    try:
        full = _substituted(ctx, call, expr)
    except Exception as exc:  # sqlglot could not write the answer back into the query
        return None, f"{type(exc).__name__}: {exc}"
    try:
        ctx.target().explain(full)
    except CutoverError as exc:
        named = llm_functions.refused_names(str(exc))
        rest = _substituted(ctx, call, exp.Null())  # the query without the answer
        elsewhere = [n for n in named if n not in call.names
                     and re.search(rf"\b{re.escape(n)}\s*\(", rest, re.IGNORECASE)]
        return full, (None if named and elsewhere == named else str(exc))
    return full, None


_NO_MATCH = re.compile(r"No function matches the given name and argument types '(\w+)\(",
                       re.IGNORECASE)


def _cast_to_overload(ctx: Context, expr: exp.Expr, error: str) -> exp.Expr | None:
    """`expr` with the refused function's arguments cast to its only overload of that arity
    (DuckDB's chr takes INTEGER; 64 + qty is BIGINT), or None."""
    match = _NO_MATCH.search(error)
    if match is None:
        return None
    name = match.group(1).lower()
    fixed = expr.copy()
    changed = False
    for node in fixed.find_all(exp.Func):
        if _func_name(node) != name and str(node.sql_name()).lower() != name:
            continue
        args = [a for a in node.iter_expressions()]
        overloads = {p for n, p, _ in llm_functions.target_catalog(ctx)
                     if n.lower() == name and len(_params(p)) == len(args)}
        if len(overloads) != 1:
            continue
        for arg, kind in zip(args, _params(next(iter(overloads))), strict=True):
            if kind and kind.isidentifier():
                arg.replace(exp.cast(arg.copy(), kind, dialect=ctx.target_dialect))
                changed = True
    return fixed if changed else None


def _params(text: str) -> list[str]:
    return [p.strip().upper() for p in text.split(",") if p.strip()]


def _reread(ctx: Context, state: ObjectState, call: RefusedCall, answer: str) -> exp.Expr | None:
    """The answer read as source-dialect SQL and translated, when that parses."""
    text = answer.strip().rstrip(";")
    if not text.lower().startswith("select"):
        text = f"SELECT {text}"
    try:
        translated = translate_sql(ctx, state, text, f"{state['spec']['name']} (LLM "
                                   f"rewrite of {call.name})", [])
    except Exception:  # not source SQL either: the target's error stands
        return None
    return _expression(translated, ctx.target_dialect)
