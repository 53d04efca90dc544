"""The `procbench` eval: SQL-ProcBench's PL/pgSQL routines (../shared/benchmarks/sql_procbench,
read in place) on a PostgreSQL source holding TPC-DS, migrated to a dbt project on the target
by `cutover run` with `[output] format = "dbt"`, and scored per routine file:

    parity       every model the routine became is at parity (the differ's verdict against
                 what the original left on a scratch copy, or its invocation query's result)
    mismatch     a model was built and diffed, and differs
    unproven     a model was built but there was nothing to diff it against (with the reason)
    unsupported  no model, with the reason (dynamic SQL, row-by-row loops, RAISE, ...)

Summarised per kind (procedure / scalar function / table function) as converted / parity /
unsupported. The TPC-DS data comes from DuckDB's tpcds extension (no download), written to a
fresh PostgreSQL database that is dropped afterwards.
"""

from __future__ import annotations

import json
import time
from collections import Counter
from pathlib import Path
from typing import Any

from sqlalchemy.engine import make_url

from evals.dbt_run import dispose_all, run_dbt_project
from evals.engines import engine_kind, provision
from tools.dbt.routine_verdicts import left_out_reasons, models_by_routine
from tools.errors import ConfigError
from tools.procedures.parse import parse_routines
from tools.procedures.random_stream import PROVEN_NOTE

NAME = "procbench"
DESCRIPTION = ("SQL-ProcBench PL/pgSQL (44 procedures, 25 scalar UDFs, 8 table functions) on "
               "TPC-DS → a dbt project, scored per routine")
CORPUS = (Path(__file__).resolve().parents[2]
          / "shared/benchmarks/sql_procbench/src_parrot_fixed/PLPgSQL")
KINDS = {"Stored Procedures": "procedure", "Scalar UDFs": "scalar function",
         "Table Valued UDFs": "table function"}
HISTORY = ("store_sales", "catalog_sales", "web_sales", "store_returns", "catalog_returns",
           "web_returns", "inventory")


def load_tpcds(url: str, sf: float) -> None:
    """TPC-DS at `sf` into the PostgreSQL database `url`, plus ProcBench's *_history tables."""
    import duckdb

    from tools.db.duckdb_extensions import extension_path

    u = make_url(url)
    con = duckdb.connect()
    con.execute(f"LOAD '{extension_path('tpcds')}'")
    con.execute(f"LOAD '{extension_path('postgres_scanner')}'")
    con.execute(f"CALL dsdgen(sf={sf})")
    dsn = (f"host={u.host} port={u.port} user={u.username} password={u.password} "
           f"dbname={u.database}")
    con.execute(f"ATTACH '{dsn}' AS pg (TYPE postgres)")
    tables = [t for (t,) in con.execute("SELECT table_name FROM information_schema.tables "
                                        "WHERE table_catalog = 'memory'").fetchall()]
    for table in tables:
        con.execute(f"CREATE TABLE pg.public.{table} AS SELECT {_int_keys(con, table)} "
                    f"FROM memory.main.{table}")
    for base in HISTORY:
        con.execute(f"CREATE TABLE pg.public.{base}_history AS SELECT {_int_keys(con, base)} "
                    f"FROM memory.main.{base}")
    con.close()
    add_primary_keys(url)


def _int_keys(con: Any, table: str) -> str:
    """The table's columns, BIGINT ones as INTEGER: the corpus's routines take `int`
    parameters, and PostgreSQL finds no f(int) for a bigint argument (its README says so).
    Only the generated table's columns: once `store_sales` is written to PostgreSQL, the
    attached catalog lists a second `store_sales`, and its columns would be selected twice."""
    return ", ".join(f"CAST({c} AS INTEGER) AS {c}" if t == "BIGINT" else c for c, t in
                     con.execute("SELECT column_name, data_type FROM information_schema.columns "
                                 "WHERE table_name = ? AND table_catalog = 'memory' "
                                 "ORDER BY ordinal_position", [table]).fetchall())


