"""The semantics library: rewrites that keep the source's meaning on the target, per construct
family and dialect pair, applied up front by the translator (tools.sql.transpile).

Each family (one module each) is data: a behaviour per dialect and a rewrite per pair of
behaviours; `pair_table()` derives the family x pair table docs/semantics.md shows, and
`apply()` rewrites a source-parsed tree before sqlglot writes it in the target dialect.
Every rewrite is proven by tests/fixtures/semantics/<family>.yaml on the real engines.
"""

from __future__ import annotations

import functools

from sqlglot import exp

from tools.errors import Unsupported
from tools.semantics.aggregate_filter import AggregateFilter
from tools.semantics.alias_shadowing import AliasShadowing
from tools.semantics.base import OPEN, SAME, UNSUPPORTED, Family, SemanticsContext
from tools.semantics.bool_text import BoolText
from tools.semantics.boolean_numbers import BooleanNumbers
from tools.semantics.char_padding import CharPadding
from tools.semantics.clickhouse_format import ClickhouseFormat
from tools.semantics.concat_functions import ConcatFunctions
from tools.semantics.date_arithmetic import DateArithmetic
from tools.semantics.date_builders import DateBuilders
from tools.semantics.date_names import DateNames
from tools.semantics.date_parts_sqlite import DatePartsSqlite
from tools.semantics.date_trunc import DateTrunc
from tools.semantics.day_of_week import DayOfWeek
from tools.semantics.decimal_scale import DecimalScale
from tools.semantics.derived_columns import DerivedColumns
from tools.semantics.empty_aggregates import EmptyAggregates
from tools.semantics.enum_order import EnumOrder
from tools.semantics.explicit_collate import ExplicitCollate
from tools.semantics.extract_fields import ExtractFields
from tools.semantics.format_codes import FormatCodes, PostgresKeepingTemplates
from tools.semantics.glob import Glob
from tools.semantics.greatest_least import GreatestLeast
from tools.semantics.greatest_least_types import GreatestLeastTypes
from tools.semantics.grouped_columns import GroupedColumns
from tools.semantics.hex_text import HexText
from tools.semantics.identifier_case import IdentifierCase
from tools.semantics.integer_cast import IntegerCast
from tools.semantics.integer_division import IntegerDivision
from tools.semantics.interval_columns import IntervalColumns
from tools.semantics.interval_sum import IntervalSum
from tools.semantics.like_case import LikeCase
from tools.semantics.like_escape import LikeEscape
from tools.semantics.modulo import Modulo
from tools.semantics.mysql_date_text import MysqlDateText
from tools.semantics.ordered_string_agg import OrderedStringAgg
from tools.semantics.percentiles import Percentiles
from tools.semantics.pg_chr import Chr
from tools.semantics.pg_encode import Encode
from tools.semantics.pg_every import Every
from tools.semantics.pg_format import PgFormat
from tools.semantics.pg_justify import Justify
from tools.semantics.pg_null_counts import NullCounts
from tools.semantics.pg_number_text import NumberText
from tools.semantics.pg_overlay import Overlay
from tools.semantics.pg_quoting import Quoting
from tools.semantics.pg_regexp_match import RegexpMatch
from tools.semantics.pg_series_alias import SeriesAlias
from tools.semantics.pg_width_bucket import WidthBucket
from tools.semantics.real_text import RealText
from tools.semantics.regex import Regex
from tools.semantics.rounding import FloatRounding
from tools.semantics.single_precision_text import SinglePrecisionText
from tools.semantics.sqlite_date_text import SqliteDateText
from tools.semantics.sqlite_dates import SqliteDates
from tools.semantics.sqlite_printf import SqlitePrintf
from tools.semantics.sqlite_strftime import SqliteStrftime
from tools.semantics.substring import Substring
from tools.semantics.text_affinity import TextAffinity
from tools.semantics.text_arithmetic import TextArithmetic
from tools.semantics.text_case import TextCase
from tools.semantics.text_collation import TextCollation
from tools.semantics.text_length import TextLength
from tools.semantics.text_number_cast import TextNumberCast
from tools.semantics.timestamp_diff import TimestampDiff
from tools.semantics.week_numbers import WeekNumbers

