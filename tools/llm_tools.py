"""The tools an LLM agent may call, closed over the run's two adapters.

Every tool returns a string and never raises: a failure is text starting with ERROR_PREFIX that
the model can read and react to. Safety holds here, not in the prompt:
- every SQL string from the model passes the read-only guard in its side's dialect before it
  runs anywhere (the source adapter also guards on its own, and the target only gets EXPLAIN or
  SELECT, so a model cannot write outside the sandbox);
- results are capped at `rows_cap` rows and MAX_RESULT_CHARS characters;
- with privacy="strict" no data value is returned, only column names, types and counts; with
  "mask" values become type-preserving placeholders; [llm.columns] "never" columns are withheld
  in every mode (tools.llm_privacy).
"""

from __future__ import annotations

import datetime as dt
import decimal
import math
from collections import Counter
from collections.abc import Callable
from typing import Any, Literal

import pyarrow as pa
import sqlglot
from langchain_core.tools import BaseTool, StructuredTool
from pydantic import BaseModel, Field, ValidationError
from sqlglot.errors import ErrorLevel

from tools import guard
from tools.db.base import Adapter
from tools.errors import CutoverError, GuardRefused
from tools.llm_privacy import PrivacyPolicy

ERROR_PREFIX = "ERROR:"
"""Every failed tool result starts with this; run_tool_loop uses it to reject a submission."""
ACCEPTED_PREFIX = "ACCEPTED:"
SUBMIT_TOOL = "submit_sql"
MAX_RESULT_CHARS = 4_000
"""Cap on one tool result shown to the model (bytes cost tokens and may carry data)."""
MAX_VALUE_CHARS = 80
COMPARE_ROWS = 100_000
"""Rows per side compare_queries reads: enough for a quick check, bounded in memory."""

Side = Literal["source", "target"]


# ------------------------------------------------------------------------------ arg schemas
class TranspileArgs(BaseModel):
    sql: str = Field(description="SQL text to translate")
    read: str = Field(description="sqlglot dialect of the input, e.g. 'sqlite', 'postgres'")
    write: str = Field(description="sqlglot dialect to produce, e.g. 'duckdb'")


class CompileArgs(BaseModel):
    sql: str = Field(description="one SELECT/WITH query in the target dialect")


class RunQueryArgs(BaseModel):
    side: Side = Field(description="'source' (original database) or 'target' (new database)")
    sql: str = Field(description="one SELECT/WITH query in that side's dialect")
    limit: int = Field(default=10, description="rows to return (capped by the run)")


class DescribeArgs(BaseModel):
    side: Side = Field(description="'source' or 'target'")
    name: str = Field(description="table name")


class CompareArgs(BaseModel):
    source_sql: str = Field(description="the original query, in the source dialect")
    target_sql: str = Field(description="the candidate query, in the target dialect")


class SubmitArgs(BaseModel):
    sql: str = Field(description="the final query in the target dialect (one SELECT/WITH)")
    explanation: str = Field(default="", description="what you changed and why")


# ------------------------------------------------------------------------------ helpers
def _error(exc: BaseException) -> str:
    kind = exc.kind if isinstance(exc, CutoverError) else type(exc).__name__
    first = (str(exc).strip().splitlines() or [""])[0]
    return f"{ERROR_PREFIX} {kind}: {first[:1000]}"


def _safe(fn: Callable[..., str]) -> Callable[..., str]:
    """Wrap a tool body so that any failure becomes ERROR text for the model."""

    def wrapper(**kwargs: Any) -> str:
        try:
            return _clip(fn(**kwargs))
        except Exception as exc:  # a tool must never raise into the agent loop
            return _error(exc)

    wrapper.__name__ = fn.__name__
    wrapper.__doc__ = fn.__doc__
    return wrapper


def _bad_arguments(exc: ValidationError) -> str:
    """Malformed arguments from the model (missing field, wrong type) as ERROR text."""
    problems = "; ".join(f"{'.'.join(map(str, e['loc'])) or 'arguments'}: {e['msg']}"
                         for e in exc.errors())
    return f"{ERROR_PREFIX} invalid arguments: {problems}"


def _clip(text: str, limit: int = MAX_RESULT_CHARS) -> str:
    if len(text) <= limit:
        return text
    return text[:limit] + f"\n... (truncated: {len(text) - limit} more characters)"


def _strip(sql: str) -> str:
    return sql.strip().rstrip(";").strip()


def _render_value(value: Any) -> str:
    text = "NULL" if value is None else repr(value) if isinstance(value, str) else str(value)
    return text if len(text) <= MAX_VALUE_CHARS else text[:MAX_VALUE_CHARS] + "…"


