"""SQL-ProcBench PL/pgSQL (../shared/benchmarks/sql_procbench, read in place): how many
procedures and functions the set-based rewrite / expression inlining converts, and why the rest
are unsupported. Static: conversion only — parity needs the procedures run on a scratch copy of
a loaded TPC-DS source (tools/procedures/prove.py), which this script does not do.

    .venv/bin/python benchmarks/procbench_convert.py [--corpus DIR]
"""

from __future__ import annotations

import argparse
import time
from collections import Counter
from pathlib import Path

import duckdb

from tools.db.duckdb_extensions import extension_path
from tools.errors import CutoverError
from tools.procedures.functions import translate_function
from tools.procedures.inline import Unsupported, inline_function
from tools.procedures.parse import parse_routines
from tools.procedures.setbased import rewrite

CORPUS = Path(__file__).resolve().parents[2] / "shared/benchmarks/sql_procbench/src_parrot_fixed"
KINDS = {"Stored Procedures": "procedure", "Scalar UDFs": "scalar function",
         "Table Valued UDFs": "table function"}
HISTORY = ("store_sales", "catalog_sales", "web_sales", "store_returns", "catalog_returns",
           "web_returns", "inventory")


def tpcds_columns() -> dict[str, list[str]]:
    """TPC-DS tables and columns (DuckDB's tpcds extension, no rows), plus the 7 *_history
    tables ProcBench adds with their base table's columns."""
    con = duckdb.connect()
    con.execute(f"LOAD '{extension_path('tpcds')}'")
    con.execute("CALL dsdgen(sf=0)")
    columns: dict[str, list[str]] = {}
    for table, column in con.execute("SELECT table_name, column_name FROM "
                                     "information_schema.columns ORDER BY ordinal_position"
                                     ).fetchall():
        columns.setdefault(table, []).append(column)
    for base in HISTORY:
        columns[f"{base}_history"] = columns[base]
    return columns


def reason_of(text: str) -> str:
    return text.split(":")[0][:70]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--corpus", type=Path, default=CORPUS)
    args = parser.parse_args()
    columns = tpcds_columns()
    started = time.perf_counter()
    converted: Counter[str] = Counter()
    total: Counter[str] = Counter()
    reasons: Counter[tuple[str, str]] = Counter()
    for folder, kind in KINDS.items():
        for path in sorted((args.corpus / "PLPgSQL" / folder).glob("*.sql")):
            total[kind] += 1
            try:
                routines = parse_routines(path.read_text(encoding="utf-8", errors="replace"))
            except CutoverError as exc:
                reasons[(kind, f"parse: {reason_of(str(exc))}")] += 1
                continue
            if not routines:
                reasons[(kind, "no CREATE PROCEDURE/FUNCTION found")] += 1
                continue
            routine = routines[0]
            if kind == "procedure" and routine.kind == "procedure":
                problem = rewrite(routine, columns).unsupported
            elif kind == "scalar function" and routine.language == "plpgsql":
                try:
                    inline_function(routine)
                    problem = None
                except Unsupported as exc:
                    problem = str(exc)
            else:
                problem = translate_function(routine, "postgres", "duckdb").unsupported
            if problem is None:
                converted[kind] += 1
            else:
                reasons[(kind, reason_of(problem.removeprefix(f"function {routine.name}: ")))] \
                    += 1
    seconds = time.perf_counter() - started
    print(f"SQL-ProcBench PL/pgSQL -> DuckDB, static conversion ({seconds:.2f} s)")
    print("| kind | files | converted | unsupported |\n| --- | --- | --- | --- |")
    for kind in KINDS.values():
        print(f"| {kind} | {total[kind]} | {converted[kind]} | {total[kind] - converted[kind]} |")
    print("\nunsupported, by reason:")
    for (kind, reason), n in reasons.most_common():
        print(f"  {n:3d}  {kind}: {reason}")


if __name__ == "__main__":
    main()
