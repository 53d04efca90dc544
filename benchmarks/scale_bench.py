"""Scale of a whole run: generated codebases of N objects, SQLite (or PostgreSQL) → DuckDB.

Method: generate a project once per size — three base tables (orders ROWS rows, customers and
products ROWS/10), and N objects in dependency chains: views over the base tables and over
earlier views (depth up to 4), report queries with GROUP BY / joins / CASE, and every fifth
object an integer division (SQLite floors 7/2 to 3, DuckDB gives 3.5) so the fixer's loop runs
too. Then `cutover run` runs it in a child process (the code of the Python given by --python,
so the same script measures main and a branch) once per worker count, and the table shows:
objects/s (objects over the run's wall time, planning and loading included), peak RSS of the
child, checkpoint bytes (checkpoints.sqlite), run-folder bytes, the reporter's time (report
render), source reads (one per diff before the cache; `source_read` events after) and the
verdict counts (the same on every row, or something is wrong).

    .venv/bin/python benchmarks/scale_bench.py --sizes 100,1000 --workers 1,2,4
    .venv/bin/python benchmarks/scale_bench.py --code /tmp/base --workers none  # the 'before'
    .venv/bin/python benchmarks/scale_bench.py --source postgres   # CUTOVER_TEST_PG_URL

A worker count is written as `[run] workers = N`; code without that setting (main) is run
once with --workers 1 and no key. Run the big sizes once, under `nice`.

--kill-after N kills the run (SIGKILL) once N objects have finished and resumes it with
`--resume`; the row then counts both processes' wall time, and the verdicts must come out the
same. --browser opens the report.html in Debian's chromium (Playwright) and adds the report's
size, the time to first contentful paint, the time until the object table shows its rows, and
the time a verdict filter takes to apply: a 10,000-object report must open usably.

    .venv/bin/python benchmarks/scale_bench.py --sizes 10000 --workers 2 --kill-after 5000 --browser
"""

from __future__ import annotations

import argparse
import json
import os
import random
import signal
import sqlite3
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
BASE_SQL = """
CREATE TABLE customers (id INTEGER PRIMARY KEY, name TEXT, region TEXT, tier INTEGER);
CREATE TABLE products (id INTEGER PRIMARY KEY, title TEXT, category TEXT, price REAL);
CREATE TABLE orders (id INTEGER PRIMARY KEY, customer_id INTEGER, product_id INTEGER,
                     qty INTEGER, amount REAL, status TEXT, day INTEGER);
"""
REGIONS = ("north", "south", "east", "west")
STATUSES = ("new", "paid", "shipped", "returned")