def _policy(privacy: str | PrivacyPolicy) -> PrivacyPolicy:
    return privacy if isinstance(privacy, PrivacyPolicy) else PrivacyPolicy(mode=privacy)


def describe_result(table: pa.Table, *, shown: int, more: bool,
                    privacy: str | PrivacyPolicy) -> str:
    """Columns, types, row count and (privacy permitting) the rows, as plain text."""
    policy = _policy(privacy)
    columns = ", ".join(f"{f.name} {f.type}" for f in table.schema)
    count = f"{shown} shown, more exist (stopped at the cap)" if more else str(shown)
    lines = [f"columns: {columns}", f"rows: {count}"]
    if not policy.shows_values:
        lines.append("(privacy is strict: values are not shown)")
        return "\n".join(lines)
    if shown:
        lines.append(" | ".join(table.column_names))
        for row in table.slice(0, shown).to_pylist():
            lines.append(" | ".join(_render_value(policy.value(k, v)) for k, v in row.items()))
    return "\n".join(lines)


def _normal(value: Any) -> Any:
    """Make equal values from two engines hash alike (1 == 1.0 == Decimal('1.00'))."""
    if isinstance(value, bool) or value is None:
        return value
    if isinstance(value, (int, float, decimal.Decimal)):
        number = float(value)
        if math.isnan(number):
            return "NaN"
        return float(f"{number:.12g}")  # float noise below 12 significant digits is ignored
    if isinstance(value, dt.datetime):
        return value.isoformat(sep=" ")
    if isinstance(value, (dt.date, dt.time)):
        return value.isoformat()
    return value if isinstance(value, (str, bytes)) else str(value)


def _multiset(table: pa.Table) -> Counter[tuple[Any, ...]]:
    return Counter(tuple(_normal(v) for v in row.values()) for row in table.to_pylist())


# ------------------------------------------------------------------------------ the tools
class FixerToolbox:
    """Tool bodies closed over the adapters; `fixer_tools` exposes them as LangChain tools."""

    def __init__(self, *, source: Adapter, target: Adapter, source_dialect: str,
                 target_dialect: str, rows_cap: int, privacy: str | PrivacyPolicy,
                 compare_rows: int = COMPARE_ROWS) -> None:
        self.adapters: dict[str, Adapter] = {"source": source, "target": target}
        self.dialects = {"source": source_dialect, "target": target_dialect}
        self.rows_cap = max(1, rows_cap)
        self.privacy = _policy(privacy)
        self.compare_rows = compare_rows

    def _checked(self, side: str, sql: str) -> str:
        """The query, stripped; GuardRefused unless it is one read-only SELECT/WITH."""
        if side not in self.adapters:
            raise ValueError(f"side must be 'source' or 'target', not {side!r}")
        sql = _strip(sql)
        try:
            guard.check_read_only(sql, self.dialects[side])
        except GuardRefused as exc:
            # The guard words its refusals for the source; here it guards both sides.
            raise GuardRefused(str(exc).replace("(source is read-only)",
                                                f"(tools only read, {side} side)")) from exc
        return sql

    def transpile(self, sql: str, read: str, write: str) -> str:
        """Translate SQL between dialects with sqlglot; fails on unsupported constructs."""
        out = sqlglot.transpile(sql, read=read, write=write, pretty=True,
                                unsupported_level=ErrorLevel.RAISE)
        return ";\n".join(out)

    def compile_on_target(self, sql: str) -> str:
        """Compile (EXPLAIN) a query on the target without running it."""
        sql = self._checked("target", sql)
        self.adapters["target"].explain(sql)
        return f"OK: compiles on {self.dialects['target']}"

    def run_query(self, side: str, sql: str, limit: int = 10) -> str:
        """Run a read-only query on one side and show a few rows."""
        sql = self._checked(side, sql)
        shown = max(0, min(int(limit), self.rows_cap))
        # One extra row tells us whether the result was cut.
        table = self.adapters[side].read_arrow(sql, limit=shown + 1)
        return describe_result(table, shown=min(shown, table.num_rows),
                               more=table.num_rows > shown,
                               privacy=self.privacy.for_query(sql, self.dialects[side]))

    def describe_table(self, side: str, name: str) -> str:
        """Columns, types, primary key and row count of one table."""
        if side not in self.adapters:
            raise ValueError(f"side must be 'source' or 'target', not {side!r}")
        tables = self.adapters[side].tables()
        wanted = name.strip().strip('"`[]').split(".")[-1].lower()
        for table in tables:
            if table["name"].lower() == wanted:
                cols = "\n".join(f"  {c['name']} {c['type']}"
                                 f"{'' if c.get('nullable', True) else ' NOT NULL'}"
                                 for c in table["columns"])
                pk = ", ".join(table.get("primary_key") or []) or "(none)"
                return (f"table {table['name']} on the {side} ({self.dialects[side]}): "
                        f"{table.get('row_count', '?')} rows, primary key {pk}\n{cols}")
        known = ", ".join(sorted(t["name"] for t in tables)[:50]) or "(none)"
        return f"{ERROR_PREFIX} no table {name!r} on the {side}; tables there: {known}"

    def compare_queries(self, source_sql: str, target_sql: str) -> str:
        """Run both queries (bounded) and compare their rows as multisets."""
        source_sql = self._checked("source", source_sql)
        target_sql = self._checked("target", target_sql)
        cap = self.compare_rows
        left = self.adapters["source"].read_arrow(source_sql, limit=cap + 1)
        right = self.adapters["target"].read_arrow(target_sql, limit=cap + 1)
        policy = self.privacy.for_query(source_sql, self.dialects["source"])
        if policy.shows_values:
            policy = policy.for_query(target_sql, self.dialects["target"])
        return self._comparison(left, right, cut=left.num_rows > cap or right.num_rows > cap,
                                policy=policy)

    def _comparison(self, left: pa.Table, right: pa.Table, *, cut: bool,
                    policy: PrivacyPolicy) -> str:
        lines = [f"source: {left.num_rows} rows, columns {left.column_names}",
                 f"target: {right.num_rows} rows, columns {right.column_names}"]
        if cut:
            lines.append(f"more than {self.compare_rows} rows on a side: compared only the "
                         f"first rows read, so the outcome below is not conclusive")
        if left.num_columns != right.num_columns:
            lines.append("different number of columns: not equal")
            return "\n".join(lines)
        a, b = _multiset(left), _multiset(right)
        only_source, only_target = a - b, b - a
        equal = not only_source and not only_target
        lines.append(f"equal as multisets: {'yes' if equal else 'no'} "
                     f"(rows only in source: {sum(only_source.values())}, "
                     f"only in target: {sum(only_target.values())})")
        if not equal and policy.shows_values:
            names = left.column_names
            for label, rows in (("only in source", only_source), ("only in target", only_target)):
                for row in list(rows)[: min(3, self.rows_cap)]:
                    shown = ", ".join(f"{n}={_render_value(policy.value(n, v))}"
                                      for n, v in zip(names, row, strict=True))
                    lines.append(f"  {label}: {shown}")
        lines.append("(a quick check, not the verdict: the data differ decides)")
        return "\n".join(lines)

    def submit_sql(self, sql: str, explanation: str = "") -> str:
        """Submit the final query; it must parse and pass the read-only guard."""
        sql = self._checked("target", sql)
        return (f"{ACCEPTED_PREFIX} {len(sql)} characters, parses and is read-only; the run "
                f"compiles it on the target and diffs it against the source next.")


