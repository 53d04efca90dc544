"""The data differ: prove parity between a source and a target query result.

Entry point: `tools.diff.compare.compare(source, target, ...) -> tools.diff.report.DiffReport`.

Modules, one job each: normalise (canonical values per column pair), pairing (keyed / inferred
key / multiset / positional), engine (the DuckDB join and its aggregates), columns (column
figures via datacompy or DuckDB), samples (row evidence), diagnose (likely causes), ordering
(ORDER BY checks), report (the pydantic models).
"""
