"""SQL-ProcBench PL/pgSQL on PostgreSQL (TPC-DS sf 0.01) -> a DuckDB dbt project, end to end
through `cutover run --dbt`: how many procedures / functions become models, are at parity, or
are unsupported, and how long `dbt build` takes. The corpus is read in place (the project's
sql/ is a symlink to it); the TPC-DS data comes from DuckDB's tpcds extension and is written to
a fresh PostgreSQL database (dropped afterwards) through DuckDB's postgres extension.

    .venv/bin/python benchmarks/procbench_dbt.py postgresql://user:pw@host:port/db [--sf 0.01]
"""

from __future__ import annotations

import argparse
import json
import secrets
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

import psycopg
from sqlalchemy.engine import make_url

from evals.procbench import load_tpcds

CORPUS = (Path(__file__).resolve().parents[2]
          / "shared/benchmarks/sql_procbench/src_parrot_fixed/PLPgSQL")


def _admin(url: str, database: str | None = None):
    u = make_url(url)
    return psycopg.connect(host=u.host, port=u.port, user=u.username, password=u.password,
                           dbname=database or u.database, autocommit=True)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("server_url")
    parser.add_argument("--sf", type=float, default=0.01)
    args = parser.parse_args()
    name = f"procbench_{secrets.token_hex(3)}"
    with _admin(args.server_url) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    url = make_url(args.server_url).set(database=name).render_as_string(hide_password=False)
    try:
        started = time.perf_counter()
        load_tpcds(url, args.sf)
        print(f"TPC-DS sf {args.sf} loaded into PostgreSQL in "
              f"{time.perf_counter() - started:.1f} s")
        with tempfile.TemporaryDirectory() as tmp:
            project = Path(tmp)
            (project / "sql").symlink_to(CORPUS)
            (project / "cutover.toml").write_text(
                '[project]\nname = "procbench"\ncodebase = ["sql/Stored Procedures/*.sql", '
                '"sql/Scalar UDFs/*.sql", "sql/Table Valued UDFs/*.sql"]\n'
                f'[source]\nurl = "{url}"\nallow_privileged = true\n[target]\nurl = "duckdb:///data/t.duckdb"\n'
                '[run]\nstatement_timeout_s = 10\n[output]\nformat = "dbt"\n')
            started = time.perf_counter()
            subprocess.run([sys.executable, "-m", "cutover", "run", str(project), "--runs-dir",
                            str(project / "runs"), "--run-id", "pb", "--llm", "off"],
                           stdout=subprocess.DEVNULL, check=False)
            print(f"cutover run --dbt: {time.perf_counter() - started:.1f} s")
            dbt = json.loads((project / "runs/pb/dbt.json").read_text())
    finally:
        with _admin(args.server_url) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    models = [m for m in dbt["models"] if m["layer"] != "staging"]
    verdicts = Counter(m["verdict"] for m in models)
    print(f"dbt build {'passed' if dbt['ok'] else 'did not pass'} in {dbt['build_seconds']} s; "
          f"models: {len(models)} ({dict(verdicts)}); not models: {len(dbt['left_out'])}")
    for m in models:
        print(f"  {m['name']:45s} {m['build_status']:8s} {m['verdict']:10s} "
              f"{m['diff_summary'] or m['error'] or ''}"[:160])
    def reason(x: dict) -> str:  # "function f: why: detail" -> "why"
        text = x["reason"].removeprefix("procedure: ")
        text = text.split(": ", 1)[1] if text.startswith("function ") else text
        return text.split(": ")[0][:90]

    reasons = Counter(reason(x) for x in dbt["left_out"])
    for reason, n in reasons.most_common():
        print(f"  {n:3d} {reason}")
    if dbt.get("error"):
        print("error:", dbt["error"][:500])
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
