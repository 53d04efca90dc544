"""width_bucket(x, low, high, count) (PostgreSQL source).

PostgreSQL numbers equal-width buckets between low and high from 1 to count (0 below the
range, count + 1 at or above its end; with low > high the buckets run downwards) and gives
NULL for a NULL operand. DuckDB, SQLite and MySQL/MariaDB have no width_bucket (sqlglot
writes the call as it is). The rewrite is PostgreSQL's own float8 arithmetic, on every
target: count * ((x - low) / (high - low)) truncated, at most count - 1, plus 1.
"""

from __future__ import annotations

from typing import ClassVar

from sqlglot import exp

from tools.semantics.base import DIALECTS, Family, SemanticsContext, template

_BUILT_IN = "width_bucket() built in"
_MISSING = "no width_bucket()"

#: the bucket, over X LO HI N; FRACTION_UP / FRACTION_DOWN are count times the operand's
#: share of the range, floored (at most count - 1: the quotient may round up to 1.0)
_BUCKET = """CASE WHEN X IS NULL THEN NULL
  WHEN LO < HI THEN CASE WHEN X < LO THEN 0 WHEN X >= HI THEN N + 1
    ELSE CASE WHEN FRACTION_UP > N - 1 THEN N - 1 ELSE FRACTION_UP END + 1 END
  ELSE CASE WHEN X > LO THEN 0 WHEN X <= HI THEN N + 1
    ELSE CASE WHEN FRACTION_DOWN > N - 1 THEN N - 1 ELSE FRACTION_DOWN END + 1 END END"""
_UP = "N * ((CAST(X AS DOUBLE) - LO) / (HI - LO))"
_DOWN = "N * ((LO - CAST(X AS DOUBLE)) / (LO - HI))"
#: per target: the float type, and the floor of a non-negative float (SQLite 3.40 may lack
#: FLOOR, and its CAST truncates; DuckDB's CAST would round)
_DOUBLE = {"duckdb": "DOUBLE", "mysql": "DOUBLE", "sqlite": "REAL", "clickhouse": "Float64"}
_FLOOR = {"sqlite": "CAST({} AS INTEGER)"}


class WidthBucket(Family):
    name = "pg_width_bucket"
    why = "width_bucket() (PostgreSQL function counterparts)"
    BEHAVIOUR: ClassVar[dict[str, str]] = {d: _MISSING for d in DIALECTS} | {
        "postgres": _BUILT_IN}
    SOURCES = ("postgres",)
    REWRITES: ClassVar[dict[tuple[str, str], str]] = {(_BUILT_IN, _MISSING): "arithmetic"}

    def nodes(self, tree: exp.Expr, ctx: SemanticsContext) -> list[exp.Expr]:
        return list(ctx.find(tree, exp.WidthBucket))

    def arithmetic(self, node: exp.Expr, ctx: SemanticsContext) -> exp.Expr:
        floor = _FLOOR.get(ctx.target, "FLOOR({})")
        sql = (_BUCKET.replace("FRACTION_UP", floor.format(_UP))
               .replace("FRACTION_DOWN", floor.format(_DOWN))
               .replace("DOUBLE", _DOUBLE[ctx.target]))
        return exp.cast(template(sql, ctx.target, X=node.this, LO=node.args["min_value"],
                                 HI=node.args["max_value"], N=node.args["num_buckets"]),
                        exp.DType.INT)
