"""Source-dialect SQL translated for the target the way the translator does it: sqlglot plus
the semantics library, typed by the source catalog. Shared by the translator (the object's
own SQL) and the fixer (a model candidate written in the source's dialect)."""

from __future__ import annotations

from graph.context import Context
from graph.state import ObjectState
from tools import sql as sqltools
from tools.semantics.collations import labels as text_labels
from tools.semantics.enum_order import enum_values
from tools.semantics.kinds import catalog_type


def translate_sql(ctx: Context, state: ObjectState, sql: str, where: str,
                  applied: list[str]) -> str:
    """`sql`, written in the source dialect, translated for the target: sqlglot and the
    semantics library, typed by the source catalog (raises Unsupported / CutoverError)."""
    tables = state.get("tables") or []
    types = {t["name"]: {c["name"]: catalog_type(ctx.source_dialect, c)
                         for c in t["columns"]} for t in tables}
    return sqltools.transpile(sql, ctx.source_dialect, ctx.target_dialect, where, types,
                              semantics=ctx.semantics,
                              collations=text_labels(ctx.source_dialect, tables),
                              enums=enum_values(ctx.source_dialect, tables),
                              keys={t["name"]: tuple(t.get("primary_key") or ())
                                    for t in tables},
                              applied=applied)
