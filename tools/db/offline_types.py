"""Column types where no engine runs the SQL (translate-only targets): a query's result columns
found by sqlglot, its stars expanded and its expressions typed over the tables it was told of,
and canonical types written as the dialect's DDL.

A type sqlglot cannot infer, or infers only by guessing (any expression but a column, a cast,
a count, the MIN / MAX of a column), is "" (unknown): the dbt project then declares no
data_type for that column rather than a guessed one."""

from __future__ import annotations

from collections.abc import Mapping

import sqlglot
from sqlglot import exp
from sqlglot.errors import SqlglotError
from sqlglot.optimizer.annotate_types import annotate_types
from sqlglot.optimizer.qualify import qualify
from sqlglot.schema import MappingSchema

from tools.db import types as T
from tools.errors import CompileFailed

_GENERIC = {T.INT: "BIGINT", T.FLOAT: "DOUBLE", T.TEXT: "TEXT", T.BOOL: "BOOLEAN",
            T.DATE: "DATE", T.TIMESTAMP: "TIMESTAMP", T.TIMESTAMPTZ: "TIMESTAMPTZ",
            T.TIME: "TIME", T.BLOB: "VARBINARY", T.JSON: "JSON", T.INTERVAL: "INTERVAL"}
"""canonical type -> sqlglot's dialect-free type name."""
_KINDS = ((exp.DataType.INTEGER_TYPES, T.INT), (exp.DataType.REAL_TYPES, T.FLOAT),
          (exp.DataType.TEXT_TYPES, T.TEXT), ({exp.DataType.Type.BOOLEAN}, T.BOOL),
          ({exp.DataType.Type.DATE}, T.DATE),
          ({exp.DataType.Type.TIMESTAMPTZ, exp.DataType.Type.TIMESTAMPLTZ}, T.TIMESTAMPTZ),
          (exp.DataType.TEMPORAL_TYPES, T.TIMESTAMP), ({exp.DataType.Type.JSON}, T.JSON),
          ({exp.DataType.Type.INTERVAL}, T.INTERVAL))


def data_type(canonical: str) -> exp.DataType:
    dec = T.parse_decimal(canonical)
    if dec:
        return exp.DataType.build(f"DECIMAL({dec[0]},{dec[1]})")
    return exp.DataType.build(_GENERIC.get(canonical, "TEXT"))


def ddl_type(canonical: str, dialect: str) -> str:
    """The canonical type as `dialect` writes it (T-SQL: VARCHAR(MAX), BIT, DATETIME2, ...)."""
    return data_type(canonical).sql(dialect=dialect)


def canonical(found: exp.DataType | None) -> str:
    """The canonical type of an inferred one; "" when sqlglot could not tell."""
    if found is None or found.is_type(exp.DataType.Type.UNKNOWN, exp.DataType.Type.NULL):
        return ""
    if found.is_type(exp.DataType.Type.DECIMAL, exp.DataType.Type.BIGDECIMAL):
        params = [p.this for p in found.expressions if isinstance(p, exp.DataTypeParam)]
        if len(params) == 2:
            return T.decimal(int(params[0].name), int(params[1].name))
        return T.decimal(38, 10)
    for kinds, name in _KINDS:
        if found.this in kinds:
            return name
    return T.from_declared(found.sql())


def result_columns(sql: str, dialect: str,
                   tables: Mapping[str, Mapping[str, str]]) -> list[tuple[str, str]]:
    """(name, canonical type or "") of each column of the query's result, names lower-case.
    `tables`: table name -> column -> canonical type (names normalised as the dialect folds
    unquoted ones, as the query's are). A star over a table not in `tables` cannot be expanded:
    CompileFailed says which."""
    schema = MappingSchema({t: {c: data_type(k).sql() for c, k in cols.items()}
                            for t, cols in tables.items()}, dialect=dialect)
    try:
        tree = sqlglot.parse_one(sql, read=dialect)
        typed = annotate_types(qualify(tree, schema=schema, dialect=dialect,
                                       validate_qualify_columns=False, quote_identifiers=False,
                                       identify=False), schema=schema, dialect=dialect)
    except SqlglotError as exc:
        raise CompileFailed(f"cannot read the columns of the {dialect} query: "
                            f"{str(exc).splitlines()[0]}") from exc
    if not isinstance(typed, exp.Query):
        raise CompileFailed(f"not a query: {sql[:80]}")
    out = []
    for projection in typed.selects:
        if isinstance(projection, exp.Star) or (isinstance(projection, exp.Column)
                                                and isinstance(projection.this, exp.Star)):
            raise CompileFailed(f"cannot list the columns of `{projection.sql(dialect)}`: it "
                                f"reads a table whose columns are not known")
        out.append((projection.alias_or_name.lower(),
                    canonical(projection.type) if _typed_surely(projection) else ""))
    return out


def _typed_surely(projection: exp.Expr) -> bool:
    """Whether sqlglot's type for the projection can be trusted: a column, a cast, a count,
    the MIN / MAX of a column. Elsewhere its inference guesses (SUM of a boolean column came
    out boolean), and no type is better than a wrong one."""
    inner = projection.unalias().unnest()
    if isinstance(inner, exp.Window):  # an aggregate OVER (...) has the aggregate's type
        inner = inner.this
    return isinstance(inner, exp.Column | exp.Cast | exp.Count) or (
        isinstance(inner, exp.Min | exp.Max) and isinstance(inner.this.unnest(), exp.Column))

