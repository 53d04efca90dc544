"""The `sakila-routines` eval: Sakila's MySQL stored procedures and functions (Oracle's
official Sakila 1.5, read in place from ../shared/benchmarks/sakila) on a MariaDB / MySQL
source, migrated to a PostgreSQL dbt project by `cutover run` with `[output] format = "dbt"`
and `[source] include = ["procedures", "functions"]` (the routines are read from
information_schema.ROUTINES, not from the script), scored per routine:

    parity       every model the routine became is at parity with what the original gave on
                 a scratch copy of the source (a CALL's result sets and OUT values, or the
                 invocation query's rows with the original function)
    mismatch     a model was built and diffed, and differs
    unproven     a model was built but there was nothing to diff it against (with the reason)
    unsupported  no model, with the reason

The tables, data and routines are loaded by the sakila-mysql suite's own setup (its views and
triggers left out). The invocations below are this suite's; every expected result comes from
running the originals on the source's server, never written here.
"""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

from evals.dbt_run import dispose_all, run_dbt_project
from evals.engines import engine_kind, provision
from evals.manifest import ManifestError, load_manifest
from evals.procbench import score, summarize
from evals.project import build_source
from tools.errors import ConfigError

NAME = "sakila-routines"
DESCRIPTION = ("Sakila 1.5's MySQL routines (3 procedures, 3 functions) from the source "
               "catalog → a PostgreSQL dbt project, scored per routine")
SUITE = Path(__file__).resolve().parent / "suites" / "sakila-mysql"
ROUTINES = [("rewards_report", "procedure"), ("film_in_stock", "procedure"),
            ("film_not_in_stock", "procedure"), ("get_customer_balance", "scalar function"),
            ("inventory_held_by_customer", "scalar function"),
            ("inventory_in_stock", "scalar function")]
KINDS = ("procedure", "scalar function")

# Procedures: their IN parameters' values (a CALL's OUT parameters are collected by the proof).
CALLS = {
    "film_in_stock": {"p_film_id": "1", "p_store_id": "1"},
    "film_not_in_stock": {"p_film_id": "2", "p_store_id": "2"},
    "rewards_report": {"min_monthly_purchases": "7", "min_dollar_amount_purchased": "20.00"},
}
# Functions: the codebase's queries calling them (each one's first caller is its proof).
QUERIES = {
    # after the last rental: Sakila's payments match its fees, so the balance is 0.00 at
    # any date for every customer but 554 (-3.00 from 2006-02-14 on)
    "get_customer_balance": (
        "SELECT customer_id, get_customer_balance(customer_id, '2006-03-01 00:00:00') "
        "AS balance FROM customer WHERE customer_id <= 60 OR customer_id = 554"),
    "inventory_held_by_customer": (
        "SELECT inventory_id, inventory_held_by_customer(inventory_id) AS held_by "
        "FROM inventory WHERE inventory_id <= 400"),
    "inventory_in_stock": (
        "SELECT inventory_id, inventory_in_stock(inventory_id) AS in_stock "
        "FROM inventory WHERE inventory_id <= 400"),
}


def sakila_missing() -> str | None:
    """Why Sakila cannot be loaded here (its scripts are read in place from
    ../shared/benchmarks beside the repository), or None when they are there."""
    try:
        load_manifest(SUITE)
    except ManifestError as exc:
        return str(exc)
    return None


def load_sakila(url: str, say: Any = None) -> dict[str, Any]:
    """Sakila's tables, data and routines onto the fresh MySQL / MariaDB database `url`
    (the sakila-mysql suite's setup with the routines kept: they are the cases here)."""
    from evals.engines import Endpoint

    suite = load_manifest(SUITE)
    setup = [entry.model_copy(update={"skip": [k for k in entry.skip
                                               if k not in ("procedure", "function")]})
             for entry in suite.setup]
    if say:
        say("sakila-routines: loading Sakila (tables, data, routines)")
    return build_source(suite.model_copy(update={"setup": setup, "setup_csv": {},
                                                 "generated": {}}),
                        Endpoint("mysql", url, "mysql"), Path("."))


