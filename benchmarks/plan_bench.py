"""Planning alone: the planner node on a generated codebase of N objects (benchmarks/scale_bench's
generator, SQLite source), for this checkout and for others given with --code, in child
processes one after the other, so the figures of one run compare under the same load.

Prints per checkout and size: the planner's seconds, objects planned per second, sqlglot
tokenizations and parses per object, statements run on the source (the catalog read), peak
RSS of the child; then each checkout's planning time as a ratio of the first one's.

    git worktree add --detach /tmp/main-code main
    .venv/bin/python benchmarks/plan_bench.py --sizes 1000,10000 --code /tmp/main-code --code .

A full run's planning time is in scale_bench.py's "planning s" column (the same node inside
`cutover run`).
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from scale_bench import generate  # noqa: E402  (a sibling script, not a package)

CHILD = r"""
import json, sqlite3, sys, time
from collections import Counter
from pathlib import Path
from langgraph.runtime import Runtime
from sqlglot.parser import Parser
from sqlglot.tokens import Tokenizer
from agents.planner import planner
from cutover.config import build_context
from tools.db.connections import Connections

root = Path(sys.argv[1])
seen = Counter()
tokenize, parse, connect = Tokenizer.tokenize, Parser.parse, sqlite3.connect
def counting_tokenize(self, sql):
    seen["tokenize"] += 1
    return tokenize(self, sql)
def counting_parse(self, tokens, sql):
    seen["parse"] += 1
    return parse(self, tokens, sql)
def traced_connect(*args, **kwargs):
    con = connect(*args, **kwargs)
    con.set_trace_callback(lambda _sql: seen.update(["source_statements"]))
    return con
Tokenizer.tokenize, Parser.parse = counting_tokenize, counting_parse
sqlite3.connect = traced_connect
ctx, _ = build_context(root, "plan", Path(sys.argv[2]), {})
ctx.connections = Connections(ctx.source_url, ctx.target_url, None, 600, ctx.sandbox, 1)
start = time.perf_counter()
plan = planner({}, Runtime(context=ctx))
seconds = time.perf_counter() - start
ctx.connections.close()
print(json.dumps({"seconds": seconds, "objects": len(plan["objects"]),
                  "notes": len(plan["plan_notes"]), **seen}))
"""


def _config(root: Path) -> None:
    (root / "cutover.toml").write_text(
        '[project]\nname = "plan"\ncodebase = ["sql/**/*.sql"]\n\n[source]\nurl = '
        '"sqlite:///data/source.sqlite"\n\n[target]\nurl = "duckdb:///data/target.duckdb"\n',
        encoding="utf-8")


def plan_once(python: str, code: Path, root: Path) -> dict[str, float]:
    env = {**os.environ, "PYTHONPATH": str(code.resolve())}
    runs = tempfile.mkdtemp(prefix="plan_bench_runs_")
    with tempfile.TemporaryFile("w+") as out, tempfile.TemporaryFile("w+") as err:
        child = subprocess.Popen([python, "-c", CHILD, str(root), runs], env=env, cwd=code,
                                 stdout=out, stderr=err, text=True)
        _, status, usage = os.wait4(child.pid, 0)  # this child's own peak RSS
        out.seek(0)
        err.seek(0)
        if status:
            raise SystemExit(f"planning in {code} failed:\n{err.read()[-2000:]}")
        figures = json.loads(out.read().strip().splitlines()[-1])
    figures["peak_rss_mb"] = round(usage.ru_maxrss / 1024, 1)
    return figures


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sizes", default="1000")
    ap.add_argument("--code", type=Path, action="append",
                    help="a checkout whose planner to run (repeat; default: this one)")
    ap.add_argument("--rows", type=int, default=10_000, help="rows of the orders table")
    ap.add_argument("--python", default=sys.executable)
    ap.add_argument("--keep", type=Path, help="generate codebases here and keep them")
    args = ap.parse_args()
    codes = args.code or [Path(__file__).resolve().parents[1]]
    base = args.keep or Path(tempfile.mkdtemp(prefix="plan_bench_"))
    print(f"# plan_bench python={args.python} load average {os.getloadavg()[0]:.1f}")
    print("| objects | code | planning s | objects/s | tokenizations/object | parses/object | "
          "source statements | peak RSS MB | speed vs first |")
    print("|---|---|---|---|---|---|---|---|---|")
    for size in (int(s) for s in args.sizes.split(",")):
        root = base / f"p{size}"
        if not (root / "sql").exists():
            generate(root, size, args.rows)
        _config(root)
        first = None
        for code in codes:
            f = plan_once(args.python, code, root)
            first = first or f["seconds"]
            n = max(1, f["objects"])
            print(f"| {size} | {code} | {f['seconds']:.1f} | {n / f['seconds']:.0f} | "
                  f"{f.get('tokenize', 0) / n:.2f} | {f.get('parse', 0) / n:.2f} | "
                  f"{f.get('source_statements', 0)} | {f['peak_rss_mb']} | "
                  f"{first / f['seconds']:.2f}x |", flush=True)
    print(f"(load average at the end {os.getloadavg()[0]:.1f})")


if __name__ == "__main__":
    main()
