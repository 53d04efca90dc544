"""The LLM fixer measured on the trap suites: LLM off (sqlglot + rules) vs on (`auto` mode).

For each suite the same cases run twice through the real migration graph (`evals.runner`):
once with no model, once with the model at --base-url. Printed per suite:
parity off/on, objects the LLM fixed that the rules did not, objects made worse (must be 0),
LLM calls / tokens / retries / cost per object that used the LLM, seconds per call, and
`no_answer` endings (a reply the loop could not read). Both eval logs and a summary JSON go to
--workdir.

    scripts/local-llm serve &      # a real local model on 127.0.0.1:18080
    nice -n 10 .venv/bin/python benchmarks/llm_traps.py --base-url http://127.0.0.1:18080/v1 \
        --model qwen2.5-coder-1.5b-instruct --suite traps-sqlite

`--only-failing` runs the LLM variant only on cases the rules leave failing (the others cannot
change: auto mode never calls the model for an object at parity), which saves an hour of CPU
on a small local model.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from evals.runner import EvalSpec, run_eval  # noqa: E402

SOURCES = {"traps-sqlite": "sqlite", "traps-postgres": "CUTOVER_TEST_PG_URL",
           "traps-mysql": "CUTOVER_TEST_MYSQL_URL", "functions-mysql": "CUTOVER_TEST_MYSQL_URL"}


def _source(suite: str) -> str:
    kind = SOURCES[suite]
    if kind.startswith("CUTOVER_"):
        url = os.environ.get(kind)
        if not url:
            raise SystemExit(f"{suite} needs {kind} (source /tmp/servers.env)")
        return url
    return kind


def _events(run_dir: Path, kind: str) -> list[dict[str, Any]]:
    path = run_dir / "events.jsonl"
    if not path.is_file():
        return []
    events = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]
    return [e for e in events if e.get("kind") == kind]


def _figures(off: dict[str, Any], on: dict[str, Any]) -> dict[str, Any]:
    parity_off = {c["id"] for c in off["cases"] if c["parity"]}
    ran_on = {c["id"]: c for c in on["cases"]}
    parity_on = {i for i, c in ran_on.items() if c["parity"]} | (parity_off - set(ran_on))
    with_llm = [c for c in ran_on.values() if c["llm_calls"]]
    calls = [e for r in on["runs"] for e in _events(Path(r["run_dir"]), "llm_call")]
    ends = [e for r in on["runs"] for e in _events(Path(r["run_dir"]), "llm_transcript")]
    shapes = [e for r in on["runs"] for e in _events(Path(r["run_dir"]), "llm_reply_shape")]
    return {
        "cases": len(off["cases"]), "parity_off": len(parity_off), "parity_on": len(parity_on),
        "llm_fixed": sorted(parity_on - parity_off), "worse": sorted(parity_off - parity_on),
        "objects_with_llm": len(with_llm), "calls": len(calls),
        "tokens": sum(e["total_tokens"] for e in calls),
        "retries": sum(1 for e in calls if e.get("retry")),
        "errors": sum(1 for e in calls if e.get("error")),
        "cost": round(sum(e.get("cost") or 0.0 for e in calls), 6),
        "calls_per_object": round(len(calls) / len(with_llm), 2) if with_llm else 0,
        "tokens_per_object": round(sum(e["total_tokens"] for e in calls) / len(with_llm))
        if with_llm else 0,
        "seconds_per_call": round(sum(e["latency_s"] for e in calls) / len(calls), 1)
        if calls else 0,
        "no_answer": sum(1 for e in ends if e.get("stopped_reason") == "no_answer"),
        "stopped": {r: sum(1 for e in ends if e.get("stopped_reason") == r)
                    for r in sorted({e.get("stopped_reason") for e in ends})},
        "text_tool_call_shapes": {s: sum(1 for e in shapes if e.get("shape") == s)
                                  for s in sorted({e.get("shape") for e in shapes})},
        "seconds_off": off["seconds"], "seconds_on": on["seconds"],
    }


def record_replies(run_dirs: list[Path], folder: Path, limit: int = 40) -> int:
    """Save the model's replies, as it wrote them, as test fixtures (tests/fixtures/llm_replies).

    Transcripts are already redacted; a reply whose tool calls the loop read from its text
    (ids "text_…") is saved as text only, exactly what the parser has to understand."""
    folder.mkdir(parents=True, exist_ok=True)
    saved = 0
    for run_dir in run_dirs:
        for path in sorted((run_dir / "artifacts" / "llm").glob("*.json")):
            record = json.loads(path.read_text(encoding="utf-8"))
            for n, message in enumerate(record.get("messages") or []):
                if message.get("role") != "ai" or saved >= limit:
                    continue
                calls = [c for c in message.get("tool_calls") or []
                         if not str(c.get("id") or "").startswith("text_")]
                fixture = {"model": record.get("model"), "agent": record.get("agent"),
                           "content": message.get("content") or "", "tool_calls": calls}
                name = f"{path.stem}-{n}.json"
                (folder / name).write_text(json.dumps(fixture, indent=1), encoding="utf-8")
                saved += 1
    return saved


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--base-url", required=True)
    parser.add_argument("--model", default="qwen2.5-coder-1.5b-instruct")
    parser.add_argument("--suite", action="append", choices=sorted(SOURCES))
    parser.add_argument("--case", action="append", help="only these case ids")
    parser.add_argument("--only-failing", action="store_true")
    parser.add_argument("--max-calls", type=int, default=4, help="LLM calls per object")
    parser.add_argument("--timeout-s", type=float, default=300.0)
    parser.add_argument("--price-in", type=float, default=0.0, help="per million tokens")
    parser.add_argument("--price-out", type=float, default=0.0, help="per million tokens")
    parser.add_argument("--prompt-set", default="default",
                        help="prompt set (default: chosen by the model's name, 'small' for 1.5B)")
    parser.add_argument("--output", choices=["tools", "json_schema"], default="tools",
                        help="[llm] output: tool channel, or JSON held to a schema (grammar)")
    parser.add_argument("--max-tokens-per-object", type=int, default=60_000)
    parser.add_argument("--workdir", type=Path, default=Path("/tmp/cutover-llm-eval"))
    parser.add_argument("--record", type=Path, help="save the model's replies here as fixtures")
    args = parser.parse_args()
    os.environ.setdefault("LANGGRAPH_STRICT_MSGPACK", "true")
    llm = {"timeout_s": args.timeout_s, "max_retries": 1, "max_tokens": 512,
           "max_calls_per_object": args.max_calls, "output": args.output,
           "max_tokens_per_object": args.max_tokens_per_object,
           "price_per_mtok": {"input": args.price_in, "output": args.price_out}}
    results = {}
    for suite in args.suite or ["traps-sqlite"]:
        common = {"suite": suite, "source": _source(suite), "target": "duckdb",
                  "workdir": args.workdir, "cases": args.case}
        started = time.time()
        off = run_eval(EvalSpec(**common))
        failing = [c["id"] for c in off["cases"] if not c["parity"]]
        print(f"{suite}: rules alone leave {len(failing)} failing: {failing}", flush=True)
        on_cases = failing if args.only_failing else args.case
        if args.only_failing and not failing:
            # auto mode never calls the model for an object at parity: the row is the rules'
            results[suite] = _figures(off, {"cases": [], "runs": [], "seconds": 0.0}) | {
                "wall_s": round(time.time() - started, 1), "log_off": off["eval_id"],
                "log_on": None}
            continue
        on = run_eval(EvalSpec(**{**common, "cases": on_cases}, model=args.model,
                               base_url=args.base_url, prompt_set=args.prompt_set, llm=llm))
        results[suite] = _figures(off, on) | {"wall_s": round(time.time() - started, 1),
                                              "log_off": off["eval_id"], "log_on": on["eval_id"]}
        print(json.dumps({suite: results[suite]}, indent=1), flush=True)
        if args.record:
            count = record_replies([Path(r["run_dir"]) for r in on["runs"]], args.record)
            print(f"recorded {count} replies in {args.record}", flush=True)
    args.workdir.mkdir(parents=True, exist_ok=True)
    (args.workdir / "llm_traps.json").write_text(json.dumps(results, indent=1))
    print("| suite | parity off | parity on | LLM-fixed | worse | calls/obj | tokens/obj | "
          "s/call | retries | no_answer | cost |")
    print("|---|---|---|---|---|---|---|---|---|---|---|")
    for suite, r in results.items():
        print(f"| {suite} | {r['parity_off']}/{r['cases']} | {r['parity_on']}/{r['cases']} | "
              f"{len(r['llm_fixed'])} | {len(r['worse'])} | {r['calls_per_object']} | "
              f"{r['tokens_per_object']} | {r['seconds_per_call']} | {r['retries']} | "
              f"{r['no_answer']} | {r['cost']} |")


if __name__ == "__main__":
    main()