FAMILIES: tuple[Family, ...] = (
    IntegerDivision(), FloatRounding(), Substring(), GreatestLeast(), LikeCase(), LikeEscape(),
    DayOfWeek(), TextLength(), FormatCodes(), DateArithmetic(),
    # numeric and aggregate families
    TextArithmetic(), TextNumberCast(), BooleanNumbers(), IntegerCast(), DecimalScale(), Modulo(),
    AggregateFilter(), Percentiles(), EmptyAggregates(), GroupedColumns(),
    # date and time families
    WeekNumbers(), TimestampDiff(), SqliteDates(), DateTrunc(), ExtractFields(), DatePartsSqlite(),
    DateBuilders(), SqliteStrftime(), SqliteDateText(), MysqlDateText(), ClickhouseFormat(),
    DateNames(), IntervalColumns(), IntervalSum(),
    # text families
    TextCollation(), CharPadding(), TextCase(), Regex(), IdentifierCase(), BoolText(),
    RealText(),
    EnumOrder(), GreatestLeastTypes(),  # from a MySQL source (parity-mysql)
    ConcatFunctions(), SinglePrecisionText(), OrderedStringAgg(),  # source postgres (parity-pg)
    DerivedColumns(), Glob(), ExplicitCollate(),  # met in TPC-H's sources
    # sqlite source (parity-sqlite); AliasShadowing last: it reads the aliases others make
    HexText(), TextAffinity(), SqlitePrintf(),
    # PostgreSQL function counterparts: built-ins the targets lack or spell otherwise
    NullCounts(), Every(), NumberText(), Quoting(), PgFormat(), RegexpMatch(), WidthBucket(),
    Overlay(), Chr(), Encode(), Justify(), SeriesAlias(),
    AliasShadowing(),
)

__all__ = ["FAMILIES", "SemanticsContext", "apply", "pair_table", "reading_dialect"]


def reading_dialect(dialect: str) -> str | type:
    """The dialect to parse a source with: PostgreSQL keeps its to_char templates."""
    return PostgresKeepingTemplates if dialect == "postgres" else dialect


def pair_table() -> dict[str, dict[tuple[str, str], str]]:
    """family name -> (source, target) -> 'same' | method name | 'unsupported: reason'."""
    return {family.name: family.pairs() for family in FAMILIES}


@functools.cache
def _acting(source: str, target: str) -> tuple[tuple[Family, str], ...]:
    """The families that act from `source` to `target`, each with its pair entry (a method
    name or 'unsupported: ...'), in FAMILIES order: read once per pair, not per statement."""
    acting = []
    for family in FAMILIES:
        how = family.pairs().get((source, target))
        if how is not None and how != SAME and not how.startswith(OPEN):
            acting.append((family, how))
    return tuple(acting)


def _depth(node: exp.Expr) -> int:
    depth = 0
    while node.parent is not None:
        node, depth = node.parent, depth + 1
    return depth


def _mark_touched(node: exp.Expr, replaced: bool, ctx: SemanticsContext) -> None:
    """Record the SELECT whose own nodes a rewrite of `node` may have changed (the nearest
    at or above it; when the node is replaced, also the one above a replaced SELECT)."""
    select: exp.Expr | None = node
    while select is not None and not isinstance(select, exp.Select):
        select = select.parent
    if select is None:
        return
    ctx.touched.add(id(select))
    if replaced and select is node:
        outer = node.parent
        while outer is not None and not isinstance(outer, exp.Select):
            outer = outer.parent
        if outer is not None:
            ctx.touched.add(id(outer))


def apply(tree: exp.Expr, ctx: SemanticsContext) -> list[str]:
    """Rewrite `tree` (parsed in ctx.source) in place for ctx.target; return the rewrites made
    as 'family.method'. Raise Unsupported when a construct present has no faithful rewrite."""
    if ctx.source == ctx.target:
        return []
    found: list[tuple[Family, str, exp.Expr]] = []
    ctx.pristine = True  # the families look at the tree as parsed, until the rewrites below
    try:
        for family, how in _acting(ctx.source, ctx.target):
            for node in family.nodes(tree, ctx):
                if family.applies(node, tree, ctx):
                    found.append((family, how, node))
    finally:
        ctx.pristine = False
    for family, how, _node in found:
        if how.startswith(UNSUPPORTED):
            raise Unsupported(f"{family.why} cannot be carried from {ctx.source} to "
                              f"{ctx.target}: {how[len(UNSUPPORTED):]}")
    done: list[str] = []
    # innermost first: an outer rewrite copies its already rewritten arguments (the sort is
    # stable, so two families on one node run in FAMILIES order)
    for family, how, node in sorted(found, key=lambda f: -_depth(f[2])):
        rewritten = getattr(family, how)(node, ctx)
        _mark_touched(node, rewritten is not node, ctx)
        if rewritten is not node:
            node.replace(rewritten)
        done.append(f"{family.name}.{how}")
    return done