# Invocation values for routines the corpus ships without one (a proof needs the routine run
# with its parameters): values that exist in TPC-DS sf 0.01, chosen for this harness.
INVOCATIONS = {
    "removeitem": {"item_sk": "1"},
    "updateitemprice": {"itemsk": "2", "newprice": "1.50"},
    "updateweburl": {"oldurl": "'http://www.foo.com'", "newurl": "'http://www.bar.com'"},
    "saleperbrandcatalog": {"yr": "2000", "mnth": "11", "manufacture": "1"},
    "saleperbrandstore": {"yr": "2000", "mnth": "11", "manufacture": "1"},
    "saleperbrandweb": {"yr": "2000", "mnth": "11", "manufacture": "1"},
    "warehouseaddress_get": {"warehouseid": "'AAAAAAAABAAAAAAA'"},
    "maxsaleelectronicsmonth": {"yr": "2000"},
    "maxsalejewelrymonth": {"yr": "2000"},
    "maxprofitstates": {"givenyear": "2001"},
    "getstorebymanager": {"manager": "'William Ward'"},
    "getshipmode": {"item": "1", "ordr": "8", "channel": "NULL"},  # a web order, not a catalog one
    "channelwiselatedeliverystatistics": {"channel": "'c'", "year": "1999"},
    "newstore": {"store_sk": "1", "manager": "'Jane Doe'"},
    "new_promotion": {"item_sk": "1", "start_date": "2451000", "end_date": "2451100",
                      "cst": "100.50"},
    "profitmonitoring": {"startdate": "DATE '2001-01-01'", "enddate": "DATE '2001-01-31'",
                         "givenstore": "1"},
    # procedures that draw random() (through CreateRandomString), proven under the shared
    # deterministic random stream (tools/procedures/random_stream.py)
    "newwarehouse": {"nm": "'Central'", "sqft": "50000", "streetno": "'12'", "stname": "'Elm'",
                     "suite": "'Suite 100'", "city": "'Fairview'", "county": "'Williamson'",
                     "st": "'TN'", "zip": "'35709'", "country": "'United States'"},
    "newcatalogpage": {"strtdate": "2451000", "enddate": "2451100", "dept": "'DEPARTMENT'",
                       "catnumber": "1", "pgnum": "1", "dsc": "'New page'",
                       "typevarchar": "'monthly'"},
    # scalar functions no query of the corpus calls: proven as `SELECT f(...)` (`rand` is the
    # caller's random draw, passed in: the function itself is deterministic)
    "genrandomint": {"lower": "1", "upper": "26", "rand": "0.5"},
    "genrandomchar": {"chars": "'abcdefgh'", "rand": "0.3"},
    # only sameManagerForLargeStores calls it, and that one is refused: a list read from the
    # data (11 manager ids; the third, 26, comes again: the loop returns FALSE at pass 3)
    "islistdistinct": {"list": "(SELECT string_agg(i_manager_id::text, ', ' ORDER BY "
                               "i_item_sk) FROM item WHERE i_item_sk BETWEEN 2 AND 12)",
                       "delim": "','"},
    "custtotalloss": {"returnreason": "'Package was damaged'"},  # one reason row has it
}


DIMENSIONS = ("call_center", "catalog_page", "customer", "customer_address",
              "customer_demographics", "date_dim", "household_demographics", "income_band",
              "item", "promotion", "reason", "ship_mode", "store", "time_dim", "warehouse",
              "web_page", "web_site")


def add_primary_keys(url: str) -> None:
    """TPC-DS's dimension keys (each table's `*_sk` first column), as its schema declares
    them: CREATE TABLE AS drops them, and without them a function called once per row scans
    whole tables (the README's timeouts), on the source and on every scratch copy."""
    import psycopg

    u = make_url(url)
    with psycopg.connect(host=u.host, port=u.port, user=u.username, password=u.password,
                         dbname=u.database, autocommit=True) as con:
        for table in DIMENSIONS:
            row = con.execute(
                "SELECT column_name FROM information_schema.columns WHERE table_name = %s "
                "AND ordinal_position = 1", (table,)).fetchone()
            if row is None:
                raise RuntimeError(f"ProcBench table {table} is missing on {u.database}: "
                                   f"load the benchmark first")
            (first,) = row
            con.execute(f"ALTER TABLE {table} ADD PRIMARY KEY ({first})")


def project_toml(source_url: str, target_url: str, timeout_s: float) -> str:
    return ('[project]\nname = "procbench"\ncodebase = ["sql/Stored Procedures/*.sql", '
            '"sql/Scalar UDFs/*.sql", "sql/Table Valued UDFs/*.sql"]\n'
            f'[source]\nurl = "{source_url}"\nallow_privileged = true\n'
            f'[target]\nurl = "{target_url}"\n'
            f'[run]\nstatement_timeout_s = {timeout_s}\n[output]\nformat = "dbt"\n'
            + "".join(f"[output.procedures.{name}]\n" + "".join(
                f"{param} = {json.dumps(value)}\n" for param, value in values.items())
                for name, values in INVOCATIONS.items()))


def routine_files(corpus: Path = CORPUS) -> list[tuple[str, str, str]]:
    """(case id = file stem, kind, the routine's name) for each file of the corpus."""
    out = []
    for folder, kind in KINDS.items():
        for path in sorted((corpus / folder).glob("*.sql")):
            routines = parse_routines(path.read_text(encoding="utf-8", errors="replace"))
            out.append((path.stem, kind, routines[0].name if routines else ""))
    return out


