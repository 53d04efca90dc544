"""Calls of the codebase's table functions, expanded in place: `FROM f(a, b) AS x` becomes
`FROM (<f's query with a, b for its parameters>) AS x(c1, c2, ...)`, so a routine reading a
table function (a scalar function's `SELECT count(*) FROM f(m)`, a loop over
`SELECT * FROM f(m)`) has a set-based form too. f's query is what inline_query makes of its
body; its columns are the names RETURNS TABLE (...) or the composite type give them. Only a
table function whose whole body has that form is expanded; any other call stays, and whoever
reads it says it has no form.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from sqlglot import exp

from tools.procedures.functions import returned_columns
from tools.procedures.inline import PARAM, Unsupported, inline_query
from tools.procedures.parse import Routine


@dataclass
class TableFunction:
    routine: Routine
    query: exp.Expr
    """The function's rows as one query over its parameter placeholders (inline_query)."""
    columns: list[str]


def table_functions(routines: Sequence[Routine], dialect: str,
                    types: Mapping[str, list[str]] | None = None,
                    refused: dict[str, str] | None = None) -> dict[str, TableFunction]:
    """Every RETURNS TABLE / SETOF function of `routines` with a query form, by name. In rounds:
    one whose body reads another is expanded once that one is known. `refused`, when given,
    gets why each other one has no form (a caller's reason names it)."""
    pending = [r for r in routines if r.kind == "function" and r.language == "plpgsql"
               and (r.returns or "").strip().upper().startswith(("TABLE", "SETOF"))]
    known: dict[str, TableFunction] = {}
    while pending:
        progress = []
        for routine in pending:
            columns = returned_columns(routine, types)
            if not columns:
                if refused is not None:
                    refused[routine.name] = "its result columns are not named"
                continue
            try:
                query = inline_query(routine, dialect, known)
            except Unsupported as exc:
                if refused is not None:
                    refused[routine.name] = str(exc)
                continue
            known[routine.name] = TableFunction(routine, query, columns)
            if refused is not None:
                refused.pop(routine.name, None)
            progress.append(routine)
        if not progress:
            break
        pending = [r for r in pending if r not in progress]
    return known


def expand_table_calls(tree: exp.Expr, functions: Mapping[str, TableFunction]) -> exp.Expr:
    """`tree` with each `FROM f(args)` of a known table function replaced by f's query."""
    if not functions:
        return tree
    for table in list(tree.find_all(exp.Table)):
        call = table.this
        found = functions.get(str(call.this).lower()) if isinstance(call, exp.Anonymous) \
            else None
        if found is None or len(call.expressions) > len(found.routine.params):
            continue
        query = found.query.copy()
        for at, param in enumerate(found.routine.params):
            value = call.expressions[at] if at < len(call.expressions) else (
                exp.maybe_parse(param.default) if param.default else exp.null())
            for column in list(query.find_all(exp.Column)):
                if not column.table and column.name == PARAM.format(param.name):
                    column.replace(exp.paren(value.copy(), copy=False))
        alias = table.alias or found.routine.name  # PostgreSQL names an unaliased call so
        relation = exp.Subquery(this=query, alias=exp.TableAlias(
            this=exp.to_identifier(alias), columns=[exp.to_identifier(c)
                                                    for c in found.columns]))
        select = table.parent.parent if isinstance(table.parent, exp.From) else None
        table.replace(relation)
        if isinstance(select, exp.Select) and not select.args.get("joins") and any(
                isinstance(s, exp.Star) for s in select.expressions):
            # `SELECT *` over the call: its columns by name (a loop assigns them in order)
            select.set("expressions", [exp.column(c, alias) for c in found.columns])
    return tree