def fixer_tools(*, source: Adapter, target: Adapter, source_dialect: str, target_dialect: str,
                rows_cap: int, privacy: str | PrivacyPolicy,
                compare_rows: int = COMPARE_ROWS) -> list[BaseTool]:
    """transpile, compile_on_target, run_query, describe_table, compare_queries, submit_sql."""
    box = FixerToolbox(source=source, target=target, source_dialect=source_dialect,
                       target_dialect=target_dialect, rows_cap=rows_cap, privacy=privacy,
                       compare_rows=compare_rows)
    sides = f"source is {source_dialect}, target is {target_dialect}"
    specs: list[tuple[Callable[..., str], type[BaseModel], str]] = [
        (box.transpile, TranspileArgs,
         "Translate SQL from one dialect to another with sqlglot. Syntax only: check the "
         "semantics yourself."),
        (box.compile_on_target, CompileArgs,
         f"Compile a query on the target ({target_dialect}) without running it. Returns OK or "
         f"the compiler's error."),
        (box.run_query, RunQueryArgs,
         f"Run one read-only SELECT on 'source' or 'target' ({sides}) and return column types "
         f"and at most {box.rows_cap} rows. Use small probes."),
        (box.describe_table, DescribeArgs,
         f"Columns, types, primary key and row count of a table on 'source' or 'target' "
         f"({sides})."),
        (box.compare_queries, CompareArgs,
         "Run the original on the source and a candidate on the target and say whether their "
         "rows are equal as multisets (bounded quick check)."),
        (box.submit_sql, SubmitArgs,
         f"Submit your final {target_dialect} query and explanation. This ends your turn."),
    ]
    return [StructuredTool.from_function(func=_safe(fn), name=fn.__name__, description=desc,
                                         args_schema=schema,
                                         handle_validation_error=_bad_arguments)
            for fn, schema, desc in specs]


__all__ = ["ACCEPTED_PREFIX", "ERROR_PREFIX", "SUBMIT_TOOL", "FixerToolbox", "describe_result",
           "fixer_tools"]
