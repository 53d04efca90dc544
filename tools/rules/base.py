"""What a fixer rule is, what it is told, and the typing helper most rules share.

A rule is data (id, dialect pairs, causes it fixes, compile-error pattern, why) plus one small
`apply` function that rewrites a candidate tree. Rules never talk to a database: the fixer
checks every rewrite against the data, so a rule only has to be a faithful translation of the
source semantics it names.
"""

from __future__ import annotations

import inspect
import re
from collections.abc import Callable
from dataclasses import dataclass

import sqlglot
from sqlglot import exp
from sqlglot.dialects.dialect import Dialect
from sqlglot.errors import SqlglotError
from sqlglot.optimizer.annotate_types import annotate_types
from sqlglot.optimizer.qualify import qualify
from sqlglot.parsers.duckdb import DuckDBParser

from tools.db.types import parse_decimal

#: every diagnosis cause the differ can report (a compile error is the pseudo-cause "compile")
CAUSES = frozenset({
    "integer_division", "ratio", "rounding", "precision", "case", "whitespace", "nulls",
    "ordering", "missing_rows", "extra_rows", "duplicates", "type", "truncation", "columns",
    "values", "nondeterministic", "compile",
})
ANY = "*"


@dataclass(frozen=True)
class RuleContext:
    """Everything a rule may look at besides the candidate tree; built by the fixer."""

    source_dialect: str
    target_dialect: str
    schema: dict[str, dict[str, str]]
    """source table (and, when known, earlier codebase object) -> column -> canonical type"""
    source_sql: str
    """the object's SELECT in the source dialect"""
    causes: frozenset[str]
    """diagnosis causes of the last diff; empty when the problem is a compile error"""
    compile_error: str | None
    """the target's error text when the candidate failed to compile or run"""
    diff_columns: tuple[str, ...] = ()
    """result columns that differed"""


Apply = Callable[[exp.Expr, RuleContext], exp.Expr | None]


@dataclass(frozen=True)
class Rule:
    id: str
    pairs: tuple[tuple[str, str], ...]
    fixes: frozenset[str]
    error_pattern: str | None
    why: str
    apply: Apply

    def __post_init__(self) -> None:
        unknown = self.fixes - CAUSES
        if unknown:
            raise ValueError(f"rule {self.id}: unknown causes {sorted(unknown)}")
        if "compile" in self.fixes and not self.error_pattern:
            raise ValueError(f"rule {self.id}: a compile rule needs an error_pattern")
        if self.error_pattern:
            re.compile(self.error_pattern, re.I)

    def covers(self, source: str, target: str) -> bool:
        return any(s in (ANY, source) and t in (ANY, target) for s, t in self.pairs)

    def specificity(self, source: str, target: str) -> int:
        """2 = names both dialects, 1 = one of them, 0 = any pair."""
        return max((int(s == source) + int(t == target) for s, t in self.pairs
                    if s in (ANY, source) and t in (ANY, target)), default=-1)


def pairs(sources: tuple[str, ...], targets: tuple[str, ...]) -> tuple[tuple[str, str], ...]:
    return tuple((s, t) for s in sources for t in targets if s != t)


# --- types -------------------------------------------------------------------------------

_CANONICAL_SQL = {
    "int": "BIGINT", "float": "DOUBLE", "text": "TEXT", "bool": "BOOLEAN", "date": "DATE",
    "timestamp": "TIMESTAMP", "timestamptz": "TIMESTAMPTZ", "time": "TIME", "blob": "BLOB",
    "json": "JSON",
}
_TAG = "cutover_node"


def sql_schema(schema: dict[str, dict[str, str]],
               override: dict[str, str] | None = None) -> dict[str, dict[str, str]]:
    """Canonical types -> SQL type names sqlglot's annotator understands.

    `override` maps canonical names to replacements, e.g. {"bool": "int"} for SQLite, where a
    BOOLEAN column holds the integers 0 and 1 (SUM(flag) / COUNT(*) divides integers there).
    """
    out: dict[str, dict[str, str]] = {}
    for table, columns in schema.items():
        cols: dict[str, str] = {}
        for column, canonical in columns.items():
            canonical = (override or {}).get(canonical, canonical)
            dec = parse_decimal(canonical)
            cols[column] = (f"DECIMAL({dec[0]}, {dec[1]})" if dec
                            else _CANONICAL_SQL.get(canonical, "UNKNOWN"))
        out[table] = cols
    return out


