"""Spark SQL adapter (pyspark, local[2]; the optional extra `cutover[spark]`).

URL: `spark:///relative/warehouse` or `spark:////absolute/warehouse`, optionally
`?database=name` (default `default`). The path is a warehouse directory of parquet tables,
`<warehouse>/<database>.db/<table>/` (`<warehouse>/<table>/` for `default`). Spark's built-in
catalog lives in memory, so every session re-registers the tables it finds there: a table
written by one process (the loader, a kept sandbox) is readable by the next.

Source: Spark has no read-only session, so the second layer behind the guard is structural —
the source session sees its tables only as temporary views over a projection of the files
(Spark refuses INSERT into them), in a session of its own. DDL that creates new tables is
stopped by the guard alone.
Target: the sandbox is a database `cutover_<run>` with its own directory; views live in the
session's catalog only (a kept sandbox keeps its tables, not its views).
"""

from __future__ import annotations

import logging
import threading
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any, ClassVar

import pyarrow as pa
from sqlalchemy.engine import make_url

from tools import sql as sqltools
from tools.db import arrow_feed
from tools.db import types as T
from tools.db.base import Adapter, Role
from tools.db.failures import Failure, FailureTable
from tools.errors import (
    ConfigError,
    ConnectionLost,
)
from tools.trace import Tracer

# DataType.simpleString() -> canonical. Spark's TIMESTAMP is an instant (local time zone).
_NATIVE = {
    "tinyint": T.INT, "smallint": T.INT, "int": T.INT, "bigint": T.INT,
    "float": T.FLOAT, "double": T.FLOAT, "string": T.TEXT, "boolean": T.BOOL, "date": T.DATE,
    "timestamp": T.TIMESTAMPTZ, "timestamp_ntz": T.TIMESTAMP, "binary": T.BLOB,
}
# SQLSTATE class -> outcome; Spark 4 gives every error class a SQLSTATE.


def canonical(declared: str) -> str:
    text = declared.strip().lower()
    if text.startswith("decimal"):
        return T.from_declared(text)
    if text.startswith(("char", "varchar")):
        return T.TEXT
    return _NATIVE.get(text) or T.TEXT  # array/map/struct/interval travel as text


