"""Translate-only targets: dialects sqlglot writes but no engine here runs (Oracle, T-SQL,
Snowflake, BigQuery, Teradata, Redshift).

The adapter exists so that `cutover run` accepts such a target: nothing connects, the sandbox
is a no-op, the loader skips (RUNS_HERE is False) and the translator ends every object as
`skipped` with the translated SQL kept in the report. Any call that would need the engine
raises CompileFailed naming the dialect, so a caller that forgot to check RUNS_HERE gets a
clear verdict instead of a crash.

The dbt output plans its models here without an engine: `create_table` and `remember_query`
only note a table's or a model's columns, so that `result_columns` can list (and sqlglot type)
the columns of the queries that read them.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any, ClassVar

import pyarrow as pa

from tools.db import offline_types
from tools.db.base import Adapter, Role
from tools.db.urls import scheme
from tools.errors import CompileFailed, ConfigError
from tools.trace import Tracer


class TranslateOnlyAdapter(Adapter):
    DIALECTS: ClassVar[dict[str, str]] = {
        "oracle": "oracle", "mssql": "tsql", "snowflake": "snowflake", "bigquery": "bigquery",
        "teradata": "teradata", "redshift": "redshift", "databricks": "databricks",
        "trino": "trino",
        # A ClickHouse *server* (clickhouse-connect's schemes); embedded ClickHouse is chdb://.
        "clickhouse": "clickhouse", "clickhousedb": "clickhouse",
        # Names no engine: pair it with `dialect = "..."` in cutover.toml.
        "translate": "",
    }
    """URL scheme -> the sqlglot dialect written for it."""
    SCHEMES: ClassVar[tuple[str, ...]] = tuple(DIALECTS)
    RUNS_HERE: ClassVar[bool] = False

    @classmethod
    def dialect_of(cls, scheme: str) -> str:
        return cls.DIALECTS.get(scheme, "")

    def __init__(self, url: str, role: Role, tracer: Tracer | None = None,
                 timeout_s: float = 60.0) -> None:
        super().__init__(url, role, tracer, timeout_s)
        self.dialect_name = self.dialect_of(scheme(url)) or scheme(url)
        self.known: dict[str, dict[str, str]] = {}
        """table or model -> column -> canonical type (noted, never created)."""
        self._typed: dict[str, list[tuple[str, str]]] = {}
        """query -> its result columns, while `known` is unchanged: a model's query is typed
        for its own columns, then again when it is noted for its dependants."""
        if role == "source":
            # The source is read for real (catalog, base tables, source results).
            raise ConfigError(f"{self.dialect_name} has no engine on this machine, so it "
                                f"cannot be a source: the source must run the original SQL. "
                                f"Use it as a target (translate-only) or `cutover translate`.")

    def _unavailable(self, what: str) -> CompileFailed:
        return CompileFailed(f"{self.dialect_name} is translate-only here: cannot {what}")

    def create_sandbox(self, name: str) -> None:
        self.sandbox = name  # nothing to create: no statement ever runs on this target

    def drop_sandbox(self, name: str) -> None:
        self.sandbox = None

    def tables(self) -> list[dict[str, Any]]:
        return []

    def ddl_type(self, canonical: str) -> str:
        return offline_types.ddl_type(canonical, self.dialect_name)

    def create_table(self, name: str, columns: list[dict[str, Any]],
                     primary_key: list[str] | None = None) -> None:
        """Nothing is created (no engine): the table's columns are noted for result_columns."""
        self.known[name.lower()] = {c["name"].lower(): c["canonical"] for c in columns}
        self._typed.clear()

    def remember_query(self, name: str, sql: str) -> None:
        """A model other queries read, noted by the columns of its query."""
        self.known[name.lower()] = dict(self.result_columns(sql))
        self._typed.clear()

    def result_columns(self, sql: str) -> list[tuple[str, str]]:
        """(name, canonical type or "") of the query's result, found by sqlglot over the
        tables and models noted so far (nothing runs)."""
        if sql not in self._typed:
            self._typed[sql] = offline_types.result_columns(sql, self.dialect_name, self.known)
        return self._typed[sql]

    def _read_batches(self, sql: str, batch_rows: int,
                      limit: int | None = None) -> Iterator[pa.RecordBatch]:
        raise self._unavailable("run queries")

    def _run(self, sql: str) -> None:
        raise self._unavailable("run statements")

    def _append_batch(self, name: str, batch: pa.RecordBatch) -> None:
        raise self._unavailable("load tables")

    def promote(self, name: str, kind: str, sql: str) -> None:
        raise self._unavailable("apply objects")
