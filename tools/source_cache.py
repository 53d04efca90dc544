"""The source result of an object, read once per run and reused by every attempt.

Every candidate of an object is compared with the same source result, so the source query
runs once: its Arrow table is kept as an Arrow IPC file in the run folder
(artifacts/<object>/source.arrow), memory-mapped back for later attempts and after a resume.
The file is written under a temporary name and renamed, so a killed run never leaves a
half-written cache behind.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

import pyarrow as pa

from tools.artifacts import artifact_folder
from tools.db.base import Adapter
from tools.trace import Tracer

CACHE_FILE = "source.arrow"


def read_source_once(run_dir: Path, obj: str, query: str, source: Callable[[], Adapter],
                     tracer: Tracer, cache: bool = True) -> pa.Table:
    """The object's source result: from the run's cache, or read from the source and cached.
    cache=False ([run] keep_samples = false) reads it every time and writes no data."""
    path = artifact_folder(run_dir, obj) / CACHE_FILE
    if cache and path.is_file():
        with pa.memory_map(str(path)) as mapped:
            return pa.ipc.open_file(mapped).read_all()
    table = source().read_arrow(query)
    tracer.event("source_read", rows=table.num_rows)
    if not cache:
        return table
    partial = path.with_suffix(".arrow.partial")
    with pa.OSFile(str(partial), "wb") as sink, pa.ipc.new_file(sink, table.schema) as writer:
        writer.write_table(table)
    os.replace(partial, path)
    return table