def score(dbt: dict[str, Any], files: list[tuple[str, str, str]]) -> list[dict[str, Any]]:
    """One case per routine file, from the run's dbt.json."""
    models = models_by_routine(dbt, {r for _, _, r in files if r})
    reasons = left_out_reasons(dbt)
    cases = []
    for case_id, kind, routine in files:
        built = models.get(routine, [])
        reason = reasons.get(routine)
        verdicts = [m["verdict"] for m in built]
        if built and all(v.startswith("parity") for v in verdicts):
            outcome = "parity"
            if all("vacuous" in (m["diff_summary"] or "") for m in built):
                reason = "parity, vacuous: both sides empty on this data"
            elif any(PROVEN_NOTE in (m["diff_summary"] or "") for m in built):
                reason = PROVEN_NOTE  # random() replaced by the same stream on both sides
            checked = [m["precondition"] for m in built if m.get("precondition")]
            if checked:  # exact only on data like this: say under what the model checked
                reason = "parity under a precondition the model checks: " + "; ".join(checked)
        elif any(v in ("mismatch", "compile_error", "error") for v in verdicts):
            outcome = "mismatch"
            reason = reason or next((m["diff_summary"] or m["error"] for m in built
                                     if m["verdict"] == "mismatch"), None)
        elif built:
            outcome = "unproven"
            reason = reason or ", ".join(f"{m['name']}: {m['verdict']}" for m in built)
        else:
            outcome = "unsupported"
            reason = reason or ("no model and no reason recorded" if routine else
                                "the file holds no PostgreSQL CREATE PROCEDURE / FUNCTION "
                                "(e.g. T-SQL's CREATE OR ALTER): it does not run on the source")
        cases.append({"case": case_id, "kind": kind, "routine": routine, "outcome": outcome,
                      "converted": bool(built), "parity": outcome == "parity",
                      "models": [m["name"] for m in built], "reason": reason})
    return cases


def summarize(cases: list[dict[str, Any]]) -> dict[str, dict[str, int]]:
    out: dict[str, dict[str, int]] = {}
    for kind in KINDS.values():
        mine = [c for c in cases if c["kind"] == kind]
        counts = Counter(c["outcome"] for c in mine)
        out[kind] = {"files": len(mine), "converted": sum(c["converted"] for c in mine),
                     "parity": counts["parity"], "parity_vacuous": sum(
                         1 for c in mine if c["parity"] and "vacuous" in (c["reason"] or "")),
                     "mismatch": counts["mismatch"],
                     "unproven": counts["unproven"], "unsupported": counts["unsupported"]}
    return out


def run_procbench(source: str, target: str, workdir: Path, scale: float = 0.01,
                  timeout_s: float = 10.0, say: Any = None) -> dict[str, Any]:
    """Load TPC-DS into a fresh database on the PostgreSQL server `source`, run the
    migration to `target`, score, drop the databases; returns the eval log."""
    say = say or (lambda _msg: None)
    if engine_kind(source) != "postgres":
        raise ConfigError("procbench needs a PostgreSQL source (its routines are PL/pgSQL): "
                          "pass --source postgresql://user:pw@host:port/db")
    if not CORPUS.is_dir():
        raise ConfigError(f"procbench reads SQL-ProcBench in place at {CORPUS}; it is not there")
    eval_id = time.strftime("%Y%m%d-%H%M%S") + "-procbench"
    root = (workdir / eval_id).resolve()
    root.mkdir(parents=True, exist_ok=True)
    started = time.time()
    src = provision(source, root / "data", "source")
    tgt = provision(target, root / "data", "target")
    try:
        say(f"procbench: loading TPC-DS sf {scale} into PostgreSQL")
        load_started = time.perf_counter()
        load_tpcds(src.url, scale)
        load_seconds = time.perf_counter() - load_started
        project = root / "project"
        project.mkdir()
        (project / "sql").symlink_to(CORPUS)
        (project / "cutover.toml").write_text(project_toml(src.url, tgt.url, timeout_s),
                                              encoding="utf-8")
        say(f"procbench: cutover run → {engine_kind(target)} dbt project")
        dbt, run_seconds = run_dbt_project(project, "procbench", "procbench")
    finally:
        dispose_all([src, tgt])
    cases = score(dbt, routine_files())
    log = {"format": "cutover-eval-procbench/1", "eval_id": eval_id, "suite": NAME,
           "description": DESCRIPTION, "source": "postgres", "target": engine_kind(target),
           "scale": scale, "seconds": round(time.time() - started, 1),
           "load_seconds": round(load_seconds, 1), "run_seconds": round(run_seconds, 1),
           "dbt_build_seconds": dbt.get("build_seconds"), "dbt_build_ok": dbt.get("ok"),
           "cases": cases, "summary": summarize(cases)}
    (root / "eval.json").write_text(json.dumps(log, indent=2), encoding="utf-8")
    return log


def print_summary(log: dict[str, Any], out: Any = None) -> None:
    write = out or print
    write(f"procbench: PostgreSQL → {log['target']} dbt, TPC-DS sf {log['scale']}: run "
          f"{log['run_seconds']} s, dbt build {log['dbt_build_seconds']} s")
    write("| kind | files | converted | parity (vacuous) | mismatch | unproven | unsupported |")
    write("| --- | --- | --- | --- | --- | --- | --- |")
    for kind, s in log["summary"].items():
        write(f"| {kind} | {s['files']} | {s['converted']} | {s['parity']} "
              f"({s['parity_vacuous']}) | {s['mismatch']} | {s['unproven']} "
              f"| {s['unsupported']} |")
    for case in log["cases"]:
        if case["outcome"] != "parity":
            write(f"  {case['case']:40s} {case['outcome']:11s} {(case['reason'] or '')[:240]}")
