"""Scalar PL/pgSQL functions in the dbt project, proven through the queries that call them.

A function whose body has an expression form (tools/procedures/inline.py) is expanded where
the codebase's invocation query calls it; that query becomes a model
(`<function>__invocation`). Its proof: the original query runs, with the original function
created, on a scratch copy of the tables it reads (never on the source), and the model's table
is diffed against that result. The expansion is written to macros/<function>.sql as well, so
the project keeps the function's logic by name.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import sqlglot
from sqlglot import exp
from sqlglot.errors import SqlglotError
from sqlglot.optimizer.qualify import qualify

from tools import sql as sqltools
from tools.dbt.dialect_gaps import in_dialect
from tools.errors import CutoverError
from tools.procedures.bodies import PROCEDURAL
from tools.procedures.inline import (
    PARAM,
    Inlined,
    Unsupported,
    expand_calls,
    inline_function,
    returned_padding,
)
from tools.procedures.parse import Routine
from tools.procedures.tablecalls import table_functions


@dataclass
class FunctionModel:
    """A function, the query that proves it, and that query expanded for the target."""

    routine: Routine
    invocation: str
    """The codebase's query calling the function (source dialect, as written)."""
    expanded_target: str
    """The same with every inlined function expanded, in the target dialect."""
    tables: list[str] = field(default_factory=list)
    """Source tables the expanded query reads."""


@dataclass
class FunctionWork:
    models: list[FunctionModel] = field(default_factory=list)
    left_out: list[dict[str, str]] = field(default_factory=list)
    macros: dict[str, str] = field(default_factory=dict)
    handled: set[str] = field(default_factory=set)
    """Functions decided here (the rest go the LANGUAGE sql / query-routine way)."""
    inlined: dict[str, Inlined] = field(default_factory=dict)
    """Each function with an expression form (a procedure's query calling it expands it)."""


def is_scalar(routine: Routine) -> bool:
    returns = (routine.returns or "").strip().upper()
    return routine.kind == "function" and bool(returns) and not returns.startswith(
        ("TABLE", "SETOF", "REFCURSOR", "VOID", "TRIGGER"))


def _nondeterministic(tree: exp.Expr) -> bool:
    return any(isinstance(n, exp.Rand) or (isinstance(n, exp.Anonymous) and str(
        n.this).lower() in ("random", "gen_random_uuid", "clock_timestamp"))
        for n in tree.walk())


def _calls(tree: exp.Expr) -> set[str]:
    return {str(c.this).lower() for c in tree.find_all(exp.Anonymous)}


def _fresh_aliases(tree: exp.Expr) -> None:
    """Rename every table alias of the calling query (`t` -> `t__caller`), and the columns
    naming it: an argument `customer_address.ca_state` expanded inside the function's own
    `FROM customer_address` must still mean the caller's row. Renaming a binder with all its
    references keeps the query's meaning; the new names are ones no query uses."""
    renamed: dict[str, str] = {}
    for table in tree.find_all(exp.Table):
        alias = table.alias_or_name
        if alias:
            renamed[alias.lower()] = f"{alias.lower()}__caller"
            fresh = exp.to_identifier(renamed[alias.lower()])
            if isinstance(table.args.get("alias"), exp.TableAlias):  # keeps `AS g(month)`'s
                table.args["alias"].set("this", fresh)               # column names
            else:
                table.set("alias", exp.TableAlias(this=fresh))
    for column in tree.find_all(exp.Column):
        if column.table and column.table.lower() in renamed:
            column.set("table", exp.to_identifier(renamed[column.table.lower()]))


def _name_calls(tree: exp.Expr, inlined: Mapping[str, Inlined]) -> None:
    """A projection that is a bare call is named as PostgreSQL names it (the function's
    name): once expanded, the target would name it after the expression's text. A shown
    result PostgreSQL pads (a char(n) variable returned) is padded the same way."""
    if not isinstance(tree, exp.Select):
        return
    for projection in tree.expressions:
        call = projection.this if isinstance(projection, exp.Alias) else projection
        found = inlined.get(str(call.this).lower()) if isinstance(call, exp.Anonymous) else None
        if found is None:
            continue
        shown = call.copy()
        if found.padding:
            shown = exp.func("RPAD", exp.cast(shown, exp.DataType.build("text")),
                             exp.Literal.number(found.padding), exp.Literal.string(" "))
        projection.replace(exp.alias_(shown, projection.alias_or_name
                                      if isinstance(projection, exp.Alias)
                                      else str(call.this).lower()))


def _macro(name: str, inlined: Inlined, target_dialect: str) -> str:
    """The expansion as a dbt macro (arguments are SQL text the caller passes)."""
    body = in_dialect(inlined.expression.copy(), target_dialect).sql(
        dialect=target_dialect)
    for p in inlined.routine.params:
        body = body.replace(PARAM.format(p.name), f"({{{{ {p.name} }}}})")
    args = ", ".join(p.name for p in inlined.routine.params)
    return (f"{{# {inlined.routine.name}: the function's body as one expression; it reads "
            f"source tables by name, so a model calling it must read them too #}}\n"
            f"{{% macro {name}({args}) %}}({body}){{% endmacro %}}\n")