def project_toml(source_url: str, target_url: str, timeout_s: float) -> str:
    return ('[project]\nname = "sakila_routines"\ncodebase = ["sql/*.sql"]\n'
            f'[source]\nurl = "{source_url}"\ninclude = ["procedures", "functions"]\n'
            'allow_privileged = true\n'
            f'[target]\nurl = "{target_url}"\n'
            f'[run]\nstatement_timeout_s = {timeout_s}\n[output]\nformat = "dbt"\n'
            + "".join(f"[output.procedures.{name}]\n" + "".join(
                f"{param} = {json.dumps(value)}\n" for param, value in values.items())
                for name, values in CALLS.items()))


def write_project(folder: Path, source_url: str, target_url: str, timeout_s: float) -> None:
    (folder / "sql").mkdir(parents=True, exist_ok=True)
    for name, query in QUERIES.items():
        (folder / "sql" / f"call_{name}.sql").write_text(query + ";\n", encoding="utf-8")
    (folder / "cutover.toml").write_text(project_toml(source_url, target_url, timeout_s),
                                         encoding="utf-8")


def run_sakila_routines(source: str, target: str, workdir: Path, timeout_s: float = 30.0,
                        say: Any = None) -> dict[str, Any]:
    """Load Sakila into a fresh database on the MySQL / MariaDB server `source`, migrate its
    routines to a dbt project on `target`, score, drop the databases; returns the eval log."""
    say = say or (lambda _msg: None)
    if engine_kind(source) != "mysql":
        raise ConfigError("sakila-routines needs a MySQL / MariaDB source (its routines are "
                          "MySQL): pass --source mysql://user:pw@host:port/db")
    if not SUITE.is_dir():
        raise ConfigError(f"sakila-routines reuses the sakila-mysql suite at {SUITE}; it is "
                          f"not there")
    eval_id = time.strftime("%Y%m%d-%H%M%S") + "-sakila-routines"
    root = (workdir / eval_id).resolve()
    root.mkdir(parents=True, exist_ok=True)
    started = time.time()
    src = provision(source, root / "data", "source")
    tgt = provision(target, root / "data", "target")
    try:
        load_started = time.perf_counter()
        load_sakila(src.url, say)
        load_seconds = time.perf_counter() - load_started
        project = root / "project"
        write_project(project, src.url, tgt.url, timeout_s)
        say(f"sakila-routines: cutover run → {engine_kind(target)} dbt project")
        dbt, run_seconds = run_dbt_project(project, "sakila", "sakila-routines")
    finally:
        dispose_all([src, tgt])
    cases = score(dbt, [(name, kind, name) for name, kind in ROUTINES])
    for case in cases:  # parity where one of its models is empty on both sides: say which
        empty = [m["name"] for m in dbt.get("models", []) if m["name"] in case["models"]
                 and "vacuous" in (m.get("diff_summary") or "")]
        if case["outcome"] == "parity" and empty and not case["reason"]:
            case["reason"] = f"parity; vacuous for {', '.join(empty)}: both sides empty"
    summary = {k: v for k, v in summarize(cases).items() if v["files"]}
    log = {"format": "cutover-eval-sakila-routines/1", "eval_id": eval_id, "suite": NAME,
           "description": DESCRIPTION, "source": "mysql", "target": engine_kind(target),
           "seconds": round(time.time() - started, 1), "load_seconds": round(load_seconds, 1),
           "run_seconds": round(run_seconds, 1), "dbt_build_seconds": dbt.get("build_seconds"),
           "dbt_build_ok": dbt.get("ok"), "cases": cases, "summary": summary}
    (root / "eval.json").write_text(json.dumps(log, indent=2), encoding="utf-8")
    return log


def print_summary(log: dict[str, Any], out: Any = None) -> None:
    write = out or print
    write(f"sakila-routines: MySQL → {log['target']} dbt: run {log['run_seconds']} s, "
          f"dbt build {log['dbt_build_seconds']} s (ok: {log['dbt_build_ok']})")
    write("| kind | routines | converted | parity (vacuous) | mismatch | unproven | "
          "unsupported |")
    write("| --- | --- | --- | --- | --- | --- | --- |")
    for kind, s in log["summary"].items():
        write(f"| {kind} | {s['files']} | {s['converted']} | {s['parity']} "
              f"({s['parity_vacuous']}) | {s['mismatch']} | {s['unproven']} "
              f"| {s['unsupported']} |")
    for case in log["cases"]:
        write(f"  {case['routine']:28s} {case['outcome']:11s} {(case['reason'] or '')[:240]}")
