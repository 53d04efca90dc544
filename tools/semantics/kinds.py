"""A light typer for the few questions the library asks ("is this an integer? a float?"),
in the source dialect's rules, from the source catalog's column types.

sqlglot's qualify + annotate_types answers them too but doubles the translation time on
TPC-DS; the library only needs the kind of a division's operands and of ROUND's argument.
Anything it cannot tell (a CTE's column, an ambiguous name) is None, and a family that needs
the kind then leaves the construct alone.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterator, Sequence

from sqlglot import exp

from tools.db.types import parse_decimal
from tools.semantics import tree_walk

INT, FLOAT, DECIMAL, DATE, OTHER = "int", "float", "decimal", "date", "other"
INTERVAL = "interval"
#: the schema's type for a float the source keeps in single precision (PostgreSQL real): still
#: a FLOAT kind, but its text and its sums are single precision's
SINGLE = "float4"
_SINGLE_DECLARED = {"postgres": ("real", "float4")}


def catalog_type(dialect: str, column: dict) -> str:
    """The type the library reads for one source catalog column (planner introspection):
    its canonical type, or SINGLE for a single-precision float."""
    declared = str(column.get("type") or "").strip().lower()
    if column.get("canonical") == "float" and declared in _SINGLE_DECLARED.get(dialect, ()):
        return SINGLE
    return column["canonical"]
_ARITHMETIC = (exp.Add, exp.Sub, exp.Mul, exp.Mod)


def column_types(tables: Sequence[exp.Expr],
                 lower_columns: Callable[[str], dict[str, str] | None]
                 ) -> dict[str, dict[str, str]]:
    """alias or table name (lower case) -> column (lower case) -> catalog type, for the
    catalog tables among `tables` (a statement's Table nodes, in walk order), as
    `lower_columns` gives them (SemanticsContext.lower_columns: each table lower-cased once
    per statement, shared with the families that read it; kind() maps a type to its kind
    when a column is looked up, not every column of every table read)."""
    out: dict[str, dict[str, str]] = {}
    for table in tables:
        columns = lower_columns(table.name.lower())
        if columns is not None:  # a later alias of one name wins, as in by_alias
            out[table.alias_or_name.lower()] = columns
    return out


def by_alias(tree: exp.Expr, per_table: dict[str, dict[str, str]],
             value: Callable[[str], str] | None = None,
             tables: Sequence[exp.Expr] | None = None) -> dict[str, dict[str, str]]:
    """alias or table name (lower case) -> its table's entry in `per_table` with names in
    lower case (and each entry's value passed through `value`), for the tables the statement
    reads (`tables`, its Table nodes in walk order, when the caller has them). Only those
    tables' entries are lower-cased: a catalog holds many more."""
    if tables is None:
        tables = tree_walk.find_all(tree, exp.Table)
    read = {table.name.lower() for table in tables}
    lowered: dict[str, dict[str, str]] = {}
    for name, cols in per_table.items():
        if name.lower() in read:  # a later spelling of the same name wins, as in a dict
            lowered[name.lower()] = {c.lower(): value(v) if value else v
                                     for c, v in cols.items()}
    out: dict[str, dict[str, str]] = {}
    for table in tables:
        columns = lowered.get(table.name.lower())
        if columns is not None:
            out[table.alias_or_name.lower()] = columns
    return out


def add_derived(columns: dict[str, dict[str, str]], subqueries: Sequence[exp.Expr],
                source: str) -> None:
    """Add the derived tables (`FROM (SELECT ...) AS t`) among `subqueries` to `columns`:
    t -> output name -> the kind of its expression, where that can be told. Innermost first
    (walk order is outermost first), so a derived table over another one reads its kinds."""
    for subquery in reversed(subqueries):
        select, alias = subquery.this, subquery.alias_or_name.lower()
        if not alias or alias in columns or not isinstance(select, exp.Select) \
                or not isinstance(subquery.parent, (exp.From, exp.Join)):
            continue
        outputs: dict[str, str] = {}
        for item in select.expressions:
            name = item.alias_or_name.lower()
            found = kind(item.unalias(), source, columns) if name else None
            if found is not None:
                outputs[name] = found
        columns[alias] = outputs


def column_type(node: exp.Column, columns: dict[str, dict[str, str]]) -> str | None:
    """The type `columns` holds for a column reference (a catalog type, or a derived table's
    kind), when the tables it may belong to agree on one."""
    found = set(_types_of(node, columns))
    return found.pop() if len(found) == 1 else None


def _types_of(node: exp.Column, columns: dict[str, dict[str, str]]) -> Iterator[str]:
    qualifier, column = node.table.lower(), node.name.lower()
    return (cols[column] for name, cols in columns.items()
            if (not qualifier or name == qualifier) and column in cols)


@functools.cache
def _kind_of(canonical: str) -> str:
    if canonical == "int" or (canonical == "bool"):
        return INT if canonical == "int" else OTHER
    if canonical in ("float", SINGLE):
        return FLOAT
    if canonical == "date":
        return DATE
    if canonical in (INTERVAL, DECIMAL):  # DECIMAL: a derived table's kind (add_derived)
        return canonical
    return DECIMAL if parse_decimal(canonical) else OTHER


def _cast_kind(dtype: exp.DataType) -> str:
    if dtype.is_type(*exp.DataType.INTEGER_TYPES):
        return INT
    if dtype.is_type(exp.DType.FLOAT, exp.DType.DOUBLE):
        return FLOAT
    if dtype.is_type(exp.DType.DECIMAL, exp.DType.BIGDECIMAL):
        return DECIMAL
    if dtype.is_type(exp.DType.DATE):
        return DATE
    return OTHER


def kind(node: exp.Expr, source: str, columns: dict[str, dict[str, str]]) -> str | None:
    """The kind of `node`'s value in `source`, or None when it cannot be told; `columns`:
    column_types()."""
    if isinstance(node, (exp.Paren, exp.Neg, exp.Nullif, exp.Abs)):
        return kind(node.this, source, columns)
    if isinstance(node, exp.Subquery) and isinstance(node.this, exp.Select) \
            and len(node.this.expressions) == 1:
        # a scalar subquery: its one output's kind
        return kind(node.this.expressions[0].unalias(), source, columns)
    if isinstance(node, (exp.Window, exp.Filter)):
        # SUM(x) OVER (...), SUM(x) FILTER (WHERE ...): the aggregate's own kind
        return kind(node.this, source, columns)
    if isinstance(node, exp.Literal):
        if node.is_string:
            return OTHER
        if node.is_int:
            return INT
        return FLOAT if source == "sqlite" else DECIMAL
    if isinstance(node, exp.Column):
        found = {_kind_of(t) for t in _types_of(node, columns)}
        return found.pop() if len(found) == 1 else None
    if isinstance(node, exp.Cast):
        return _cast_kind(node.to)
    if isinstance(node, exp.Count):
        return INT
    if isinstance(node, exp.CurrentDate):
        return DATE
    if isinstance(node, (exp.Sum, exp.Min, exp.Max)):
        inner = kind(node.this, source, columns)
        # MySQL's SUM of integers is a DECIMAL
        return DECIMAL if (isinstance(node, exp.Sum) and source == "mysql"
                           and inner == INT) else inner
    if isinstance(node, exp.Avg):
        inner = kind(node.this, source, columns)
        return DECIMAL if source in ("postgres", "mysql") and inner in (INT, DECIMAL) else (
            FLOAT if inner is not None else None)
    if isinstance(node, _ARITHMETIC):
        return _combine(kind(node.this, source, columns),
                        kind(node.expression, source, columns))
    if isinstance(node, exp.Div):
        left = kind(node.this, source, columns)
        right = kind(node.expression, source, columns)
        both = _combine(left, right)
        if both == INT:
            return {"postgres": INT, "sqlite": INT, "mysql": DECIMAL}.get(source, FLOAT)
        return both
    if isinstance(node, exp.Case):
        # the branches' common kind (MySQL's CASE of a DECIMAL and an INT is a DECIMAL)
        branches = [i.args.get("true") for i in node.args.get("ifs") or []]
        branches.append(node.args.get("default") or exp.Null())
        seen = [kind(b, source, columns) for b in branches if not isinstance(b, exp.Null)]
        combined: str | None = seen[0] if seen else None
        for other in seen[1:]:
            combined = _combine(combined, other)
        return combined
    if isinstance(node, exp.Coalesce):
        kinds = {kind(a, source, columns) for a in [node.this, *node.expressions]}
        return kinds.pop() if len(kinds) == 1 else None
    return None


def _combine(left: str | None, right: str | None) -> str | None:
    if left is None or right is None:
        return None
    if DATE in (left, right):
        return None  # date arithmetic is the date_arithmetic family's to read
    if OTHER in (left, right):
        return OTHER
    if FLOAT in (left, right):
        return FLOAT
    return DECIMAL if DECIMAL in (left, right) else INT
