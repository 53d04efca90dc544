"""The adapter contract: one class per engine in tools/db/<engine>.py.

Adapters hold every dialect-specific string and every side effect on a database. The class-level
tables (SCHEMES, DIALECT, TYPE_DDL, ...) carry the per-engine data; methods are few and small.
The source role is read-only in two layers of its own (read-only session + the guard); the
target role writes only inside the run's sandbox schema.
"""

from __future__ import annotations

import os
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any, ClassVar, Literal, Self

import pyarrow as pa

from tools import errors, guard, stop
from tools.db import failures, postgres_interval
from tools.db import types as T
from tools.db.failures import Failure, FailureTable
from tools.db.privileges import RolePrivileges
from tools.db.scan import DuckDBScan
from tools.errors import CutoverError, SandboxViolation
from tools.secrets import redact
from tools.trace import NullTracer, Tracer

Role = Literal["source", "target"]


class Adapter:
    SCHEMES: ClassVar[tuple[str, ...]] = ()
    """URL schemes (the part before '://', driver suffix dropped) this adapter serves."""
    DIALECT: ClassVar[str] = ""
    """sqlglot dialect name."""
    TYPE_DDL: ClassVar[dict[str, str]] = {}
    """canonical type -> DDL type on this engine ('decimal' handled by decimal_ddl)."""
    CREATE_OBJECT: ClassVar[dict[str, str]] = {
        "view": "CREATE OR REPLACE VIEW {name} AS {sql}",
        "table_as_select": "CREATE OR REPLACE TABLE {name} AS {sql}",
    }
    """How a view / CTAS candidate is created in the sandbox; other kinds are EXPLAINed."""
    EXPLAIN: ClassVar[str] = "EXPLAIN {sql}"
    """How a query is compiled without running it."""
    RUNS_HERE: ClassVar[bool] = True
    """False for translate-only dialects: compile and data steps report 'skipped'."""
    DECLARE_PRIMARY_KEY: ClassVar[bool] = True
    """Loaded tables get the source's primary key (False where a key is no constraint)."""
    ENGINE: ClassVar[str] = ""
    """Short engine name (sqlite, duckdb, clickhouse, postgres, mysql, spark): what evals take
    as ENGINE for an embedded engine and record in their logs."""
    EMBEDDED: ClassVar[bool] = False
    """Runs in this process on a local file or folder, no server: relative paths in its URL are
    the project's, and a diff streams rows (a local read beats pushing checksums down)."""
    FRESH_DATABASE: ClassVar[dict[str, str]] = {}
    """How a harness (evals, tests) makes a new, empty database: an embedded engine names its
    file `suffix`; a server gives `create` / `drop` ({name} is bare text), and `leftovers`
    where sandboxes are databases of their own ({pattern} a LIKE pattern of their names)."""
    PARAMSTYLE: ClassVar[str] = "%s"
    """The driver's placeholder in setup_connection's INSERTs."""

    @classmethod
    def dialect_of(cls, scheme: str) -> str:
        """sqlglot dialect of a URL with this scheme ('' when the URL does not say)."""
        return cls.DIALECT

    @classmethod
    def setup_connection(cls, url: str, *, database: bool = True) -> Any:
        """A plain, writable, autocommit DB-API connection for a harness that builds a source
        database (evals, tests): never used by a migration, whose source is read-only and
        whose target writes only in its sandbox. database=False connects to the server only."""
        raise errors.ConfigError(f"no setup connection for {cls.ENGINE or cls.__name__} "
                                 f"databases")

    def _connect_args(self, url: str) -> dict[str, Any]:
        """The driver's connect() keywords for `url` (server engines; setup connections read
        them too, so URL options mean the same everywhere)."""
        raise errors.ConfigError(f"{self.ENGINE or type(self).__name__} takes no driver "
                                 f"connection arguments")

    @classmethod
    def _unconnected(cls, url: str) -> Self:
        """An instance that holds `url` but opened nothing: setup_connection reads the URL with
        the adapter's own parsing (query options, sockets, timeouts) without its session."""
        probe = cls.__new__(cls)
        Adapter.__init__(probe, url, "target", None, 10.0)
        return probe

    def __init__(self, url: str, role: Role, tracer: Tracer | None = None,
                 timeout_s: float = 60.0) -> None:
        self.url = url
        self.role = role
        self.tracer = tracer or NullTracer()
        self.timeout_s = timeout_s
        self.sandbox: str | None = None

    # ---------------------------------------------------------------- reading
    def read_arrow(self, sql: str, *, limit: int | None = None) -> pa.Table:
        """Run one query and return its whole result as Arrow."""
        batches = list(self.read_batches(sql, batch_rows=50_000, limit=limit))
        if not batches:
            return self._empty_result(sql)
        return pa.Table.from_batches(batches)

    def read_batches(self, sql: str, *, batch_rows: int,
                     limit: int | None = None) -> Iterator[pa.RecordBatch]:
        # Both sides: the target runs candidates an LLM may have written, and a read there
        # must not reach files, URLs or side effects either.
        guard.check_read_only(sql, self.DIALECT, side=self.role, functions=self.functions())
        start = time.perf_counter()
        rows = 0
        error = None
        try:
            batches = iter(self._read_batches(sql, batch_rows, limit))
            while True:
                with self._watchdog():  # only while blocked in the driver, per batch
                    batch = next(batches, None)
                if batch is None:
                    break
                if limit is not None and rows + batch.num_rows > limit:
                    batch = batch.slice(0, max(0, limit - rows))
                rows += batch.num_rows
                yield batch
                if limit is not None and rows >= limit:
                    break
        except Exception as exc:  # the driver's own error classes differ per engine
            error = str(exc)
            raise self._classify(exc, sql) from exc
        finally:
            self.tracer.event("sql", side=self.role, sql=sql, rows=rows, error=error,
                              seconds=round(time.perf_counter() - start, 4))

    def _empty_result(self, sql: str) -> pa.Table:
        raise NotImplementedError

    def _read_batches(self, sql: str, batch_rows: int,
                      limit: int | None = None) -> Iterator[pa.RecordBatch]:
        """The result in batches. `limit` is a hint (read_batches cuts the rows): an adapter
        may take a cheaper path for a small read."""
        raise NotImplementedError

    def functions(self) -> frozenset[str]:
        """Function names this database vouches for beyond the guard's built-in lists (the
        PostgreSQL adapter reads its non-VOLATILE user functions from the catalog)."""
        return frozenset()

    def where(self) -> str:
        """Where this adapter is connected, for messages (never the password)."""
        return redact(self.url)

    def privileges(self) -> RolePrivileges:
        """What this connection's role may do. Embedded engines open a source file read-only
        (the file itself is the role), so only server adapters have more to say."""
        return RolePrivileges(role="(embedded, opened read-only)" if self.role == "source"
                              else "(embedded)")

    def duckdb_scan(self, sql: str, alias: str) -> DuckDBScan | None:
        """A recipe for an in-process DuckDB to read this query's result itself (the stream
        differ's fast path), or None: then the result is read as Arrow batches. `alias` names
        the catalog/secret the recipe may create in that DuckDB."""
        return None

    # ---------------------------------------------------------------- catalog
    def tables(self) -> list[dict[str, Any]]:
        """Base tables visible to this connection: [{name, columns, primary_key, row_count}]."""
        raise NotImplementedError

    def views(self) -> list[str]:
        """Names of views on this connection's default schema."""
        return []

    def view_definitions(self) -> dict[str, str]:
        """View name -> its `CREATE VIEW name AS ...` text, from the catalog (what
        `[source] include = ["views"]` migrates besides the codebase)."""
        return {}

    def routines(self) -> list[str]:
        """CREATE PROCEDURE / FUNCTION texts of the routines in the current schema."""
        return []

    def canonical_type(self, declared: str) -> str:
        return T.from_declared(declared)

    def ddl_type(self, canonical: str) -> str:
        dec = T.parse_decimal(canonical)
        if dec:
            return self.decimal_ddl(*dec)
        return self.TYPE_DDL.get(canonical, self.TYPE_DDL[T.TEXT])

    def decimal_ddl(self, precision: int, scale: int) -> str:
        return f"DECIMAL({precision},{scale})"

    # ---------------------------------------------------------------- target side
    #: The sandbox as statements: create / enter (unqualified names resolve there first) /
    #: drop / leave. {name} and {home} are quoted identifiers, {name_text} is bare text.
    SANDBOX: ClassVar[dict[str, str]] = {}

    def create_sandbox(self, name: str) -> None:
        if not self.SANDBOX:
            raise NotImplementedError
        self.sandbox = name
        self.execute(self._sandbox_sql("create", name))
        self._run(self._sandbox_sql("enter", name))

    def drop_sandbox(self, name: str) -> None:
        if not self.SANDBOX:
            raise NotImplementedError
        self.execute(self._sandbox_sql("drop", name))
        self._run(self._sandbox_sql("leave", name))
        if self.sandbox == name:
            self.sandbox = None

    def _sandbox_sql(self, step: str, name: str) -> str:
        return self.SANDBOX[step].format(name=self.quote(name), name_text=name,
                                         home=self.quote(self.home))

    def execute(self, sql: str) -> None:
        """Run one statement on the target; refused unless it writes only inside the sandbox."""
        if self.role != "target":
            raise SandboxViolation(f"refused to write on the {self.role}: {sql[:200]}")
        guard.check_sandbox_write(sql, self.DIALECT, self._sandbox_schema(),
                                  functions=self.functions())
        self._run_logged(sql)

    def _sandbox_schema(self) -> str | None:
        """The schema every target write must name (the sandbox)."""
        return self.sandbox

    def _append_target(self, name: str, verb: str = "INSERT") -> str:
        """append_arrow's target table, after the same two walls as execute(): only a target
        writes, and only inside its sandbox (checked as an INSERT, whatever the bulk path)."""
        if self.role != "target":
            raise SandboxViolation(f"refused to write on the {self.role}: {verb} into {name}")
        target = self.qualified(name)
        guard.check_sandbox_write(f"INSERT INTO {target} VALUES (NULL)", self.DIALECT,
                                  self._sandbox_schema())
        return target

    def create_object_sql(self, kind: str, name: str, sql: str) -> str | None:
        """The sandbox statement creating a view/CTAS candidate; None for kinds only EXPLAINed."""
        template = self.CREATE_OBJECT.get(kind)
        return template.format(name=self.qualified(name), sql=sql) if template else None

    def explain(self, sql: str) -> None:
        """Compile a query on the target without running it; raises CompileFailed.

        Guarded as a read: `EXPLAIN ANALYZE DELETE …` would run the DELETE."""
        guard.check_read_only(sql, self.DIALECT, side=self.role, functions=self.functions())
        self._run_logged(self.EXPLAIN.format(sql=sql))

    def quote(self, name: str) -> str:
        return '"' + name.replace('"', '""') + '"'

    def qualified(self, name: str) -> str:
        if not self.sandbox:
            return self.quote(name)
        return f"{self.quote(self.sandbox)}.{self.quote(name)}"

    def create_table(self, name: str, columns: list[dict[str, Any]],
                     primary_key: list[str] | None = None) -> None:
        cols = ", ".join(f"{self.quote(c['name'])} {self.ddl_type(c['canonical'])}"
                         for c in columns)
        self.execute(f"CREATE OR REPLACE TABLE {self.qualified(name)} "
                     f"({cols}{self.key_clause(primary_key)})")

    def key_clause(self, primary_key: list[str] | None) -> str:
        """`, PRIMARY KEY (...)` for a loaded table whose source declared one. The source
        enforced it, so the copy cannot violate it; engines without hash joins (MariaDB)
        need it to join in reasonable time."""
        if not (primary_key and self.DECLARE_PRIMARY_KEY):
            return ""
        return f", PRIMARY KEY ({', '.join(self.quote(c) for c in primary_key)})"

    #: Whether the engine stores intervals (months, days and time kept apart) and takes them
    #: from Arrow; elsewhere a loaded interval column is text in PostgreSQL's style.
    STORES_INTERVALS: ClassVar[bool] = False

    def append_arrow(self, name: str, batch: pa.RecordBatch) -> None:
        """Append one Arrow batch to a table create_table made."""
        self._append_batch(name, batch if self.STORES_INTERVALS
                           else postgres_interval.intervals_as_text(batch))

    def _append_batch(self, name: str, batch: pa.RecordBatch) -> None:
        raise NotImplementedError

    def analyze(self, name: str) -> None:
        """Refresh the planner statistics of a sandbox table just loaded (where an engine
        plans by them): without them a plan depends on when autovacuum last ran."""

    def count_rows(self, name: str, in_sandbox: bool = True) -> int:
        where = self.qualified(name) if in_sandbox else self.quote(name)
        table = self.read_arrow(f"SELECT COUNT(*) AS n FROM {where}")
        return int(table.column(0)[0].as_py())

    #: --apply's statements per kind ({name} is the object in the real schema). Unlike
    #: CREATE_OBJECT they never DROP ... CASCADE: dependants outside cutover must survive.
    PROMOTE: ClassVar[dict[str, tuple[str, ...]]] = {
        "view": ("CREATE OR REPLACE VIEW {name} AS {sql}",),
        "table_as_select": ("CREATE OR REPLACE TABLE {name} AS {sql}",),
    }

    #: The real schema / database the target's objects live in (the sandbox's sibling).
    home: str = "main"

    def promote(self, name: str, kind: str, sql: str) -> None:
        """--apply: create one verified object (view or table from `sql`) in the real schema.
        The one sanctioned write outside the sandbox: it bypasses the sandbox guard on
        purpose, and only for objects that reached parity."""
        target = self._promoted_name(name)
        for template in self.PROMOTE["view" if kind == "view" else "table_as_select"]:
            self._run_logged(template.format(name=target, sql=sql))

    def _promoted_name(self, name: str) -> str:
        return f"{self.quote(self.home)}.{self.quote(name)}"

    def alive(self) -> bool:
        """False once the connection is gone (server restart, killed backend): the run then
        opens a new one instead of failing every remaining object on the dead one. Known from
        the error that met it (_classify), so asking costs no round trip."""
        return not getattr(self, "_lost", False)

    def export_snapshot(self) -> str | None:
        """A token other sessions can adopt to read this source session's snapshot (PostgreSQL
        pg_export_snapshot); None when the engine has no such thing."""
        return None

    def adopt_snapshot(self, token: str) -> None:
        """Read from now on in the snapshot `token` came from (see export_snapshot)."""

    def close(self) -> None:
        pass

    # ---------------------------------------------------------------- helpers
    def _run_logged(self, sql: str) -> None:
        start = time.perf_counter()
        error = None
        try:
            with self._watchdog():
                self._run(sql)
        except Exception as exc:  # driver-specific classes; classified below
            error = str(exc)
            raise self._classify(exc, sql) from exc
        finally:
            self.tracer.event("sql", side=self.role, sql=sql, error=error,
                              seconds=round(time.perf_counter() - start, 4))

    def _run(self, sql: str) -> None:
        raise NotImplementedError

    # ---------------------------------------------------------------- client-side deadline
    def _client_deadline(self) -> float:
        """How long the client waits on one call before it cuts the link itself. The server
        enforces statement_timeout_s; a frozen server or a stalled network cannot, and would
        hang the run for as long as the freeze lasts."""
        return self.timeout_s + max(2.0, self.timeout_s / 2)

    @contextmanager
    def _watchdog(self) -> Iterator[None]:
        # After a stop, no new statement starts: a cancel sent between two statements of a
        # worker (Connections.interrupt_all) would otherwise be lost.
        stop.raise_if_requested("a statement")
        self._severed = False
        if self._socket_fd() is None:  # embedded engines interrupt themselves
            yield
            return
        timer = threading.Timer(self._client_deadline(), self._sever)
        timer.daemon = True
        timer.start()
        try:
            yield
        finally:
            timer.cancel()

    def _socket_fd(self) -> int | None:
        """The connection's socket (server adapters), for the watchdog to cut."""
        return None

    def interrupt(self) -> None:
        """Stop the statement in flight at once, from another thread (the user stopped the
        run while workers were querying). Server adapters cut the socket unless they can
        cancel on the server; embedded engines interrupt their connection."""
        if self._socket_fd() is not None:
            self._sever()
            return
        engine_interrupt = getattr(getattr(self, "_con", None), "interrupt", None)
        if callable(engine_interrupt):
            engine_interrupt()

    def _sever(self) -> None:
        """Shut the socket down under the blocked call: the driver then fails at once with a
        lost connection, which _classify reports as the timeout it is."""
        fd = self._socket_fd()
        if fd is None:
            return
        self._severed = True
        try:
            with socket.socket(fileno=os.dup(fd)) as sock:
                sock.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass  # already closed: the call it guarded has ended anyway

    #: Driver errors by what they mean (tools/db/failures.py): SQLSTATEs, errnos, codes or
    #: exception class names, matched exactly or by longest prefix.
    FAILURES: ClassVar[FailureTable] = {}
    #: Message fragments (lower case) for drivers that give no code, checked in order.
    FAILURE_TEXT: ClassVar[tuple[tuple[str, Failure], ...]] = (
        ("conversion", Failure.RUNTIME), ("division", Failure.RUNTIME),
        ("out of range", Failure.RUNTIME), ("overflow", Failure.RUNTIME),
        ("could not convert", Failure.RUNTIME), ("invalid input", Failure.RUNTIME),
    )

    def _classify(self, exc: Exception, sql: str) -> BaseException:
        """Map a driver error to the typed error its failure class names (failures.py)."""
        if isinstance(exc, CutoverError):  # already ours (guard, sandbox, schema drift)
            return exc
        text = self._failure_text(exc)
        key = self._failure_key(exc)
        failure = (failures.lookup(self.FAILURES, key) if key else None) \
            or self._failure_by_text(text.lower()) or Failure.SQL
        if stop.requested():
            # The user stopped the run and its statements were cancelled (Connections.
            # interrupt_all): whatever the driver says, the object is not done, not failed.
            return failures.error(Failure.INTERRUPT, self._failure_message(Failure.INTERRUPT,
                                                                           text))
        if getattr(self, "_severed", False):
            failure = Failure.TIMEOUT  # our watchdog cut the link: the server never answered
            text = f"no answer within {self._client_deadline():g}s, connection closed ({text})"
        if failure is Failure.TRANSIENT or getattr(self, "_severed", False):
            self._lost = True  # the link is gone or suspect: alive() says so
        return failures.error(failure, self._failure_message(failure, text))

    def _failure_key(self, exc: Exception) -> str | None:
        """The key this driver's error is known by in FAILURES (None: judge by its text)."""
        return type(exc).__name__

    def _failure_text(self, exc: Exception) -> str:
        """The driver's message, first line."""
        return str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__

    def _failure_by_text(self, lowered: str) -> Failure | None:
        return next((f for fragment, f in self.FAILURE_TEXT if fragment in lowered), None)

    def _failure_message(self, failure: Failure, text: str) -> str:
        engine = type(self).__name__.removesuffix("Adapter")
        if failure is Failure.TIMEOUT:
            return (f"{engine} stopped the statement after {self.timeout_s:g}s ([run] "
                    f"statement_timeout_s; raise it if the query is only slow): {text}")
        if failure is Failure.REFUSED:
            return f"refused by the read-only {self.role} session: {text}"
        if failure in (Failure.TRANSIENT, Failure.INFRA):
            return f"{engine} ({self.role}): {text}"
        if failure is Failure.INTERRUPT:
            return f"interrupted: {text}"
        return text