class SparkAdapter(Adapter):
    SCHEMES: ClassVar[tuple[str, ...]] = ("spark",)
    DIALECT: ClassVar[str] = "spark"
    #: SQLSTATE class -> what it means for the run.
    FAILURES: ClassVar[FailureTable] = {
        "cancelled": Failure.TIMEOUT, "22": Failure.RUNTIME, "23": Failure.RUNTIME,
        "0A": Failure.UNSUPPORTED, "08": Failure.TRANSIENT, "53": Failure.INFRA,
        "54": Failure.INFRA, "57": Failure.INFRA, "58": Failure.INFRA, "XX": Failure.INFRA,
    }
    ENGINE: ClassVar[str] = "spark"
    EMBEDDED: ClassVar[bool] = True
    """A local session on a warehouse folder (master local[2])."""
    TYPE_DDL: ClassVar[dict[str, str]] = {
        T.INT: "BIGINT", T.FLOAT: "DOUBLE", T.TEXT: "STRING", T.BOOL: "BOOLEAN", T.DATE: "DATE",
        T.TIMESTAMP: "TIMESTAMP_NTZ", T.TIMESTAMPTZ: "TIMESTAMP", T.TIME: "STRING",
        T.BLOB: "BINARY", T.JSON: "STRING",
    }
    DECLARE_PRIMARY_KEY: ClassVar[bool] = False
    """Spark's session catalog has no key constraints."""
    # CREATE OR REPLACE TABLE needs a v2 catalog (Delta, Iceberg); parquet tables are dropped
    # and re-created (_run splits the statements).
    CREATE_OBJECT: ClassVar[dict[str, str]] = {
        "view": "CREATE OR REPLACE VIEW {name} AS {sql}",
        "table_as_select": "DROP TABLE IF EXISTS {name}; CREATE TABLE {name} USING parquet "
                           "AS {sql}",
    }
    PROMOTE: ClassVar[dict[str, tuple[str, ...]]] = {
        kind: (template,) for kind, template in CREATE_OBJECT.items()}
    SESSION_CONFIG: ClassVar[dict[str, str]] = {
        "spark.ui.enabled": "false",
        "spark.ui.showConsoleProgress": "false",
        # Timestamps read and compare in UTC on every machine.
        "spark.sql.session.timeZone": "UTC",
        # 200 shuffle partitions (the default) make every small query take seconds.
        "spark.sql.shuffle.partitions": "4",
        "spark.sql.execution.arrow.pyspark.enabled": "true",
        "spark.driver.memory": "2g",
    }
    MASTER: ClassVar[str] = "local[2]"

    def __init__(self, url: str, role: Role, tracer: Tracer | None = None,
                 timeout_s: float = 60.0) -> None:
        super().__init__(url, role, tracer, timeout_s)
        self._warehouse, self.home = self._parse_url(url)
        if role == "source" and not self._warehouse.is_dir():
            raise ConnectionLost(f"Spark warehouse directory not found: {self._warehouse}")
        base = _session(self._warehouse, self.SESSION_CONFIG, self.MASTER)
        # A session of our own: temporary views and the current database are per session.
        self._spark = base.newSession()
        self._register_tables()
        self._spark.catalog.setCurrentDatabase(self.home)

    def _parse_url(self, url: str) -> tuple[Path, str]:
        try:
            u = make_url(url)
        except Exception as exc:  # sqlalchemy raises ArgumentError/ValueError by URL shape
            raise ConfigError(f"not a valid Spark URL: {url!r} ({exc}); write "
                              f"spark:////abs/warehouse?database=name") from exc
        if not u.database:
            raise ConfigError(f"a Spark URL names its warehouse directory: {url!r}")
        return Path(u.database).resolve(), str(u.query.get("database", "default"))

    def _database_dir(self, name: str) -> Path:
        return self._warehouse if name == "default" else self._warehouse / f"{name}.db"

    def _register_tables(self) -> None:
        """Make the parquet tables under the warehouse visible to this session's catalog."""
        databases = [p.name[:-3] for p in self._warehouse.glob("*.db") if p.is_dir()]
        for db in ["default", *databases]:
            if db != "default":
                self._spark.sql(f"CREATE DATABASE IF NOT EXISTS {self.quote(db)} "
                                f"LOCATION '{self._database_dir(db)}'")
            for table_dir in self._database_dir(db).iterdir() if self._warehouse.exists() \
                    else []:
                if not table_dir.is_dir() or table_dir.suffix == ".db" \
                        or table_dir.name.startswith(("_", ".")):
                    continue
                self._register(db, table_dir)
        if self.home not in ["default", *databases]:
            if self.role == "source":
                raise ConnectionLost(f"Spark database {self.home!r} not found under "
                                     f"{self._warehouse}; check ?database= in the URL")
            self._create_database(self.home)

    def _register(self, db: str, table_dir: Path) -> None:
        if self.role == "source":
            if db == self.home:
                # Read-only: INSERT into a view over a projection is refused by Spark
                # (UNSUPPORTED_INSERT.RDD_BASED); a view over the bare relation would accept it
                # and append to the source's files.
                frame = self._spark.read.parquet(str(table_dir))
                frame.select(*frame.columns).createOrReplaceTempView(table_dir.name)
            return
        self._spark.sql(f"CREATE TABLE IF NOT EXISTS {self.quote(db)}.{self.quote(table_dir.name)}"
                        f" USING parquet LOCATION '{table_dir}'")

    def _create_database(self, name: str) -> None:
        self._spark.sql(f"CREATE DATABASE IF NOT EXISTS {self.quote(name)} "
                        f"LOCATION '{self._database_dir(name)}'")

    # ---------------------------------------------------------------- running
    def _with_timeout(self, fn: Any) -> Any:
        """Spark has no statement timeout: cancel this statement's jobs when time is up."""
        context = self._spark.sparkContext
        group = f"cutover-{uuid.uuid4().hex[:8]}"
        context.setJobGroup(group, "cutover statement", interruptOnCancel=True)
        timer = threading.Timer(self.timeout_s, context.cancelJobGroup, args=(group,))
        timer.start()
        try:
            return fn()
        finally:
            timer.cancel()
            context.setLocalProperty("spark.jobGroup.id", None)

    def _read_batches(self, sql: str, batch_rows: int,
                      limit: int | None = None) -> Iterator[pa.RecordBatch]:
        query = sql.strip().rstrip(";")
        table = self._with_timeout(lambda: self._spark.sql(query).toArrow())
        self._last_schema = table.schema
        yield from table.to_batches(max_chunksize=batch_rows)

    def _empty_result(self, sql: str) -> pa.Table:
        return arrow_feed.empty(self._last_schema)

    def _run(self, sql: str) -> None:
        for stmt in sqltools.split_statements(sql, self.DIALECT, "statement"):
            self._with_timeout(lambda s=stmt.sql: self._spark.sql(s).collect())

    # ---------------------------------------------------------------- catalog
    def quote(self, name: str) -> str:
        return "`" + name.replace("`", "``") + "`"

    def tables(self) -> list[dict[str, Any]]:
        out = []
        for entry in self._spark.catalog.listTables():
            # The source's tables are its temporary views; the target's are catalog tables.
            wanted = entry.isTemporary if self.role == "source" else \
                (not entry.isTemporary and entry.tableType != "VIEW")
            if not wanted:
                continue
            frame = self._spark.table(self.quote(entry.name))
            columns = [{"name": f.name, "type": f.dataType.simpleString(),
                        "canonical": canonical(f.dataType.simpleString()),
                        "nullable": f.nullable} for f in frame.schema.fields]
            out.append({"name": entry.name, "columns": columns, "primary_key": [],
                        "row_count": int(frame.count())})
        return sorted(out, key=lambda t: t["name"])

    def views(self) -> list[str]:
        return sorted(t.name for t in self._spark.catalog.listTables()
                      if t.tableType == "VIEW" and not t.isTemporary)

    def canonical_type(self, declared: str) -> str:
        return canonical(declared)

    # ---------------------------------------------------------------- target side
    def create_sandbox(self, name: str) -> None:
        self.sandbox = name
        self.execute(f"CREATE DATABASE IF NOT EXISTS {self.quote(name)} "
                     f"LOCATION '{self._database_dir(name)}'")
        # Unqualified names resolve in the sandbox (one current database, no search path).
        self._spark.catalog.setCurrentDatabase(name)

    def drop_sandbox(self, name: str) -> None:
        self._spark.catalog.setCurrentDatabase(self.home)
        self.execute(f"DROP DATABASE IF EXISTS {self.quote(name)} CASCADE")
        if self.sandbox == name:
            self.sandbox = None

    def create_table(self, name: str, columns: list[dict[str, Any]],
                     primary_key: list[str] | None = None) -> None:
        cols = ", ".join(f"{self.quote(c['name'])} {self.ddl_type(c['canonical'])}"
                         for c in columns)
        target = self.qualified(name)
        self.execute(f"DROP TABLE IF EXISTS {target}; CREATE TABLE {target} ({cols}) "
                     f"USING parquet")

    def _append_batch(self, name: str, batch: pa.RecordBatch) -> None:
        target = self._append_target(name)
        table = pa.Table.from_batches([batch])
        try:
            # Arrow into the JVM in one piece; insertInto casts by position to the table's
            # types (the loader created them from the source's canonical types).
            frame = self._spark.createDataFrame(table)
            self._with_timeout(lambda: frame.write.insertInto(target))
        except Exception as exc:  # pyspark's captured JVM errors
            raise self._classify(exc, f"INSERT INTO {target}") from exc
        self.tracer.event("sql", side=self.role, sql=f"INSERT INTO {target} (Arrow)",
                          rows=batch.num_rows, error=None)

    def close(self) -> None:
        # The JVM stays up for the process: a second adapter (or run) reuses it.
        for view in [t.name for t in self._spark.catalog.listTables() if t.isTemporary]:
            self._spark.catalog.dropTempView(view)

    # ---------------------------------------------------------------- errors
    def _failure_key(self, exc: Exception) -> str | None:
        if "cancelled" in str(exc).lower() or "canceled" in str(exc).lower():
            return "cancelled"  # the statement timeout's job group cancel
        getter = getattr(exc, "getSqlState", None)
        return (getter() or None) if callable(getter) else None

_LOCK = threading.Lock()


def _session(warehouse: Path, config: dict[str, str], master: str) -> Any:
    """The process's one SparkSession (one JVM); the first adapter's warehouse configures it,
    and every database is created with an explicit LOCATION so later ones need not match."""
    try:
        from pyspark.sql import SparkSession
    except ImportError as exc:
        raise ConfigError("Spark needs pyspark: pip install 'cutover[spark]'") from exc
    with _LOCK:
        builder = SparkSession.builder.master(master).appName("cutover")
        builder = builder.config("spark.sql.warehouse.dir", str(warehouse))
        for key, value in config.items():
            builder = builder.config(key, value)
        session = builder.getOrCreate()
        # The JVM logs every failed statement at ERROR with its stack trace; failures are
        # reported as verdicts, so the log would only bury the progress display.
        session.sparkContext.setLogLevel("OFF")
        logging.getLogger("SQLQueryContextLogger").setLevel(logging.CRITICAL)
        return session