def _seed(path: Path, rows: int) -> None:
    rng = random.Random(7)
    con = sqlite3.connect(path)
    con.executescript(BASE_SQL)
    small = max(10, rows // 10)
    con.executemany("INSERT INTO customers VALUES (?,?,?,?)",
                    [(i, f"c{i}", REGIONS[i % 4], i % 5) for i in range(small)])
    con.executemany("INSERT INTO products VALUES (?,?,?,?)",
                    [(i, f"p{i}", f"cat{i % 12}", round(rng.uniform(1, 500), 2))
                     for i in range(small)])
    con.executemany("INSERT INTO orders VALUES (?,?,?,?,?,?,?)",
                    [(i, rng.randrange(small), rng.randrange(small), rng.randint(1, 9),
                      round(rng.uniform(1, 900), 2), STATUSES[i % 4], i % 365)
                     for i in range(rows)])
    con.commit()
    con.close()


def _object_sql(i: int, views: list[str], rng: random.Random) -> tuple[str, str]:
    """(name, statement) of object i; about half are views others can build on."""
    name = f"obj_{i:05d}"
    shape = i % 5
    status = STATUSES[i % 4]
    if shape == 0:  # integer division: a job for the fixer's rule catalog
        body = (f"SELECT customer_id, SUM(qty) / COUNT(*) AS avg_qty_{i} FROM orders "
                f"WHERE status = '{status}' GROUP BY customer_id")
    elif shape == 1:
        body = (f"SELECT c.region, COUNT(*) AS n, ROUND(SUM(o.amount), 2) AS total FROM orders o "
                f"JOIN customers c ON c.id = o.customer_id WHERE o.day % {3 + i % 7} = 0 "
                f"GROUP BY c.region")
    elif shape == 2:
        body = (f"SELECT p.category, MAX(p.price) AS top, MIN(o.qty) AS least FROM orders o "
                f"JOIN products p ON p.id = o.product_id WHERE o.qty > {i % 5} "
                f"GROUP BY p.category")
    elif shape == 3 and views:
        dep = views[rng.randrange(len(views))]
        body = f"SELECT * FROM {dep} WHERE 1 = 1 LIMIT {50 + i % 50}"
        body = f"SELECT COUNT(*) AS n_{i} FROM ({body}) AS t"
    else:
        body = (f"SELECT id, CASE WHEN amount > {100 + i % 400} THEN 'big' ELSE 'small' END AS "
                f"size, day FROM orders WHERE day = {i % 365}")
    if i % 2 == 0:
        return name, f"CREATE VIEW {name} AS {body};"
    return name, f"{body};"


def generate(root: Path, objects: int, rows: int) -> Path:
    """A project folder with data/source.sqlite and sql/ holding `objects` objects."""
    root.mkdir(parents=True, exist_ok=True)
    (root / "data").mkdir(exist_ok=True)
    _seed(root / "data" / "source.sqlite", rows)
    rng = random.Random(objects)
    views: list[str] = []
    sql_dir = root / "sql"
    sql_dir.mkdir(exist_ok=True)
    for i in range(objects):
        name, statement = _object_sql(i, views[-40:], rng)
        (sql_dir / f"{name}.sql").write_text(statement + "\n", encoding="utf-8")
        if statement.startswith("CREATE VIEW"):
            views.append(name)
    return root


def _config(root: Path, source_url: str, workers: int | None) -> None:
    run = "[run]\nmax_attempts = 3\n" + (f"workers = {workers}\n" if workers else "")
    (root / "cutover.toml").write_text(
        f'[project]\nname = "scale"\ncodebase = ["sql/**/*.sql"]\n\n[source]\nurl = '
        f'"{source_url}"\n\n[target]\nurl = "duckdb:///data/target.duckdb"\n\n{run}',
        encoding="utf-8")


def _folder_bytes(path: Path) -> int:
    return sum(f.stat().st_size for f in path.rglob("*") if f.is_file())


def _finished_objects(events: Path, offset: int, count: int) -> tuple[int, int]:
    """object_end events appended to events.jsonl since `offset` (a byte position)."""
    if not events.is_file():
        return offset, count
    with events.open("rb") as fh:
        fh.seek(offset)
        chunk = fh.read()
    whole = chunk[:chunk.rfind(b"\n") + 1]
    return offset + len(whole), count + whole.count(b'"kind": "object_end"')


def _run(cmd: list[str], root: Path, env: dict[str, str], events: Path,
         kill_after: int | None) -> tuple[int, Any, bool]:
    """Run `cmd`; with kill_after, SIGKILL it once that many objects finished. Returns (wait
    status, rusage, killed)."""
    proc = subprocess.Popen(cmd, cwd=root, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                            env=env)
    offset, done = 0, 0
    while kill_after is not None:
        pid, status, usage = os.wait4(proc.pid, os.WNOHANG)
        if pid:
            return status, usage, False
        offset, done = _finished_objects(events, offset, done)
        if done >= kill_after:
            proc.send_signal(signal.SIGKILL)
            break
        time.sleep(1)
    _, status, usage = os.wait4(proc.pid, 0)
    return status, usage, kill_after is not None


def measure(python: str, root: Path, run_id: str, code: Path | None = None,
            kill_after: int | None = None) -> dict[str, Any]:
    target = root / "data" / "target.duckdb"
    target.unlink(missing_ok=True)
    cmd = [python, "-m", "cutover", "run", str(root), "--runs-dir", str(root / "runs"),
           "--run-id", run_id]
    env = {**os.environ, "COLUMNS": "200", **({"PYTHONPATH": str(code)} if code else {})}
    run_dir = root / "runs" / run_id
    start = time.perf_counter()
    status, usage, killed = _run(cmd, root, env, run_dir / "events.jsonl", kill_after)
    peak = usage.ru_maxrss
    if killed:  # the same run again, resumed: it must finish with the same verdicts
        cmd = cmd[:-2] + ["--resume", run_id]
        status, usage, _ = _run(cmd, root, env, run_dir / "events.jsonl", None)
        peak = max(peak, usage.ru_maxrss)
    seconds = time.perf_counter() - start
    report_path = run_dir / "report.json"
    if not report_path.exists():
        raise SystemExit(f"run {run_id} wrote no report (status {status})")
    report = json.loads(report_path.read_text())
    events = [json.loads(line) for line in (run_dir / "events.jsonl").open()]
    kinds = Counter(e["kind"] for e in events)
    def node_seconds(node: str) -> float:
        return sum(e.get("seconds") or 0 for e in events
                   if e["kind"] == "node_end" and e.get("node") == node)

    render = node_seconds("reporter")
    checkpoint_bytes = (run_dir / "checkpoints.sqlite").stat().st_size
    return {
        "objects": report["total"], "seconds": round(seconds, 2),
        "objects_per_s": round(report["total"] / seconds, 2),
        "peak_rss_mb": round(peak / 1024, 1),
        "checkpoint_bytes": checkpoint_bytes,
        "checkpoint_bytes_per_object": round(checkpoint_bytes / max(1, report["total"])),
        "run_folder_bytes": _folder_bytes(run_dir),
        "render_s": round(render, 3),
        "plan_s": round(node_seconds("planner"), 2),
        "source_reads": kinds.get("source_read") or kinds.get("diff", 0),
        "counts": {k: v for k, v in report["counts"].items() if v},
        "resumed": kinds.get("outcome_kept", 0) if killed else None,
        "report_html": run_dir / "report.html",
    }


def browser_figures(report_html: Path) -> dict[str, Any]:
    """Open report.html in chromium: its size, first contentful paint, time until the object
    table has rows, and how long choosing a verdict in the filter takes."""
    from playwright.sync_api import sync_playwright

    flags = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=flags)
        page = browser.new_page(viewport={"width": 1400, "height": 900})
        errors: list[str] = []
        page.on("pageerror", lambda e: errors.append(str(e)))
        start = time.perf_counter()
        page.goto(report_html.as_uri(), timeout=300_000)
        page.wait_for_selector("tr.obj-row", timeout=300_000)
        rows_s = time.perf_counter() - start
        paint = page.evaluate("() => (performance.getEntriesByName('first-contentful-paint')[0]"
                              " || {startTime: null}).startTime")
        options = page.eval_on_selector_all("#f-verdict option", "o => o.map(x => x.value)")
        filter_ms = None
        if len(options) > 1:
            t0 = time.perf_counter()
            page.select_option("#f-verdict", options[-1])
            page.wait_for_function("() => document.querySelectorAll('tr.obj-row').length > 0")
            filter_ms = round((time.perf_counter() - t0) * 1000)
        shown = page.text_content("#f-count")
        browser.close()
    return {"html_bytes": report_html.stat().st_size,
            "first_paint_ms": round(paint) if paint is not None else None,
            "rows_s": round(rows_s, 2), "filter_ms": filter_ms, "shown": shown,
            "page_errors": errors}


