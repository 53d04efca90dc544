"""format() (PostgreSQL source).

PostgreSQL's format(template, args...) fills %s with an argument's text (NULL as ''), %I with
it quoted as an identifier, %L as a literal (NULL as the word NULL), %% with '%', and %n$s
takes the n-th argument (a later bare %s goes on from n + 1). DuckDB's format() is
fmt-style ({}), MySQL's formats a number, SQLite's is printf (NULL as ''), ClickHouse's is
{}-style: sqlglot keeps the call and every target answers something else. The rewrite reads
the template (a literal) and writes the pieces joined with ||; widths and flags (%-10s) or a
template that is not a literal are unsupported, as is a float argument to %s (PostgreSQL
writes its shortest text, the targets their own).
"""

from __future__ import annotations

import re
from typing import ClassVar

from sqlglot import exp

from tools.errors import Unsupported
from tools.semantics import kinds
from tools.semantics.base import DIALECTS, Family, SemanticsContext
from tools.semantics.pg_quoting import as_text, ident_of, joined, nullable_literal_of

_PG = "PostgreSQL's %s %I %L format()"
_OTHER = "a format() of another kind"
_SPEC = re.compile(r"%(?:(\d+)\$)?([^sIL%]*)([sIL%])")


class PgFormat(Family):
    name = "pg_format"
    why = "format() with %s, %I, %L (PostgreSQL function counterparts)"
    BEHAVIOUR: ClassVar[dict[str, str]] = {d: _OTHER for d in DIALECTS} | {"postgres": _PG}
    SOURCES = ("postgres",)
    REWRITES: ClassVar[dict[tuple[str, str], str]] = {(_PG, _OTHER): "spelled_out"}

    def nodes(self, tree: exp.Expr, ctx: SemanticsContext) -> list[exp.Expr]:
        return list(ctx.find(tree, exp.Format))

    def _refuse(self, ctx: SemanticsContext, reason: str) -> Unsupported:
        return Unsupported(f"{self.why} cannot be carried from {ctx.source} to {ctx.target}: "
                           f"{reason}")

    def spelled_out(self, node: exp.Expr, ctx: SemanticsContext) -> exp.Expr:
        template, args = node.this, node.expressions
        if not (isinstance(template, exp.Literal) and template.is_string):
            raise self._refuse(ctx, "its template is not a literal; write the pieces with ||")
        parts: list[exp.Expr] = []
        text, at, following = template.name, 0, 0
        for spec in _SPEC.finditer(text):
            if spec.start() > at:
                parts.append(exp.Literal.string(text[at:spec.start()]))
            at = spec.end()
            position, flags, code = spec.groups()
            if code == "%":
                parts.append(exp.Literal.string("%"))
                continue
            if flags:
                raise self._refuse(ctx, f"the width or flag in '%{flags}{code}' is not "
                                        f"carried; pad the argument with lpad/rpad")
            index = int(position) - 1 if position else following
            following = index + 1
            if not 0 <= index < len(args):
                raise self._refuse(ctx, "the template asks for more arguments than it has")
            parts.append(self._piece(code, args[index], ctx))
        if at < len(text):
            parts.append(exp.Literal.string(text[at:]))
        if not parts:
            return exp.Literal.string("")
        return joined(*parts) if len(parts) > 1 else parts[0]

    def _piece(self, code: str, arg: exp.Expr, ctx: SemanticsContext) -> exp.Expr:
        if code == "I":
            return ident_of(as_text(arg, ctx), ctx.target)
        if code == "L":
            return nullable_literal_of(as_text(arg, ctx), ctx.target)
        if ctx.source_kind(arg.root(), arg) == kinds.FLOAT:
            raise self._refuse(ctx, "a float's text differs between engines; cast the "
                                    "argument to numeric in the template's call")
        return exp.Coalesce(this=as_text(arg, ctx), expressions=[exp.Literal.string("")])
