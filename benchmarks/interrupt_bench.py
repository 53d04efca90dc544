"""Stopping a large run: time from SIGTERM/SIGINT to exit, whatever the number of pending objects.

Method: generate a codebase the way benchmarks/scale_bench.py does (SQLite → DuckDB; most
objects sit in the first dependency wave), start `cutover run` as a child process, send the
signal once --after objects have finished, and measure the wall time until the child exits. The
table also counts the objects that reached a verdict after the signal (a prompt stop leaves at
most the objects that were in flight: the worker count), says whether the last line of the
child's output names `cutover run --resume`, and, with --resume, resumes the run and compares its
verdicts with an uninterrupted run of the same codebase.

    .venv/bin/python benchmarks/interrupt_bench.py --objects 2000 --workers 1,2
    .venv/bin/python benchmarks/interrupt_bench.py --objects 2000 --code /tmp/base   # 'before'

The peer of each row is the same run left alone: "remaining objects' time" is what starting
every pending object would cost at the run's own pace (objects left over objects/s before the
signal), so the ratio says how much of it the stop saved.
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from scale_bench import _config, _finished_objects, generate  # noqa: E402

SIGNALS = {"TERM": signal.SIGTERM, "INT": signal.SIGINT}


def _verdicts(run_dir: Path) -> dict[str, str]:
    report = json.loads((run_dir / "report.json").read_text())
    return {o["name"]: o["verdict"] for o in report["objects"]}


def stop_run(python: str, root: Path, run_id: str, signum: int, after: int,
             code: Path | None, timeout: float) -> dict[str, object]:
    """Run, signal after `after` objects, and time the exit."""
    (root / "data" / "target.duckdb").unlink(missing_ok=True)
    env = {**os.environ, "COLUMNS": "200", **({"PYTHONPATH": str(code)} if code else {})}
    cmd = [python, "-m", "cutover", "run", str(root), "--runs-dir", str(root / "runs"),
           "--run-id", run_id]
    events = root / "runs" / run_id / "events.jsonl"
    started = time.monotonic()
    proc = subprocess.Popen(cmd, cwd=root, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                            env=env, text=True)
    offset, done, first_done_at = 0, 0, None
    while done < after:
        if proc.poll() is not None:
            raise SystemExit(f"the run ended before {after} objects: {proc.communicate()[0]}")
        offset, done = _finished_objects(events, offset, done)
        if done and first_done_at is None:
            first_done_at = time.monotonic()
        time.sleep(0.02)
    pace = done / max(1e-6, time.monotonic() - (first_done_at or started))
    signalled = time.monotonic()
    proc.send_signal(signum)
    try:
        out, _ = proc.communicate(timeout=timeout)
        seconds: float | str = round(time.monotonic() - signalled, 2)
    except subprocess.TimeoutExpired:
        proc.kill()  # the child only: the run this script started
        out, _ = proc.communicate()
        seconds = f">{timeout:.0f}"
    _, after_signal = _finished_objects(events, offset, 0)
    if "Traceback" in out:
        (root / "runs" / run_id / "stopped_output.txt").write_text(out, encoding="utf-8")
    lines = [line for line in out.strip().splitlines() if line.strip()]
    return {"seconds": seconds, "code": proc.returncode, "done_before": done,
            "after_signal": after_signal, "pace": pace,
            "hint": bool(lines) and "cutover run --resume" in lines[-1],
            "traceback": "Traceback" in out, "last": lines[-1] if lines else ""}


def resume(python: str, root: Path, run_id: str, code: Path | None) -> dict[str, str]:
    env = {**os.environ, **({"PYTHONPATH": str(code)} if code else {})}
    subprocess.run([python, "-m", "cutover", "run", "--resume", run_id, "--runs-dir",
                    str(root / "runs")], cwd=root, env=env, capture_output=True, check=False)
    return _verdicts(root / "runs" / run_id)


def whole_run(python: str, root: Path, run_id: str, code: Path | None) -> dict[str, str]:
    """The peer: the same codebase run uninterrupted."""
    (root / "data" / "target.duckdb").unlink(missing_ok=True)
    env = {**os.environ, **({"PYTHONPATH": str(code)} if code else {})}
    subprocess.run([python, "-m", "cutover", "run", str(root), "--runs-dir", str(root / "runs"),
                    "--run-id", f"{run_id}-{int(time.time())}"], cwd=root, env=env,
                   capture_output=True, check=False)
    return _verdicts(max((root / "runs").glob(f"{run_id}-*"), key=lambda p: p.stat().st_mtime))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--objects", type=int, default=2000)
    ap.add_argument("--workers", default="1,2")
    ap.add_argument("--signals", default="TERM,INT")
    ap.add_argument("--after", type=int, default=40, help="objects finished before the signal")
    ap.add_argument("--rows", type=int, default=5_000, help="rows of the orders table")
    ap.add_argument("--python", default=sys.executable)
    ap.add_argument("--code", type=Path, help="run the code in this checkout (the 'before')")
    ap.add_argument("--timeout", type=float, default=900)
    ap.add_argument("--resume", action="store_true",
                    help="resume each stopped run and compare with an uninterrupted run")
    ap.add_argument("--keep", type=Path, help="generate the project here and keep it")
    args = ap.parse_args()
    root = (args.keep or Path(tempfile.mkdtemp(prefix="interrupt_bench_"))) / f"p{args.objects}"
    if not (root / "sql").exists():
        generate(root, args.objects, args.rows)
    print(f"# interrupt_bench objects={args.objects} rows={args.rows} after={args.after} "
          f"code={args.code or 'this checkout'}")
    print("| workers | signal | signal→exit s | remaining objects' time s | ratio | exit code | "
          "verdicts after the signal | resume hint last line | traceback | resume equal |")
    print("|---|---|---|---|---|---|---|---|---|---|")
    reference: dict[int, dict[str, str]] = {}
    for workers in (int(w) for w in args.workers.split(",")):
        _config(root, "sqlite:///data/source.sqlite", workers)
        if args.resume:  # first: each stopped run is resumed before the next one starts
            reference[workers] = whole_run(args.python, root, f"whole-w{workers}", args.code)
        for name in args.signals.split(","):
            run_id = f"stop-{name.lower()}-w{workers}-{int(time.time())}"
            m = stop_run(args.python, root, run_id, SIGNALS[name], args.after, args.code,
                         args.timeout)
            remaining = (args.objects - int(m["done_before"])) / float(m["pace"])  # type: ignore[arg-type]
            ratio = (f"{remaining / m['seconds']:.0f}x" if isinstance(m["seconds"], float)
                     and m["seconds"] > 0 else "n/a")
            equal = str(resume(args.python, root, run_id, args.code) == reference[workers]
                        ) if args.resume else "n/a"
            print(f"| {workers} | SIG{name} | {m['seconds']} | {remaining:.0f} | {ratio} | "
                  f"{m['code']} | {m['after_signal']} | {m['hint']} | {m['traceback']} | "
                  f"{equal} |", flush=True)
            print(f"  last line: {m['last']}", flush=True)


if __name__ == "__main__":
    main()