def report_at_scale(run_dir: Path, objects: int) -> dict[str, Any]:
    """Render report.html for `objects` objects made from a finished run's own (real) objects
    under new names, as the reporter does (events included), and open it in chromium: the
    report's side of a run of that size without running it (on a loaded machine the whole
    10,000-object run takes hours)."""
    sys.path.insert(0, str(ROOT))
    from tools.records import Report
    from tools.report.html import render_html
    from tools.runlog import read_events

    real = Report.load(run_dir / "report.json")
    clones = [real.objects[i % len(real.objects)].model_copy(update={"name": f"x{i:05d}"})
              for i in range(objects)]
    big = real.model_copy(update={"objects": clones, "total": objects})
    events = read_events(run_dir / "events.jsonl") * max(1, objects // len(real.objects))
    start = time.perf_counter()
    html = render_html(big, events)
    render_s = time.perf_counter() - start
    out = Path(tempfile.mkdtemp(prefix="scale_report_")) / "report.html"
    out.write_text(html, encoding="utf-8")
    return {"render_s": round(render_s, 2), **browser_figures(out)}


CREATED: list[str] = []
"""PostgreSQL databases made by this run, dropped at the end."""


def _postgres_source(root: Path) -> str:
    """Copy the generated SQLite tables into a fresh database on the test PostgreSQL server."""
    sys.path.insert(0, str(ROOT))
    import psycopg

    from tests.integration.conftest import new_database

    url = new_database(os.environ["CUTOVER_TEST_PG_URL"])
    CREATED.append(url)
    lite = sqlite3.connect(root / "data" / "source.sqlite")
    dsn = url.replace("postgresql+psycopg://", "postgresql://")
    with psycopg.connect(dsn, autocommit=True) as pg:
        # NUMERIC, not DOUBLE: PostgreSQL has round(numeric, int) only
        pg.execute(BASE_SQL.replace("REAL", "NUMERIC(12, 2)"))
        for table in ("customers", "products", "orders"):
            with pg.cursor().copy(f"COPY {table} FROM STDIN") as copy:
                for row in lite.execute(f"SELECT * FROM {table}"):
                    copy.write_row(row)
    lite.close()
    return url


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sizes", default="100")
    ap.add_argument("--workers", default="1,2,4", help="'none' for code without the setting")
    ap.add_argument("--rows", type=int, default=100_000, help="rows of the orders table")
    ap.add_argument("--python", default=sys.executable, help="whose code to run")
    ap.add_argument("--code", type=Path, help="run the code in this checkout instead (e.g. a "
                    "`git worktree add --detach DIR main`): put first on PYTHONPATH")
    ap.add_argument("--source", choices=("sqlite", "postgres"), default="sqlite")
    ap.add_argument("--label", default="")
    ap.add_argument("--keep", type=Path, help="generate projects here and keep them")
    ap.add_argument("--kill-after", type=int, help="kill the run after N objects, then resume")
    ap.add_argument("--browser", action="store_true", help="open report.html in chromium")
    ap.add_argument("--report-from", type=Path, help="a finished run folder: only render and "
                    "open a report of --report-objects objects made from its objects")
    ap.add_argument("--report-objects", type=int, default=10_000)
    args = ap.parse_args()
    if args.report_from:
        b = report_at_scale(args.report_from, args.report_objects)
        print(f"report of {args.report_objects:,} objects (from {args.report_from}): rendered "
              f"in {b['render_s']} s · {b['html_bytes']:,} bytes · first contentful paint "
              f"{b['first_paint_ms']} ms · table rows shown after {b['rows_s']} s · verdict "
              f"filter {b['filter_ms']} ms ({b['shown']}) · page errors "
              f"{b['page_errors'] or 'none'}")
        return
    workers = [None if w == "none" else int(w) for w in args.workers.split(",")]
    base = args.keep or Path(tempfile.mkdtemp(prefix="scale_bench_"))
    print(f"# scale_bench {args.label} python={args.python} source={args.source} "
          f"rows={args.rows}")
    print("| objects | workers | objects/s | seconds | planning s | peak RSS MB | "
          "checkpoint bytes | checkpoint bytes/object | run folder bytes | report s | "
          "source reads | verdicts |")
    print("|---|---|---|---|---|---|---|---|---|---|---|---|")
    for size in (int(s) for s in args.sizes.split(",")):
        root = base / f"p{size}"
        if not (root / "sql").exists():
            generate(root, size, args.rows)
        source_url = ("sqlite:///data/source.sqlite" if args.source == "sqlite"
                      else _postgres_source(root))
        for w in workers:
            _config(root, source_url, w)
            m = measure(args.python, root, f"w{w}-{int(time.time())}", args.code,
                        args.kill_after)
            print(f"| {size} | {w or 'n/a'} | {m['objects_per_s']} | {m['seconds']} | "
                  f"{m['plan_s']} | {m['peak_rss_mb']} | {m['checkpoint_bytes']:,} | "
                  f"{m['checkpoint_bytes_per_object']:,} | {m['run_folder_bytes']:,} | "
                  f"{m['render_s']} | {m['source_reads']} | {m['counts']} |", flush=True)
            if m["resumed"] is not None:
                print(f"  killed after {args.kill_after} objects and resumed: "
                      f"{m['resumed']} outcomes kept, the rest redone", flush=True)
            if args.browser:
                b = browser_figures(m["report_html"])
                print(f"  report.html {b['html_bytes']:,} bytes · first contentful paint "
                      f"{b['first_paint_ms']} ms · table rows shown after {b['rows_s']} s · "
                      f"verdict filter {b['filter_ms']} ms ({b['shown']}) · page errors "
                      f"{b['page_errors'] or 'none'}", flush=True)


def _drop_created() -> None:
    if CREATED:
        from tests.integration.conftest import drop_database

        for url in CREATED:
            drop_database(os.environ["CUTOVER_TEST_PG_URL"], url)


if __name__ == "__main__":
    try:
        main()
    finally:
        _drop_created()
