"""SQLite's typeof(): the storage class of a value.

SQLite's typeof(x) names the class the value is stored in: 'null', 'integer', 'real', 'text'
or 'blob'. A column's affinity decides it: an INTEGER column holds 'integer', a REAL column
'real' (7 is stored as 7.0), a TEXT column 'text' (a number is stored as its text), a
NUMERIC one 'integer' for a whole value and 'real' otherwise (2.00 is stored as 2); an
integer expression or a comparison is 'integer', a string literal 'text'. DuckDB's typeof
names the column's type ('BIGINT'), PostgreSQL's pg_typeof its type ('bigint'), MySQL has no
typeof and ClickHouse's toTypeName names the type. The rewrite writes the class from the
source catalog's type, 'null' for NULL; an operand whose type the catalog does not tell is
left alone.
"""

from __future__ import annotations

from typing import ClassVar

from sqlglot import exp

from tools.semantics import kinds
from tools.semantics.base import Family, SemanticsContext, template
from tools.semantics.numeric import is_text, number_kind

_STORAGE = "typeof() names the value's storage class"
_TYPE = "typeof() names the column's type, or is missing"

_CLASS = {kinds.INT: "integer", kinds.FLOAT: "real"}


class SqliteTypeof(Family):
    name = "sqlite_typeof"
    why = "typeof(): a value's storage class"
    BEHAVIOUR: ClassVar[dict[str, str]] = {
        "sqlite": _STORAGE, "duckdb": _TYPE, "postgres": _TYPE, "mysql": _TYPE,
        "clickhouse": _TYPE,
    }
    SOURCES = ("sqlite",)
    REWRITES: ClassVar[dict[tuple[str, str], str]] = {(_STORAGE, _TYPE): "storage_class"}

    def nodes(self, tree: exp.Expr, ctx: SemanticsContext) -> list[exp.Expr]:
        return list(ctx.find(tree, exp.Typeof))

    def applies(self, node: exp.Expr, tree: exp.Expr, ctx: SemanticsContext) -> bool:
        # typed now: an inner family may rewrite the operand (n / 2 -> n // 2) before us
        node.meta["sqlite_class"] = self._class_of(node.this, tree, ctx)
        return node.meta["sqlite_class"] is not None

    @staticmethod
    def _class_of(value: exp.Expr, tree: exp.Expr, ctx: SemanticsContext) -> str | None:
        """'integer', 'real', 'text', 'numeric' (integer or real by the value) or None."""
        if isinstance(value, exp.Null):
            return "null"
        if is_text(tree, value, ctx):
            return "text"
        kind = number_kind(tree, value, ctx)
        if kind == kinds.DECIMAL and isinstance(value, exp.Column):
            return "numeric"
        if kind == kinds.DATE and isinstance(value, exp.Column):
            return "text"  # SQLite keeps dates as ISO text
        return _CLASS.get(kind or "")

    def storage_class(self, node: exp.Expr, ctx: SemanticsContext) -> exp.Expr:
        value, named = node.this, node.meta["sqlite_class"]
        if named == "null":
            return exp.Literal.string("null")
        if named == "numeric":
            return template("CASE WHEN X IS NULL THEN 'null' WHEN X = FLOOR(X) THEN 'integer' "
                            "ELSE 'real' END", "postgres", X=value)
        return template(f"CASE WHEN X IS NULL THEN 'null' ELSE '{named}' END", "postgres",
                        X=value)
