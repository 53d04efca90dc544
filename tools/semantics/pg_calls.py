"""What the PostgreSQL function counterparts share: finding a call sqlglot keeps by name
(num_nulls, quote_ident, regexp_match, ... reach the target spelled as written, and the target
has no such function), and the behaviour labels their pair tables use."""

from __future__ import annotations

from sqlglot import exp

from tools.semantics.base import SemanticsContext

#: the PostgreSQL built-in a family carries
BUILT_IN = "PostgreSQL built-in"
#: a target without the function (sqlglot writes the call as is: a compile error)
MISSING = "no such function"


def calls(tree: exp.Expr, ctx: SemanticsContext, *names: str) -> list[exp.Anonymous]:
    """The calls of these (lower-case) function names that sqlglot kept as written."""
    return [node for node in ctx.find(tree, exp.Anonymous)
            if isinstance(node.this, str) and node.this.lower() in names]


def open_on(*targets: str, why: str) -> dict[tuple[str, str], str]:
    """OVERRIDES marking PostgreSQL -> each of `targets` a known gap (shown, not raised)."""
    return {("postgres", target): f"open: {why}" for target in targets}
