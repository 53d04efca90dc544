"""Read a PostgreSQL result as Arrow through `COPY (query) TO STDOUT (FORMAT csv)`.

Why COPY: fetching tuples through psycopg builds a Python object per value (5.5 s per million
rows of the diff benchmark's table); COPY streams the result and Arrow's C++ CSV reader parses
it (2.0 s per million, the server's COPY itself is ~0.9 s). It runs on the same connection,
so a source read stays inside the run's REPEATABLE READ, READ ONLY snapshot.

Why CSV and not BINARY: the binary format would need a per-field decoder in Python, which
gives the speed back; CSV keeps every distinction the differ needs — NULL is an unquoted
empty field, '' is `""`, the text 'NULL' is just text — once the sessions pin DateStyle ISO
and extra_float_digits 3 (shortest exact float text, so doubles round-trip bit for bit).

Only results whose every column has a type in `_PARSED` or is numeric take this path;
anything else (bytea, interval, arrays, unknown types) goes through the cursor, unchanged.
"""

from __future__ import annotations

import io
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from itertools import chain
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pcsv

from tools.errors import QueryFailed

# Result column type OID -> the type Arrow's CSV reader parses it to. PostgreSQL's text output
# of each is exactly what the reader accepts (checked by tests/integration/test_pg_copy.py).
_PARSED: dict[int, pa.DataType] = {
    16: pa.bool_(), 20: pa.int64(), 21: pa.int16(), 23: pa.int32(), 26: pa.int64(),
    700: pa.float32(), 701: pa.float64(),
    25: pa.string(), 1042: pa.string(), 1043: pa.string(), 19: pa.string(),
    114: pa.string(), 3802: pa.string(), 2950: pa.string(),
    1082: pa.date32(), 1114: pa.timestamp("us"), 1184: pa.timestamp("us", tz="UTC"),
    1083: pa.time64("us"),
}
NUMERIC_OID = 1700
# 16 MB of CSV per Arrow batch: about 120k rows of a typical table; memory stays bounded.
_BLOCK_BYTES = 16 << 20


@dataclass(frozen=True)
class CopyPlan:
    """How each result column is read: parsed by Arrow, or numeric (text, then decimal)."""

    names: list[str]
    parse_types: list[pa.DataType]
    #: per column: the declared decimal for numeric(p,s) with p <= 38; None for other numerics
    #: (unconstrained, or wider than Arrow's decimal128), whose type is inferred like the
    #: cursor path does; absent (not numeric) otherwise.
    numeric: dict[int, pa.DataType | None]


def plan(description: list[Any], numeric_type: Callable[[Any], pa.DataType | None]
         ) -> CopyPlan | None:
    """A plan for this result's columns, or None when some column needs the cursor path."""
    names, parse_types, numeric = [], [], {}
    for i, column in enumerate(description):
        names.append(column.name)
        if column.type_code == NUMERIC_OID:
            numeric[i] = numeric_type(column)
            parse_types.append(pa.string())
        elif column.type_code in _PARSED:
            parse_types.append(_PARSED[column.type_code])
        else:
            return None
    return CopyPlan(names, parse_types, numeric)


class _CopyStream(io.RawIOBase):
    """psycopg's COPY data chunks as a readable byte stream, without re-copying the chunks."""

    def __init__(self, chunks: Iterator[Any]) -> None:
        self._chunks = chunks
        self._chunk = memoryview(b"")
        self._pos = 0

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        while self._pos >= len(self._chunk):
            chunk = next(self._chunks, None)
            if chunk is None:
                return 0
            self._chunk, self._pos = memoryview(chunk), 0
        n = min(len(buffer), len(self._chunk) - self._pos)
        buffer[:n] = self._chunk[self._pos:self._pos + n]
        self._pos += n
        return n


def copy_sql(query: str) -> str:
    # Newlines around the query: a trailing `-- comment` must not swallow the closing paren.
    return f"COPY (\n{query}\n) TO STDOUT (FORMAT csv)"


def read(chunks: Iterator[Any], copy_plan: CopyPlan, batch_rows: int
         ) -> Iterator[list[pa.Array]]:
    """Parse the COPY stream into batches of at most `batch_rows` rows, as lists of columns
    (positional: names may repeat)."""
    first = next(chunks, None)
    if first is None:  # no rows: Arrow refuses an empty CSV, and there is nothing to parse
        return
    chunks = chain([first], chunks)
    generic = [f"c{i}" for i in range(len(copy_plan.names))]
    reader = pcsv.open_csv(
        io.BufferedReader(_CopyStream(chunks), 1 << 20),
        read_options=pcsv.ReadOptions(column_names=generic, block_size=_BLOCK_BYTES),
        # A one-column row holding NULL is an empty line: a row, not blank space to skip.
        parse_options=pcsv.ParseOptions(newlines_in_values=True, ignore_empty_lines=False),
        convert_options=pcsv.ConvertOptions(
            column_types=dict(zip(generic, copy_plan.parse_types, strict=True)),
            null_values=[""], strings_can_be_null=True, quoted_strings_can_be_null=False,
            true_values=["t"], false_values=["f"]),
    )
    while True:
        try:
            batch = reader.read_next_batch()
        except StopIteration:
            return
        except pa.ArrowInvalid as exc:
            raise QueryFailed(f"a value PostgreSQL returned cannot be read as its column's "
                              f"type ({exc}); CAST that column to text in the query") from exc
        whole = list(batch.columns)
        # Before slicing: a cast of a slice costs as much as a cast of its whole parent.
        for i, declared in copy_plan.numeric.items():
            whole[i] = _numeric(whole[i], declared)
        for start in range(0, batch.num_rows, batch_rows):
            yield [c.slice(start, batch_rows) for c in whole]


def _numeric(text: pa.Array, declared: pa.DataType | None) -> pa.Array:
    """numeric text -> decimal: a vectorised cast when declared; otherwise (or when the cast
    refuses, e.g. 'NaN') the cursor path's own inference over Decimal values."""
    if declared is not None:
        try:
            return pc.cast(text, declared)
        except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
            pass
    try:
        values = [None if v is None else Decimal(v) for v in text.to_pylist()]
    except InvalidOperation:
        return text
    try:
        return pa.array(values, type=declared)
    except (pa.ArrowInvalid, pa.ArrowTypeError, pa.ArrowNotImplementedError, OverflowError):
        return text
