"""Prove a procedure's set-based rewrite: the procedure runs with its invocation parameters on
a scratch copy of the source (scratch.py) and leaves the expected tables; the rewrite's query per
table, translated to the target and run there over the same base tables, must match them."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from tools import sql as sqltools
from tools.db.base import Adapter
from tools.db.registry import open_adapter
from tools.diff.compare import compare
from tools.errors import CutoverError
from tools.procedures.parse import Routine
from tools.procedures.scratch import run_on_scratch
from tools.procedures.setbased import SetBased, rewrite, with_params

PROOF_SANDBOX = "cutover_procedures"


@dataclass
class TableProof:
    table: str
    verdict: str
    summary: str
    target_sql: str
    """The rewrite on the target with the invocation's values bound."""
    model_sql: str
    """The same with `{{ var('p') }}` for each parameter: the dbt model's body."""


@dataclass
class ProcedureProof:
    routine: str
    verdict: str
    """'parity' when every table written matches, else 'mismatch' / 'unsupported' / 'blocked'."""
    reason: str | None = None
    tables: list[TableProof] = field(default_factory=list)


def _call(routine: Routine, args: dict[str, str]) -> str:
    missing = [p.name for p in routine.params if p.name not in args and p.default is None]
    if missing:
        raise CutoverError(f"procedure {routine.name}: no invocation value for "
                           f"{', '.join(missing)}; give one per parameter")
    values = [args.get(p.name, p.default or "NULL") for p in routine.params]
    return f"CALL {routine.name}({', '.join(values)})"


def _load(source: Adapter, target: Adapter, tables: list[dict[str, Any]]) -> None:
    for table in tables:
        target.create_table(table["name"], table["columns"], table.get("primary_key"))
        for batch in source.read_batches(f"SELECT * FROM {source.quote(table['name'])}",
                                         batch_rows=50_000):
            target.append_arrow(table["name"], batch)


def prove_procedure(source_url: str, routine: Routine, args: dict[str, str], *,
                    target_url: str = "duckdb:///:memory:",
                    source_dialect: str = "postgres") -> ProcedureProof:
    """Rewrite, run on a scratch copy, run the rewrite on the target, diff per table."""
    source = open_adapter(source_url, "source")
    try:
        catalog = {t["name"].lower(): t for t in source.tables()}
        plan: SetBased = rewrite(routine, {n: [c["name"] for c in t["columns"]]
                                           for n, t in catalog.items()}, source_dialect)
        if plan.unsupported:
            return ProcedureProof(routine.name, "unsupported", plan.unsupported)
        missing = [t for t in plan.reads if t not in catalog]
        if missing:
            return ProcedureProof(routine.name, "unsupported",
                                  f"reads {', '.join(missing)}, not tables on the source")
        tables = [catalog[t] for t in plan.reads]
        values = {p.name: args.get(p.name, p.default or "NULL") for p in routine.params}
        try:
            expected = run_on_scratch(source, source_url, tables, routine.source_sql,
                                      _call(routine, args), list(plan.tables))
        except CutoverError as exc:
            return ProcedureProof(routine.name, "blocked", f"not proven: {exc}")
        target = open_adapter(target_url, "target")
        try:
            target.create_sandbox(PROOF_SANDBOX)
            _load(source, target, tables)
            proofs = [_prove_table(target, plan, table, sql, values, expected[table],
                                   source_dialect) for table, sql in plan.tables.items()]
        finally:
            target.close()
    finally:
        source.close()
    verdict = "parity" if all(p.verdict.startswith("parity") for p in proofs) else "mismatch"
    return ProcedureProof(routine.name, verdict, None, proofs)


def _prove_table(target: Adapter, plan: SetBased, table: str, sql: str, values: dict[str, str],
                 expected: Any, source_dialect: str) -> TableProof:
    translated = sqltools.transpile(sql, source_dialect, target.DIALECT, table)
    bound = with_params(translated, plan.params, values)
    model = with_params(translated, plan.params, None)
    try:
        got = target.read_arrow(bound)
    except CutoverError as exc:
        return TableProof(table, "compile_error", str(exc), bound, model)
    report = compare(expected, got)
    return TableProof(table, report.verdict, report.summary(), bound, model)