def plan_functions(routines: list[Routine], objects: Mapping[str, Mapping[str, Any]],
                   schema: dict[str, dict[str, str]], source_dialect: str,
                   target_dialect: str,
                   given: Mapping[str, Mapping[str, str]] | None = None,
                   types: Mapping[str, list[str]] | None = None) -> FunctionWork:
    """Inline each scalar function; pick the first codebase query calling it; expand it.
    `schema`: source table -> column -> canonical type (qualifies the calling query).
    A function no query calls is invoked as `SELECT f(...)` with the values `given` for its
    parameters ([output.procedures.<f>]) or their defaults, when every one has a value.
    A table function the body reads is expanded in place where it has a query form
    (`types`: composite types naming a SETOF result's columns)."""
    work = FunctionWork()
    inlined: dict[str, Inlined] = {}
    scalar = [r for r in routines if is_scalar(r) and r.language in PROCEDURAL]
    work.handled = {r.name for r in scalar}
    refused: dict[str, str] = {}
    tables = table_functions(routines, source_dialect, types, refused) if scalar else {}
    for routine in scalar:
        try:
            expression = inline_function(routine, source_dialect, tables)
        except Unsupported as exc:
            work.left_out.append({"object": routine.name, "reason": f"function: {exc}"})
            continue
        if _nondeterministic(expression):
            work.left_out.append({"object": routine.name, "reason": (
                "function: calls random(): a nondeterministic result cannot be proven "
                "equal; translated only")})
            continue
        inlined[routine.name] = Inlined(routine, expression, returned_padding(routine))
    work.inlined = inlined
    known = {r.name for r in routines}
    for name, found in inlined.items():
        work.macros[name] = _macro(name, found, target_dialect)
        try:
            model = _invocation_model(found, objects, inlined, known, schema, source_dialect,
                                      target_dialect)
            call = _given_call(found.routine, (given or {}).get(name) or {})
            if model is None and call is not None:
                model = _invocation_model(found, {name: {"source_sql": call}}, inlined, known,
                                          schema, source_dialect, target_dialect)
        except (Unsupported, SqlglotError, CutoverError) as exc:
            # a table function it reads that has no query form: say why, not only its name
            why = "; ".join(f"{t} has no query form: {r}" for t, r in refused.items()
                            if re.search(rf"\b{re.escape(t)}\b", str(exc)))
            work.left_out.append({"object": name, "reason": f"function: {exc}"
                                  + (f" ({why})" if why else "")})
            continue
        if model is None:
            params = ", ".join(p.name for p in found.routine.params)
            work.left_out.append({"object": name, "reason": (
                f"function: inlined (macros/) but not proven: no query in the codebase calls "
                f"it; give values for ({params}) in [output.procedures.{name}] to prove it")})
        else:
            work.models.append(model)
    return work


def _given_call(routine: Routine, given: Mapping[str, str]) -> str | None:
    """`SELECT f(v1, v2) AS f` from the given values and defaults; None when one is missing."""
    values = [str(given.get(p.name, p.default or "")) for p in routine.params]
    if not all(values):
        return None
    return f"SELECT {routine.name}({', '.join(values)}) AS {routine.name}"


def _invocation_model(found: Inlined, objects: Mapping[str, Mapping[str, Any]],
                      inlined: Mapping[str, Inlined], known: set[str],
                      schema: dict[str, dict[str, str]], source_dialect: str,
                      target_dialect: str) -> FunctionModel | None:
    name = found.routine.name
    for obj in objects.values():
        text = obj["source_sql"].strip().rstrip(";")
        try:
            tree = sqlglot.parse_one(text, read=source_dialect)
        except SqlglotError:
            continue
        if not isinstance(tree, exp.Query) or name not in _calls(tree):
            continue
        missing = [c for c in _calls(tree) if c in known and c not in inlined]
        if missing:
            raise Unsupported(f"its invocation calls {', '.join(missing)}, which has no "
                              f"expression form")
        tables = [t for t in sqltools.tables_read(tree) if t not in schema]
        if tables:
            raise Unsupported(f"its invocation reads {', '.join(tables)}, not source tables")
        expanded, reads = expand_query(tree, inlined, known, schema, source_dialect,
                                       target_dialect, name)
        return FunctionModel(found.routine, text, expanded, reads)
    return None


_PLACEHOLDER = re.compile(r"^__cutover_(?:arg|var)_\w+__$")


def expand_query(tree: exp.Expr, inlined: Mapping[str, Inlined], known: set[str],
                 schema: dict[str, dict[str, str]], source_dialect: str, target_dialect: str,
                 where: str) -> tuple[str, list[str]]:
    """`tree` (source dialect) with every call of an inlined function expanded in place, in
    the target dialect, and the tables it then reads. A routine parameter's placeholder
    column stays a placeholder (qualify would otherwise give it a table)."""
    named = tree.copy()
    _name_calls(named, inlined)  # before qualify names a bare call `_col_0`
    for column in list(named.find_all(exp.Column)):
        if not column.table and _PLACEHOLDER.match(column.name):
            column.replace(exp.Placeholder(this=column.name))
    qualified = qualify(named, schema=dict(schema), dialect=source_dialect,
                        validate_qualify_columns=False, quote_identifiers=False,
                        identify=False)
    _fresh_aliases(qualified)
    expand_calls(qualified, inlined)
    leftover = [c for c in _calls(qualified) if c in known]
    if leftover:
        raise Unsupported(f"calls {', '.join(leftover)} after expansion")
    for placeholder in list(qualified.find_all(exp.Placeholder)):
        if placeholder.name and _PLACEHOLDER.match(placeholder.name):
            placeholder.replace(exp.column(placeholder.name))
    expanded = sqltools.transpile(qualified.sql(dialect=source_dialect), source_dialect,
                                  target_dialect, where, schema=schema)
    return expanded, sqltools.tables_read(sqlglot.parse_one(expanded, read=target_dialect))
