"""What `cutover diff` compares on each side: a table (bare, optionally schema-qualified name)
or a query, narrowed by --columns and --where, plus what the catalog knows (key, row count).

The SQL built here is portable (SELECT ... FROM ... WHERE ...) and quoted by the adapter;
nothing dialect-specific lives in this module.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from tools.db.base import Adapter
from tools.errors import ConfigError

# identifier, "quoted identifier" or `quoted identifier`, up to catalog.schema.table
_PART = r'(?:[A-Za-z_][A-Za-z0-9_$]*|"(?:[^"]|"")+"|`(?:[^`]|``)+`)'
_TABLE_REF = re.compile(rf"^\s*{_PART}(?:\s*\.\s*{_PART}){{0,2}}\s*$")
_SPLIT = re.compile(rf"{_PART}")


@dataclass
class Input:
    """One side of a diff, resolved."""

    sql: str
    """The query to run on the side's engine."""
    table: list[str] | None
    """Name parts when the user named a table; None for a query."""
    primary_key: list[str]
    """The table's primary key from the catalog ([] for queries or keyless tables)."""
    row_count: int | None
    """Rows in the table (before --where) when the catalog says; drives progress and `auto`."""
    order_by: list[str] | None = None
    """For a query with a top-level ORDER BY: the output columns it sorts on ([] when it sorts
    on expressions, so ties cannot be judged); None when its rows come in no defined order."""
    order_dropped: bool = False
    """The query sorts its rows, but --columns/--where wrap it in one that defines no order."""


def is_table_ref(text: str) -> bool:
    """A bare identifier, optionally schema-qualified, names a table; anything else is SQL."""
    return bool(_TABLE_REF.match(text))


def split_ref(text: str) -> list[str]:
    """Name parts of a table reference, quotes removed."""
    parts = []
    for raw in _SPLIT.findall(text):
        if raw[0] in '"`':
            q = raw[0]
            raw = raw[1:-1].replace(q + q, q)
        parts.append(raw)
    return parts


def redact(url: str) -> str:
    """A URL fit for messages: password hidden."""
    from sqlalchemy.engine import make_url  # lazily: `cutover diff` of two files needs none

    try:
        return make_url(url).render_as_string(hide_password=True)
    except Exception:  # an unparsable URL is shown by its scheme only, never its secrets
        return url.split("://", 1)[0] + "://…"


def _catalog_entry(adapter: Adapter, parts: list[str], url: str) -> dict | None:
    """The table's catalog entry (default schema only), or a clear error when it is missing."""
    if len(parts) > 1:
        return None  # other schemas are not in tables(); the query itself will say if missing
    tables = adapter.tables()
    want = parts[0]
    for entry in tables:
        if entry["name"] == want:
            return entry
    for entry in tables:
        if entry["name"].lower() == want.lower():
            return entry
    names = ", ".join(sorted(e["name"] for e in tables)[:15]) or "none"
    raise ConfigError(
        f"table {want!r} not found in {redact(url)} (tables there: {names}). Check the name "
        f"and its case, qualify it with its schema, or pass a SELECT query instead."
    )


def table_sql(adapter: Adapter, name: str, columns: list[str] | None, where: str | None) -> str:
    """The query reading a table (`name` already quoted), narrowed by --columns/--where."""
    cols = ", ".join(adapter.quote(c) for c in columns) if columns else "*"
    return f"SELECT {cols} FROM {name}" + (f" WHERE {where}" if where else "")


def resolve(
    adapter: Adapter, url: str, text: str, columns: list[str] | None, where: str | None
) -> Input:
    """The query for one side; a named table is checked against the catalog first."""
    cols = ", ".join(adapter.quote(c) for c in columns) if columns else "*"
    if is_table_ref(text):
        parts = split_ref(text)
        entry = _catalog_entry(adapter, parts, url)
        name = ".".join(adapter.quote(p) for p in parts)
        if entry:
            name = adapter.quote(entry["name"])
        sql = table_sql(adapter, name, columns, where)
        pk = list(entry["primary_key"]) if entry else []
        return Input(sql, parts, pk, int(entry["row_count"]) if entry else None)
    query = text.strip().rstrip(";")
    if not query:
        raise ConfigError("an empty query was given; pass a table name or a SELECT query")
    if columns or where:
        # The outer query defines no order, whatever the inner one sorted.
        sorted_rows = _order_of(query, adapter.DIALECT) is not None
        query = f"SELECT {cols} FROM ({query}) q" + (f" WHERE {where}" if where else "")
        return Input(query, None, [], None, order_dropped=sorted_rows)
    return Input(query, None, [], None, _order_of(query, adapter.DIALECT))


def _order_of(query: str, dialect: str) -> list[str] | None:
    """The columns a query's top-level ORDER BY sorts on (see Input.order_by)."""
    import sqlglot

    from tools import sql as sqltools

    try:
        select = sqlglot.parse_one(query, read=dialect)
    except sqlglot.errors.SqlglotError:
        return None  # the engine will say what is wrong with it
    return sqltools.order_columns(select) if sqltools.has_order_by(select) else None
