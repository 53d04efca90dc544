"""The DuckDB-file recipe for DuckDBScan: the comparing DuckDB attaches the source file
read-only and runs the query itself, so no row crosses into Python.

When the query reads one base table (SELECT <columns> FROM t [WHERE ...]), the side is not even
copied: it becomes a view over the attached table whose `rowid` is the row's stable position
(the compare reads a side more than once and picks rows by position). Two DuckDB files are then
compared in place, the diff pushed down into one engine. Any other query is copied once by
DuckDB (CREATE TABLE AS, in C++), names resolving in the attached file (USE).
"""

from __future__ import annotations

from pathlib import Path

import sqlglot
from sqlglot import exp

from tools.db.scan import DuckDBScan
from tools.db.scan import sql_literal as _literal

_NOT_ONE_TABLE = (exp.Join, exp.Group, exp.Having, exp.Distinct, exp.Limit, exp.Window,
                  exp.AggFunc, exp.With, exp.Subquery, exp.Union, exp.Qualify)


def _view_over_table(sql: str, alias: str) -> str | None:
    """`sql` as a query over the attached catalog with `rowid AS __rid` added, or None when it
    is not a plain read of one table (rowid would not be a stable position)."""
    try:
        tree = sqlglot.parse_one(sql, read="duckdb")
    except sqlglot.errors.ParseError:
        return None
    if not isinstance(tree, exp.Select) or any(tree.find(k) for k in _NOT_ONE_TABLE):
        return None
    tables = list(tree.find_all(exp.Table))
    if len(tables) != 1 or tables[0].catalog or not isinstance(tables[0].this,
                                                                 exp.Identifier):
        return None
    table = tables[0]
    table.set("catalog", exp.to_identifier(alias))
    table.set("db", table.args.get("db") or exp.to_identifier("main"))
    name = table.args["alias"].this if table.alias else table.this
    rowid = exp.Column(this=exp.to_identifier("rowid"), table=name.copy())
    tree = tree.select(exp.alias_(rowid, "__rid"), copy=False)
    return tree.sql("duckdb")


def recipe(path: str, sql: str, alias: str) -> DuckDBScan:
    """Attach `path` read-only as `alias`; the relation runs `sql` (guarded by the adapter)
    there, and `view` reads a single table in place."""
    query = sql.strip().rstrip(";")
    return DuckDBScan(
        # A side read again under the same name replaces the earlier attachment.
        setup=[f"DETACH DATABASE IF EXISTS {alias}",
               f"ATTACH {_literal(str(Path(path).resolve()))} AS {alias} (READ_ONLY)",
               f"USE {alias}"],
        relation=f"(\n{query}\n) {alias}_q",
        # No DETACH: a view over the file needs it attached until the comparing DuckDB closes.
        teardown=[],
        via="DuckDB file attached read-only",
        view=_view_over_table(query, alias),
    )