def node_types(tree: exp.Expr, ctx: RuleContext, dialect: str,
               override: dict[str, str] | None = None) -> dict[int, exp.DataType]:
    """Type of every node of `tree`, keyed by id(node), without rewriting `tree` itself.

    qualify() rewrites what it annotates (quotes, aliases such as _col_0, expanded alias
    references), and the result columns must keep their names, so the work happens on a
    tagged copy and the types are carried back through the tags. `dialect` picks whose typing
    rules apply: pass the source dialect to ask "what type was this in the source?".
    Unknown tables or ambiguous columns leave their nodes untyped rather than failing.
    """
    originals: dict[int, exp.Expr] = {}
    for i, node in enumerate(tree.walk()):
        node.meta[_TAG] = i
        originals[i] = node
    work = tree.copy()
    for node in tree.walk():
        node.meta.pop(_TAG, None)
    try:
        schema: dict[str, object] = dict(sql_schema(ctx.schema, override))
        # The tree is target SQL, so it is qualified as such; the typing rules are `dialect`'s.
        work = qualify(work, schema=schema, dialect=ctx.target_dialect,
                       validate_qualify_columns=False, identify=False, expand_alias_refs=False)
        work = annotate_types(work, schema=schema, dialect=dialect)
    except (SqlglotError, KeyError, ValueError, TypeError):
        return {}
    types: dict[int, exp.DataType] = {}
    for node in work.walk():
        tag = node.meta.get(_TAG)
        if tag is not None and tag in originals and node.type is not None:
            types.setdefault(id(originals[tag]), node.type)
    return types


def is_type(types: dict[int, exp.DataType], node: exp.Expr, *kinds: exp.DType) -> bool:
    dtype = types.get(id(node))
    return dtype is not None and dtype.is_type(*kinds)


def func_name(node: exp.Expr) -> str:
    """Upper-case name of a function node, whether sqlglot knows it or passes it through."""
    if isinstance(node, exp.Anonymous):
        return str(node.this).upper()
    if isinstance(node, exp.Func):
        return node.sql_name().upper()
    return ""


def anonymous_calls(tree: exp.Expr, *names: str) -> list[exp.Anonymous]:
    """Pass-through function calls with one of `names` (upper case), innermost first."""
    wanted = set(names)
    found = [n for n in tree.find_all(exp.Anonymous) if str(n.this).upper() in wanted]
    return sorted(found, key=lambda n: -_depth(n))


def _depth(node: exp.Expr) -> int:
    depth = 0
    while node.parent is not None:
        node = node.parent
        depth += 1
    return depth


# --- parsing candidates ----------------------------------------------------------------------


def _raw_when_modified(name: str, builder: Callable[..., exp.Expr] | None,
                       max_args: int) -> Callable[..., exp.Expr]:
    # sqlglot calls some builders as builder(args) and others as builder(args, dialect=…).
    wants_dialect = builder is not None and "dialect" in inspect.signature(builder).parameters

    def build(args: list, dialect: Dialect | None = None) -> exp.Expr:
        if builder is None or len(args) > max_args:
            return exp.Anonymous(this=name, expressions=args)
        if not wants_dialect:
            return builder(args)
        return builder(args, dialect=dialect or Dialect.get_or_raise("duckdb"))
    return build


class _DuckDBKeepingSQLiteDates(DuckDBParser):
    """DuckDB's parser, except that SQLite date calls with modifiers stay as written.

    The plain DuckDB parser reads the pass-through DATE(d, 'start of month') as DATE with a
    time zone, DATETIME(ts, '-1 hour') as DATETIME(date, time), and refuses three arguments:
    the modifiers would be lost before a rule could translate them.
    """

    FUNCTIONS = {
        **DuckDBParser.FUNCTIONS,
        "DATE": _raw_when_modified("DATE", exp.Date.from_arg_list, 1),
        "DATETIME": _raw_when_modified("DATETIME", None, 0),
        "STRFTIME": _raw_when_modified("STRFTIME", DuckDBParser.FUNCTIONS.get("STRFTIME"), 2),
    }


def parse_candidate(sql: str, dialect: str) -> exp.Expr | None:
    """Parse a candidate (target-dialect SQL) for the rules; raises SqlglotError."""
    if dialect != "duckdb":
        return sqlglot.parse_one(sql, read=dialect)
    duckdb = Dialect.get_or_raise("duckdb")
    trees = _DuckDBKeepingSQLiteDates(dialect=duckdb).parse(duckdb.tokenize(sql), sql)
    return trees[0] if len(trees) == 1 else None
