"""CI gate: deterministic-mode evals must not lose parity against evals/baselines/*.json.

    python -m evals.gate             # run every gate entry; exit 1 if parity dropped
    python -m evals.gate --update    # measure again and rewrite the baselines (review the diff)

Entries that need no server always run; PostgreSQL / MySQL entries run when .ci/run exported
CUTOVER_TEST_PG_URL / CUTOVER_TEST_MYSQL_URL (the harness makes and drops its own databases on
those servers). A case that was at parity in the baseline and is not now fails the gate even
if another case's fix keeps the rate up: a regression should be seen, not averaged away.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from evals.engines import EngineNotRunnable, engine_kind
from evals.runner import EvalSpec, run_eval
from tools.errors import CutoverError

BASELINES = Path(__file__).resolve().parent / "baselines"
PG_ENV, MYSQL_ENV = "CUTOVER_TEST_PG_URL", "CUTOVER_TEST_MYSQL_URL"
EPSILON = 1e-9


@dataclass(frozen=True)
class Entry:
    suite: str
    source: str
    target: str
    scale: float = 0.01

    @property
    def key(self) -> str:
        return f"{self.suite}__{engine_kind(self.source)}__{engine_kind(self.target)}"


def entries(environ: dict[str, str]) -> list[Entry]:
    """The gate's matrix; server pairs only when the server URLs are exported."""
    out = [Entry("traps-sqlite", "sqlite", "duckdb"), Entry("traps-sqlite", "sqlite", "clickhouse"),
           Entry("tpch", "sqlite", "duckdb"), Entry("tpch", "duckdb", "duckdb"),
           Entry("tpch", "duckdb", "sqlite"), Entry("tpch", "duckdb", "clickhouse"),
           Entry("tpch", "sqlite", "clickhouse")]
    if environ.get(PG_ENV):
        pg = environ[PG_ENV]
        out += [Entry("traps-postgres", pg, "duckdb"), Entry("traps-sqlite", "sqlite", pg),
                Entry("tpch", "duckdb", pg), Entry("traps-postgres", pg, "sqlite"),
                Entry("traps-postgres", pg, "clickhouse"), Entry("tpch", pg, "duckdb"),
                Entry("tpch", pg, "clickhouse")]
    if environ.get(MYSQL_ENV):
        my = environ[MYSQL_ENV]
        out += [Entry("traps-mysql", my, "duckdb"), Entry("traps-sqlite", "sqlite", my),
                Entry("traps-mysql", my, "sqlite"), Entry("traps-mysql", my, "clickhouse"),
                Entry("tpch", my, "duckdb"), Entry("tpch", my, "clickhouse"),
                Entry("tpch", my, "sqlite"), Entry("tpch", "duckdb", my)]
        if environ.get(PG_ENV):
            out += [Entry("traps-mysql", my, environ[PG_ENV]),
                    Entry("traps-postgres", environ[PG_ENV], my)]
    return out


def measure(entry: Entry, workdir: Path, baseline: bool = False) -> dict[str, Any]:
    spec = EvalSpec(suite=entry.suite, source=entry.source, target=entry.target,
                    scale=entry.scale, baseline="sqlglot" if baseline else None,
                    workdir=workdir)
    return run_eval(spec)


def baseline_record(entry: Entry, log: dict[str, Any], sqlglot: dict[str, Any]) -> dict[str, Any]:
    s = log["summary"]
    return {
        "suite": entry.suite, "source": log["source"], "target": log["target"],
        "scale": log["scale"], "mode": log["mode"], "cases": s["cases"],
        "parity": s["parity"]["mean"], "compiles": s["compiles"]["mean"],
        "mean_attempts": s["mean_attempts"], "seconds": s["seconds"]["mean"],
        "parity_cases": sorted(c["id"] for c in log["cases"] if c["parity"]),
        "reference_errors": s["reference_errors"],
        "sqlglot_baseline_parity": sqlglot["summary"]["parity"]["mean"],
        "measured": time.strftime("%Y-%m-%d"), "git_rev": log.get("git_rev"),
    }


def check(entry: Entry, log: dict[str, Any], committed: dict[str, Any]) -> list[str]:
    """Problems (empty = pass)."""
    problems = []
    now = log["summary"]["parity"]["mean"] or 0.0
    if now + EPSILON < committed["parity"]:
        problems.append(f"{entry.key}: parity {now:.3f} < baseline {committed['parity']:.3f}")
    at_parity = {c["id"] for c in log["cases"] if c["parity"]}
    lost = sorted(set(committed.get("parity_cases") or []) - at_parity)
    if lost:
        problems.append(f"{entry.key}: no longer at parity: {', '.join(lost)}")
    return problems


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--update", action="store_true", help="rewrite the baselines")
    parser.add_argument("--workdir", type=Path, default=None, help="keep eval runs here")
    parser.add_argument("--only", default=None, metavar="KEY[,KEY]",
                        help="run (or --update) only these entries, by baseline name "
                             "(e.g. tpch__duckdb__clickhouse)")
    args = parser.parse_args(argv)
    os.environ.setdefault("LANGGRAPH_STRICT_MSGPACK", "true")
    workdir = args.workdir or Path(tempfile.mkdtemp(prefix="cutover-gate-"))
    problems: list[str] = []
    chosen = entries(dict(os.environ))
    if args.only:
        wanted = set(args.only.split(","))
        unknown = wanted - {e.key for e in chosen}
        if unknown:
            parser.error(f"no gate entry {', '.join(sorted(unknown))} here (server entries "
                         f"need CUTOVER_TEST_PG_URL / CUTOVER_TEST_MYSQL_URL)")
        chosen = [e for e in chosen if e.key in wanted]
    for entry in chosen:
        try:
            problems += _one(entry, workdir, args.update)
        except EngineNotRunnable as exc:
            print(f"SKIP {entry.key}: {exc}")
        except CutoverError as exc:
            problems.append(f"{entry.key}: could not run: {exc}")
    for problem in problems:
        print(f"FAIL {problem}")
    print(f"gate: {'FAILED' if problems else 'passed'} (runs in {workdir})")
    return 1 if problems else 0


def _one(entry: Entry, workdir: Path, update: bool) -> list[str]:
    start = time.perf_counter()
    log = measure(entry, workdir)
    path = BASELINES / f"{entry.key}.json"
    s = log["summary"]
    print(f"{entry.key}: parity {s['parity']['mean']:.3f} ({s['parity_count']['mean']:.0f}/"
          f"{s['scored']}), compiles {s['compiles']['mean']:.3f}, "
          f"{time.perf_counter() - start:.1f} s")
    if update:
        record = baseline_record(entry, log, measure(entry, workdir, baseline=True))
        BASELINES.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(record, indent=1) + "\n", encoding="utf-8")
        print(f"  wrote {path}")
        return []
    if not path.is_file():
        return [f"{entry.key}: no committed baseline {path}; run `python -m evals.gate "
                f"--update` and commit it"]
    return check(entry, log, json.loads(path.read_text(encoding="utf-8")))


if __name__ == "__main__":
    sys.exit(main())
