"""The data differ: prove parity between a source and a target query result.

Entry point: `tools.diff.compare.compare(source, target, ...) -> tools.diff.report.DiffReport`.

Modules, one job each: normalise (canonical values per column pair), pairing (keyed / inferred
key / multiset / positional), engine (the DuckDB join and its aggregates), columns (column
figures via datacompy or DuckDB), samples (row evidence), diagnose (likely causes), ordering
(ORDER BY checks), report (the pydantic models), prefilter (one-pass narrowing of large keyed
diffs to the rows that can differ).

Product layer (`cutover diff`): run (diff_urls: open engines read-only, pick the algorithm),
inputs (table-or-query), stream (adapters' Arrow batches -> DuckDB -> compare), checksum
(segment checksums inside each engine, bisection, then compare on the differing rows only),
key_ranges (the checksum's segments by ranges of one integer key), pushdown (one engine that
sees both sides finds the differing keys), partial (a report on fetched rows scaled up to the
tables), render (console and HTML).
"""
