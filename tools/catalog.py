"""Source catalog introspection with SQLAlchemy: tables, columns, types, keys, row counts.

SQLAlchemy's inspector reads the catalog the same way on every engine; the adapter only turns
its type names into canonical types and counts rows through the guarded read-only session.
Engines SQLAlchemy cannot open read-only here fall back to the adapter's own catalog query.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import create_engine, inspect
from sqlalchemy.exc import SQLAlchemyError

from tools.db.base import Adapter
from tools.db.urls import file_path, scheme


def _read_only_url(url: str) -> str | None:
    if scheme(url) == "sqlite":
        return f"sqlite:///file:{file_path(url)}?mode=ro&uri=true"
    return None  # DuckDB allows one writer per file; servers use the adapter's session


def introspect(url: str, adapter: Adapter) -> tuple[list[dict[str, Any]], list[str]]:
    """(tables, view names) on the source."""
    ro_url = _read_only_url(url)
    if ro_url is None:
        return adapter.tables(), adapter.views()
    engine = create_engine(ro_url)
    try:
        insp = inspect(engine)
        tables = []
        reader = getattr(adapter, "collations", None)
        collations = reader() if callable(reader) else {}
        for name in sorted(insp.get_table_names()):
            declared = collations.get(name, {})
            columns = [{"name": c["name"], "type": str(c["type"]),
                        "canonical": adapter.canonical_type(str(c["type"])),
                        "nullable": bool(c.get("nullable", True)),
                        "collation": declared.get(c["name"].lower())}
                       for c in insp.get_columns(name)]
            pk = list(insp.get_pk_constraint(name).get("constrained_columns") or [])
            count = adapter.read_arrow(f"SELECT COUNT(*) AS n FROM {adapter.quote(name)}")
            tables.append({"name": name, "columns": columns, "primary_key": pk,
                           "row_count": int(count.column(0)[0].as_py())})
        return tables, list(insp.get_view_names())
    except SQLAlchemyError:
        return adapter.tables(), adapter.views()
    finally:
        engine.dispose()


def foreign_keys(url: str, adapter: Adapter) -> dict[str, list[dict[str, Any]]]:
    """table -> [{columns, referred_table, referred_columns}] on the source, where the catalog
    can be read without writing (SQLite's file opened read-only; the adapter's own
    `foreign_keys()` where an adapter has one). Unknown is empty: FKs only add tests."""
    ro_url = _read_only_url(url)
    if ro_url is None:
        reader = getattr(adapter, "foreign_keys", None)
        return reader() if callable(reader) else {}
    engine = create_engine(ro_url)
    try:
        insp = inspect(engine)
        return {name.lower(): [{"columns": fk["constrained_columns"],
                                "referred_table": fk["referred_table"],
                                "referred_columns": fk["referred_columns"]}
                               for fk in insp.get_foreign_keys(name)]
                for name in insp.get_table_names()}
    except SQLAlchemyError:
        return {}
    finally:
        engine.dispose()
