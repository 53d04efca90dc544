"""SQLite adapter (file databases; a source here, translate target via sqlglot)."""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any, ClassVar

import pyarrow as pa

from tools.db import types as T
from tools.db.base import Adapter
from tools.db.urls import file_path
from tools.errors import CompileFailed, ConnectionLost


def _column_array(values: list[Any]) -> pa.Array:
    """SQLite columns are dynamically typed: infer, and fall back to text for mixed columns."""
    try:
        return pa.array(values)
    except (pa.ArrowInvalid, pa.ArrowTypeError, OverflowError):
        return pa.array([None if v is None else str(v) for v in values], type=pa.string())


class SQLiteAdapter(Adapter):
    SCHEMES: ClassVar[tuple[str, ...]] = ("sqlite",)
    DIALECT: ClassVar[str] = "sqlite"
    TYPE_DDL: ClassVar[dict[str, str]] = {
        T.INT: "INTEGER", T.FLOAT: "REAL", T.TEXT: "TEXT", T.BOOL: "BOOLEAN", T.DATE: "DATE",
        T.TIMESTAMP: "DATETIME", T.TIMESTAMPTZ: "DATETIME", T.TIME: "TEXT", T.BLOB: "BLOB",
        T.JSON: "TEXT",
    }

    def __init__(self, url: str, role, tracer=None, timeout_s: float = 60.0) -> None:
        super().__init__(url, role, tracer, timeout_s)
        path = file_path(url)
        if path is None or not Path(path).exists():
            raise ConnectionLost(f"SQLite database file not found: {path or url!r}. Check the "
                                 f"URL (sqlite:///relative/path.db or sqlite:////abs/path.db).")
        # Read-only twice over: the file is opened mode=ro and the session is query_only.
        mode = "ro" if role == "source" else "rw"
        self._con = sqlite3.connect(f"file:{path}?mode={mode}", uri=True,
                                    check_same_thread=False)
        if role == "source":
            self._con.execute("PRAGMA query_only = ON")

    def _with_deadline(self) -> None:
        deadline = time.monotonic() + self.timeout_s
        # Returning non-zero from the progress handler aborts the statement.
        self._con.set_progress_handler(lambda: int(time.monotonic() > deadline), 10_000)

    def _read_batches(self, sql: str, batch_rows: int) -> Iterator[pa.RecordBatch]:
        self._with_deadline()
        cur = self._con.execute(sql)
        names = [d[0] for d in cur.description or []]
        self._last_names = names
        while True:
            rows = cur.fetchmany(batch_rows)
            if not rows:
                break
            columns = list(zip(*rows, strict=True))
            yield pa.RecordBatch.from_arrays([_column_array(list(c)) for c in columns],
                                             names=names)

    def _empty_result(self, sql: str) -> pa.Table:
        names = getattr(self, "_last_names", [])
        return pa.table({n: pa.array([], type=pa.null()) for n in names})

    def tables(self) -> list[dict[str, Any]]:
        out = []
        names = [r[0] for r in self._con.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' "
            "ORDER BY name")]
        for name in names:
            info = self._con.execute(f"PRAGMA table_info({self.quote(name)})").fetchall()
            columns = [{"name": c[1], "type": c[2] or "", "canonical": self.canonical_type(c[2]),
                        "nullable": not c[3]} for c in info]
            pk = [c[1] for c in sorted((c for c in info if c[5]), key=lambda c: c[5])]
            count = self._con.execute(f"SELECT COUNT(*) FROM {self.quote(name)}").fetchone()[0]
            out.append({"name": name, "columns": columns, "primary_key": pk, "row_count": count})
        return out

    def views(self) -> list[str]:
        return [r[0] for r in self._con.execute("SELECT name FROM sqlite_master WHERE type='view'")]

    def explain(self, sql: str) -> None:
        self._run_logged(f"EXPLAIN QUERY PLAN {sql}")

    def _run(self, sql: str) -> None:
        self._with_deadline()
        self._con.execute(sql)
        self._con.commit()

    def create_sandbox(self, name: str) -> None:
        raise CompileFailed("SQLite as a target is translate-only in this version: choose "
                            "DuckDB (or a server engine) as the target to compile and diff.")

    def close(self) -> None:
        self._con.close()
