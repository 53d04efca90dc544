"""Benchmark the differ against its peers, in one run, on the issue-4 workload.

Workload: table t of N rows (int key, ints, decimals, floats, text, dates, timestamps) and a
copy with ~0.1% of rows changed, deleted or inserted (N/3000 each). Scenarios:
- in-process: cutover's compare() vs datacompy (pandas, polars) on data already in memory;
- DuckDB↔DuckDB: `cutover diff` (stream) vs reladiff, end to end;
- PostgreSQL↔DuckDB and MariaDB↔DuckDB, with differences and identical: `cutover diff` stream
  and checksum vs reladiff, end to end;
- `cutover diff` timed as a process (start-up included, as a user runs it) beside the
  in-process figure, and the floors: how fast the rows can leave each engine at all (DuckDB
  file -> Arrow, `mariadb --quick`, `psql \\copy ... binary`, postgres_scanner CTAS;
  bench_floors.py).
One table per size gives every ratio: against reladiff, datacompy (in process) and the floor.
Every method runs in its own process; its peak RSS is read with wait4. The script checks that
every method finds exactly the planted differences (so: the same as every peer).

    .venv/bin/python benchmarks/diff_bench.py --rows 1000000            # full size, by hand
    .venv/bin/python benchmarks/diff_bench.py --rows 20000 --no-reladiff  # CI size

reladiff runs from its own environment, benchmarks/.venv-peers (created on first use with
`--setup-peers`, or by hand: python3 -m venv benchmarks/.venv-peers && benchmarks/.venv-peers/
bin/pip install "reladiff==0.6.*" duckdb==1.5.5 psycopg2-binary mysql-connector-python).
PostgreSQL: --pg-url, else $CUTOVER_TEST_PG_URL, else a throwaway server from tests/servers.py;
MariaDB: --mysql-url, else $CUTOVER_TEST_MYSQL_URL (skipped without one).
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
HERE = Path(__file__).resolve().parent
PEERS = HERE / ".venv-peers"
SPEC = """id BIGINT PRIMARY KEY, qty INTEGER, big BIGINT, price DECIMAL(12,2),
amount DECIMAL(18,4), ratio DOUBLE, score DOUBLE, name VARCHAR, city VARCHAR, day DATE,
ts TIMESTAMP"""
ROWS = """SELECT i AS id, CAST((i * 7919) % 100003 AS INTEGER) AS qty,
(i * 104729) % 1000000007 - 500000000 AS big,
CAST(((i * 31) % 1000000) / 100.0 AS DECIMAL(12,2)) AS price,
CAST(((i * 17) % 100000000) / 10000.0 AS DECIMAL(18,4)) AS amount,
(i * 0.37) / 3.0 AS ratio, sqrt(i + 0.5) AS score, 'name_' || (i % 50000) AS name,
'city ' || (i % 997) AS city, DATE '2000-01-01' + CAST(i % 9000 AS INTEGER) AS day,
TIMESTAMP '2020-01-01' + to_microseconds(i * 1234567) AS ts FROM range({n}) r(i)"""

# What reladiff reads (views). It cannot read DuckDB DATE next to PostgreSQL (STACK-FACTS):
# DATE is cast to TIMESTAMP. Its float normalisation differs between the two engines in the
# last digit (123.3333333333330 vs ...333), which reports nearly every row as changed, so DOUBLE
# columns reach it as DECIMAL(20,6). On PostgreSQL that cast goes through the float's text: a
# direct float8 -> numeric keeps 15 digits first and gave 18 false differences at 5M rows
# (checked: text route vs DuckDB's direct cast agree on all 5M rows). cutover reads the tables
# as they are.
RELADIFF_VIEWS_DUCKDB = (
    "CREATE VIEW t_rd AS SELECT * REPLACE (CAST(day AS TIMESTAMP) AS day, "
    "CAST(ratio AS DECIMAL(20,6)) AS ratio, CAST(score AS DECIMAL(20,6)) AS score) FROM t",
)
RELADIFF_VIEW_POSTGRES = (
    "CREATE VIEW t_rd AS SELECT id, qty, big, price, amount, "
    "CAST(CAST(ratio AS text) AS numeric(20,6)) AS ratio, "
    "CAST(CAST(score AS text) AS numeric(20,6)) AS score, name, city, "
    "CAST(day AS timestamp) AS day, ts FROM t")
RELADIFF_VIEW_MARIADB = (
    "CREATE VIEW t_rd AS SELECT id, qty, big, price, amount, "
    "CAST(CAST(ratio AS CHAR) AS DECIMAL(20,6)) AS ratio, "
    "CAST(CAST(score AS CHAR) AS DECIMAL(20,6)) AS score, name, city, "
    "CAST(day AS DATETIME) AS day, ts FROM t")


@dataclass
class Result:
    scenario: str
    method: str
    seconds: float
    peak_mb: float
    found: dict[str, int]
    error: str | None = None


@dataclass
class Bench:
    rows: int
    work: Path
    pg_url: str | None
    mysql_url: str | None = None
    checksum: bool = True
    reuse: bool = False
    """Keep the tables a previous run with the same --workdir left (files and databases)."""
    cases: tuple[str, ...] = ("diff", "identical")
    """Which server scenarios run: with the planted differences, identical, or both."""
    results: list[Result] = field(default_factory=list)


def expected(n: int) -> dict[str, int]:
    """Planted: id % 3000 == 1 changed, == 2 deleted; one row inserted per id % 3000 == 0."""
    count = lambda r: len(range(r, n, 3000))  # noqa: E731
    return {"changed": count(1), "only_source": count(2), "only_target": count(0)}


PLANT_SQL = {  # the planted differences of make_duckdb, applied to a server-side copy
    "update": "UPDATE {t} SET ratio = ratio + 1, name = {concat} WHERE id % 3000 = 1",
    "delete": "DELETE FROM {t} WHERE id % 3000 = 2",
    "insert": "INSERT INTO {t} SELECT id + {n}, qty, big, price, amount, ratio, score, name, "
              "city, day, ts FROM {s} WHERE id % 3000 = 0",
}


def copy_planted(server_url: str, n: int) -> str:
    """The target next to the source on the same server (PostgreSQL: schema tgt of the same
    database; MariaDB: database <db>_tgt), for the push-down scenario; returns its URL."""
    from sqlalchemy.engine import make_url

    u = make_url(server_url)
    if server_url.startswith("postgres"):
        import psycopg

        con = psycopg.connect(host=u.host, port=u.port, user=u.username, password=u.password,
                              dbname=u.database, autocommit=True)
        con.execute("DROP SCHEMA IF EXISTS tgt CASCADE")
        con.execute("CREATE SCHEMA tgt")
        con.execute("CREATE TABLE tgt.t (LIKE public.t INCLUDING ALL)")
        con.execute("INSERT INTO tgt.t SELECT * FROM public.t")
        run, table, concat, url = con.execute, "tgt.t", "name || 'x'", server_url
    else:
        import pymysql

        con = pymysql.connect(host=u.host, port=u.port, user=u.username,
                              password=u.password or "", autocommit=True)
        db = f"{u.database}_tgt"
        run = con.cursor().execute
        run(f"DROP DATABASE IF EXISTS {db}")
        run(f"CREATE DATABASE {db}")
        run(f"CREATE TABLE {db}.t LIKE {u.database}.t")
        run(f"INSERT INTO {db}.t SELECT * FROM {u.database}.t")
        table, concat = f"{db}.t", "CONCAT(name, 'x')"
        url = u.set(database=db).render_as_string(hide_password=False)
    source = "public.t" if server_url.startswith("postgres") else f"{u.database}.t"
    for step in ("update", "delete", "insert"):
        run(PLANT_SQL[step].format(t=table, s=source, n=n, concat=concat))
    con.close()
    return url


def make_duckdb(work: Path, n: int, reuse: bool = False) -> tuple[Path, Path]:
    import duckdb

    src, tgt = work / "source.duckdb", work / "target.duckdb"
    if reuse and src.exists() and tgt.exists():
        return src, tgt
    for p in (src, tgt):
        p.unlink(missing_ok=True)
    con = duckdb.connect(str(src))
    con.execute(f"CREATE TABLE t ({SPEC})")
    con.execute(f"INSERT INTO t {ROWS.format(n=n)}")
    for view in RELADIFF_VIEWS_DUCKDB:
        con.execute(view)
    con.close()
    con = duckdb.connect(str(tgt))
    con.execute(f"ATTACH '{src}' AS s (READ_ONLY)")
    con.execute(f"CREATE TABLE t ({SPEC})")
    con.execute(
        "INSERT INTO t SELECT id, qty, big, price, amount, "
        "CASE WHEN id % 3000 = 1 THEN ratio + 1 ELSE ratio END, score, "
        "CASE WHEN id % 3000 = 1 THEN name || 'x' ELSE name END, city, day, ts "
        f"FROM s.t WHERE id % 3000 <> 2 UNION ALL SELECT id + {n}, qty, big, price, amount, "
        "ratio, score, name, city, day, ts FROM s.t WHERE id % 3000 = 0")
    for view in RELADIFF_VIEWS_DUCKDB:
        con.execute(view)
    con.close()
    return src, tgt


def load_postgres(admin_url: str, src: Path, work: Path, n: int) -> str:
    """A fresh database holding the source table (COPY from CSV written by DuckDB)."""
    import duckdb
    import psycopg
    from sqlalchemy.engine import make_url

    u = make_url(admin_url)
    name = f"cutover_bench_{n}"
    args = dict(host=u.host, port=u.port, user=u.username, password=u.password, autocommit=True)
    with psycopg.connect(**args, dbname=u.database) as con:
        con.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        con.execute(f'CREATE DATABASE "{name}"')
    csv = work / "source.csv"
    duckdb.connect(str(src), read_only=True).execute(
        f"COPY (SELECT * FROM t) TO '{csv}' (HEADER false)")
    pg_spec = SPEC.replace("DOUBLE", "DOUBLE PRECISION").replace("VARCHAR", "TEXT")
    with psycopg.connect(**args, dbname=name) as con:
        con.execute(f"CREATE TABLE t ({pg_spec})")
        with con.cursor() as cur, cur.copy("COPY t FROM STDIN (FORMAT csv)") as copy, \
                open(csv, "rb") as f:
            while chunk := f.read(1 << 20):
                copy.write(chunk)
        con.execute(RELADIFF_VIEW_POSTGRES)
        # VACUUM too: the first full read after a COPY sets every row's hint bits (writes the
        # table again) and wakes autovacuum; whichever method ran first paid for both
        con.execute("VACUUM (ANALYZE) t")
    csv.unlink()
    return u.set(database=name).render_as_string(hide_password=False)


def load_mariadb(admin_url: str, src: Path, work: Path, n: int) -> str:
    """A fresh database holding the source table (LOAD DATA from a TSV written by DuckDB)."""
    import duckdb
    import pymysql
    from sqlalchemy.engine import make_url

    u = make_url(admin_url)
    name = f"cutover_bench_{n}"
    tsv = work / "source.tsv"
    duckdb.connect(str(src), read_only=True).execute(
        f"COPY (SELECT * FROM t) TO '{tsv}' (HEADER false, DELIMITER '\t', NULLSTR '\\N')")
    spec = SPEC.replace("VARCHAR", "VARCHAR(64)").replace("TIMESTAMP", "DATETIME(6)")
    con = pymysql.connect(host=u.host, port=u.port, user=u.username, password=u.password or "",
                          autocommit=True, local_infile=True, charset="utf8mb4")
    with con.cursor() as cur:
        cur.execute(f"DROP DATABASE IF EXISTS {name}")
        cur.execute(f"CREATE DATABASE {name}")
        cur.execute(f"USE {name}")
        cur.execute(f"CREATE TABLE t ({spec})")
        cur.execute(f"LOAD DATA LOCAL INFILE '{tsv}' INTO TABLE t FIELDS TERMINATED BY '\t'")
        cur.execute(RELADIFF_VIEW_MARIADB)
        cur.execute("ANALYZE TABLE t")
    con.close()
    tsv.unlink()
    return u.set(database=name).render_as_string(hide_password=False)


def measure(bench: Bench, scenario: str, method: str, cmd: list[str]) -> Result:
    """Run one method in its own process; seconds as it reports them, peak RSS from wait4."""
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        proc = subprocess.Popen(cmd, stdout=out, stderr=err, cwd=ROOT)
        _, status, usage = os.wait4(proc.pid, 0)
        proc.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        err.seek(0)
        text, errors = out.read().decode(), err.read().decode()
    peak = usage.ru_maxrss / 1024  # KiB on Linux
    lines = [ln for ln in text.splitlines() if ln.startswith("{")]
    if proc.returncode != 0 or not lines:
        tail = (errors.strip().splitlines() or ["(no output)"])[-1]
        result = Result(scenario, method, float("nan"), peak, {}, error=tail)
    else:
        data = json.loads(lines[-1])
        result = Result(scenario, method, data["seconds"], peak, data["found"])
    bench.results.append(result)
    shown = f"{result.seconds:8.2f} s {peak:8.0f} MB {result.found}" if not result.error \
        else f"FAILED: {result.error}"
    print(f"  {scenario:<22} {method:<20} {shown}", flush=True)
    return result


def precompile() -> None:
    """Byte-compile the project as installing its wheel does. An editable install compiles
    nothing, and with PYTHONDONTWRITEBYTECODE set (as on the build machine) every start-up of
    `cutover` then compiles ~160 modules again: a cost no installed user pays."""
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    subprocess.run([sys.executable, "-m", "compileall", "-q", "tools", "cutover", "graph",
                    "agents"], cwd=ROOT, env=env, check=False, stdout=subprocess.DEVNULL)


def ours(method: str, src: str, tgt: str, t_table: str = "t") -> list[str]:
    return [sys.executable, str(HERE / "bench_workers.py"), method, src, tgt, t_table]


def _reused(admin_url: str, n: int) -> str:
    from sqlalchemy.engine import make_url

    return make_url(admin_url).set(database=f"cutover_bench_{n}").render_as_string(
        hide_password=False)


def floor(name: str, url: str) -> list[str]:
    return [sys.executable, str(HERE / "bench_floors.py"), name, url]


def reladiff(src: str, s_table: str, tgt: str, t_table: str) -> list[str]:
    return [str(PEERS / "bin" / "python"), str(HERE / "bench_reladiff.py"), src, s_table, tgt,
            t_table]


def setup_peers() -> None:
    if (PEERS / "bin" / "python").exists():
        return
    subprocess.run([sys.executable, "-m", "venv", str(PEERS)], check=True)
    subprocess.run([str(PEERS / "bin" / "pip"), "install", "-q", "reladiff==0.6.*",
                    "duckdb==1.5.5", "psycopg2-binary", "mysql-connector-python"],
                   check=True)


def run_all(bench: Bench, use_reladiff: bool, use_pg: bool, only: set[str]) -> None:
    src, tgt = make_duckdb(bench.work, bench.rows, bench.reuse)
    s_url, t_url = f"duckdb:///{src}", f"duckdb:///{tgt}"
    print(f"workload: {bench.rows:,} rows, planted {expected(bench.rows)}", flush=True)
    if "in-process" in only:
        for m in ("compare", "datacompy-pandas", "datacompy-polars"):
            measure(bench, "in-process", m, ours(m, s_url, t_url))
    if "duckdb-duckdb" in only:
        scenario = "duckdb-duckdb"
        measure(bench, scenario, "cutover stream", ours("stream", s_url, t_url))
        precompile()
        measure(bench, scenario, "cutover diff command", ours("command-stream", s_url, t_url))
        measure(bench, scenario, "floor: DuckDB files -> Arrow", floor("duckdb-arrow", t_url))
        if use_reladiff:
            # sqeleton's DuckDB URL is duckdb://<dbname>@<filepath>
            measure(bench, scenario, "reladiff",
                    reladiff(f"duckdb://main@{src}", "t_rd", f"duckdb://main@{tgt}", "t_rd"))
    servers = []
    load = (lambda f, url: _reused(url, bench.rows)) if bench.reuse else \
        (lambda f, url: f(url, src, bench.work, bench.rows))
    if use_pg and bench.pg_url and "pg-duckdb" in only:
        pg = load(load_postgres, bench.pg_url)
        servers.append(("pg-duckdb", pg, [("psql \\copy binary", "psql-binary"),
                                          ("postgres_scanner CTAS", "pgscan-ctas")]))
    if bench.mysql_url and "mariadb-duckdb" in only:
        my = load(load_mariadb, bench.mysql_url)
        servers.append(("mariadb-duckdb", my, [("mariadb --quick", "mariadb-quick")]))
    for name, server_url, _ in servers:
        if "pushdown" not in only:
            continue
        # Both sides on one server: the engine compares them in place (no copy).
        same = name.replace("-duckdb", "-" + name.split("-")[0])
        t_same = copy_planted(server_url, bench.rows)
        for method in ("pushdown", "stream"):
            measure(bench, f"{same} pushdown", f"cutover {method}",
                    ours(method, server_url, t_same if name.startswith("mariadb")
                         else server_url, "tgt.t" if name.startswith("pg") else "t"))
    for name, server_url, floors in servers:
        for label, floor_name in floors:
            measure(bench, f"{name} floor", f"floor: {label}", floor(floor_name, server_url))
        for case, target in (("diff", tgt), ("identical", src)):
            if case not in bench.cases:
                continue
            scenario = f"{name} {case}"
            d_url = f"duckdb:///{target}"
            measure(bench, scenario, "cutover stream", ours("stream", server_url, d_url))
            if bench.checksum:
                measure(bench, scenario, "cutover checksum", ours("checksum", server_url, d_url))
            if use_reladiff:
                measure(bench, scenario, "reladiff",
                        reladiff(server_url, "t_rd", f"duckdb://main@{target}", "t_rd"))


def _expected_for(bench: Bench, scenario: str) -> dict[str, int]:
    zero = {"changed": 0, "only_source": 0, "only_target": 0}
    return zero if "identical" in scenario else expected(bench.rows)


def _ours(r: Result) -> bool:
    return r.method.startswith(("cutover", "compare"))


def _ratios(bench: Bench, r: Result) -> tuple[str, str, str]:
    """(vs reladiff, vs datacompy, vs floor) for one of our results: peer s / our s, and our
    s / floor s (how many floors the diff takes)."""
    ok = [p for p in bench.results if not p.error and p.seconds == p.seconds]
    group = r.scenario.split(" ")[0]
    rd = [p for p in ok if p.scenario == r.scenario and p.method == "reladiff"]
    # datacompy compares frames already in memory: a peer for in-process and for DuckDB files.
    dc = [p for p in ok if p.method.startswith("datacompy")] \
        if group in ("in-process", "duckdb-duckdb") else []
    floors = [p for p in ok if p.method.startswith("floor") and p.scenario.split(" ")[0] == group]
    vs_rd = ", ".join(f"{p.seconds / r.seconds:.1f}x" for p in rd)
    vs_dc = ", ".join(f"{p.seconds / r.seconds:.1f}x {p.method.split('-')[1]}" for p in dc)
    vs_floor = ", ".join(f"{r.seconds / p.seconds:.1f} floors ({p.method[7:]})" for p in floors)
    return vs_rd, vs_dc, vs_floor


def report(bench: Bench) -> bool:
    """Print the table (seconds, peak MB, found, every ratio against reladiff, datacompy and
    the floor) and the checks; True when every cutover method found exactly the planted
    differences (a peer that does not is named, since the planted truth is known)."""
    print(f"\n## {bench.rows:,} rows\n")
    print("| scenario | method | seconds | peak MB | found (chg/src/tgt) | vs reladiff "
          "| vs datacompy (in process) | vs floor |")
    print("| --- | --- | --- | --- | --- | --- | --- | --- |")
    ok = True
    peers_off: list[str] = []
    for r in bench.results:
        ratios = _ratios(bench, r) if _ours(r) and not r.error else ("", "", "")
        f = r.found
        found = f"{f.get('changed')}/{f.get('only_source')}/{f.get('only_target')}" \
            if f else r.error or ""
        is_floor = r.method.startswith("floor")
        right = is_floor and not r.error or f == _expected_for(bench, r.scenario)
        if _ours(r):
            ok &= right
        elif not right:
            peers_off.append(f"{r.method} ({r.scenario})")
        print(f"| {r.scenario} | {r.method} | {r.seconds:.2f} | {r.peak_mb:.0f} | "
              f"{found}{'' if right else ' WRONG'} | {' | '.join(ratios)} |")
    print(f"\nplanted: {expected(bench.rows)} (identical scenarios: nothing). cutover: "
          f"{'every method found exactly these' if ok else 'WRONG RESULTS'}; peers that did "
          f"not: {', '.join(peers_off) or 'none'}. Ratios: peer seconds / ours (higher is "
          f"better for us); floors: our seconds / the floor's.")
    return ok


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--rows", type=int, action="append", help="table size (repeatable); "
                    "default 1,000,000")
    ap.add_argument("--pg-url", default=os.environ.get("CUTOVER_TEST_PG_URL"))
    ap.add_argument("--mysql-url", default=os.environ.get("CUTOVER_TEST_MYSQL_URL"))
    ap.add_argument("--no-postgres", action="store_true", help="skip PostgreSQL↔DuckDB")
    ap.add_argument("--no-reladiff", action="store_true", help="skip reladiff (CI)")
    ap.add_argument("--no-checksum", action="store_true", help="skip cutover's checksum runs")
    ap.add_argument("--setup-peers", action="store_true", help="create .venv-peers if missing")
    ap.add_argument("--workdir", type=Path, default=None)
    ap.add_argument("--reuse", action="store_true", help="keep the tables of a previous run "
                    "in --workdir and on the servers")
    ap.add_argument("--cases", default="diff,identical",
                    help="server scenarios: diff (planted differences), identical, or both")
    ap.add_argument("--only", default="in-process,duckdb-duckdb,pg-duckdb,mariadb-duckdb,"
                    "pushdown",
                    help="scenarios to run, comma-separated")
    args = ap.parse_args()
    if args.setup_peers:
        setup_peers()
    use_reladiff = not args.no_reladiff
    if use_reladiff and not (PEERS / "bin" / "python").exists():
        print(f"reladiff skipped: {PEERS} missing (run with --setup-peers)")
        use_reladiff = False
    server = None
    if not args.no_postgres and not args.pg_url:
        from tests import servers

        if servers.postgres_available():
            server = servers.start_postgres()
            args.pg_url = server.url
    ok = True
    try:
        for n in args.rows or [1_000_000]:
            work = args.workdir or Path(tempfile.mkdtemp(prefix=f"cutover-bench-{n}-"))
            work.mkdir(parents=True, exist_ok=True)
            bench = Bench(n, work, args.pg_url, args.mysql_url, not args.no_checksum,
                          args.reuse, tuple(args.cases.split(",")))
            run_all(bench, use_reladiff, not args.no_postgres, set(args.only.split(",")))
            ok &= report(bench)
    finally:
        if server is not None:
            from tests import servers

            servers.stop(server)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
