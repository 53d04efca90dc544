"""Bad input at scale (issue 9 item 4): a 50 MB SQL file and a 5,000-statement file.

- 50 MB: one file holding two ordinary statements around a 50 MB one. `cutover run` ends with
  the two migrated, the giant one a verdict naming file:line and the size, and a peak memory
  (ru_maxrss of the process) within a fixed allowance of the same run without the giant.
- 5,000 statements in one file, one broken in the middle: 5,000 objects, each at its own line,
  the broken one a verdict with its position, the rest clean.
"""

from __future__ import annotations

import json
import resource
import subprocess
import sys
from pathlib import Path

from tests.faults.projects import ROOT
from tests.support.projects import make_project
from tools.codebase import read_objects

GOOD = "SELECT id, qty FROM orders"
BIG_BYTES = 50 * 1024 * 1024
# Peak memory the 50 MB file may add to a run: the file's bytes and text plus slack. Far below
# the 7 GB a whole-file tokenize once took.
ALLOWANCE_BYTES = 6 * BIG_BYTES


def _run_peak_rss(project: Path, runs: Path) -> tuple[dict, int]:
    """Run `cutover run` in a child and return its report and the child's peak RSS (bytes)."""
    script = (
        "import resource, subprocess, sys\n"
        "done = subprocess.run([sys.executable, '-m', 'cutover', 'run', sys.argv[1], "
        "'--runs-dir', sys.argv[2], '--run-id', 'r'], capture_output=True, text=True)\n"
        "print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)\n"
        "print(done.returncode)\n"
        "sys.stderr.write(done.stdout + done.stderr)\n")
    done = subprocess.run([sys.executable, "-c", script, str(project), str(runs)], cwd=ROOT,
                          capture_output=True, text=True, timeout=600)
    peak_kb, code = (int(x) for x in done.stdout.split())
    assert code in (0, 1), done.stderr
    return json.loads((runs / "r" / "report.json").read_text()), peak_kb * 1024


def test_a_50_mb_file_is_a_verdict_and_memory_stays_bounded(tmp_path: Path, tally) -> None:
    small = make_project(tmp_path / "small", {"sql/big.sql": f"{GOOD};\n{GOOD} WHERE id > 2;"})
    _, small_peak = _run_peak_rss(small, tmp_path / "runs-small")

    project = make_project(tmp_path / "big", {"sql/keep.sql": f"{GOOD};"})
    with (project / "sql" / "big.sql").open("w", encoding="utf-8") as out:
        out.write(f"{GOOD};\nSELECT id, ")
        chunk = "qty + 1 + " * 10_000 + "\n"
        for _ in range(BIG_BYTES // len(chunk) + 1):
            out.write(chunk)
        out.write("0 AS n FROM orders;\n")
        out.write(f"{GOOD} WHERE id > 2;\n")
    assert (project / "sql" / "big.sql").stat().st_size >= BIG_BYTES
    report, peak = _run_peak_rss(project, tmp_path / "runs-big")
    tally["bad input files"]["tried"] += 1
    objects = {o["name"]: o for o in report["objects"]}
    assert objects["keep"]["verdict"] == "parity"
    assert objects["big"]["verdict"] == "parity" and objects["big_3"]["verdict"] == "parity"
    giant = objects["big_2"]
    assert giant["verdict"] != "parity" and "sql/big.sql:2" in (giant["error"] or "")
    assert "MB" in giant["error"]
    assert len(json.dumps(giant)) < 20_000  # the report does not carry the 50 MB
    print(f"\npeak RSS: small run {small_peak / 2**20:.0f} MB, with the 50 MB file "
          f"{peak / 2**20:.0f} MB (+{(peak - small_peak) / 2**20:.0f} MB)")
    assert peak - small_peak < ALLOWANCE_BYTES
    tally["bad input files"]["verdict with position"] += 1


def test_5000_statements_in_one_file(tmp_path: Path, tally) -> None:
    lines = []
    for i in range(5000):
        lines.append(f"SELECT id, qty + {i} AS q FROM orders WHERE id > {i % 7};"
                     if i != 2500 else "SELECT id, FROM WHERE;")
    path = tmp_path / "sql" / "many.sql"
    path.parent.mkdir(parents=True)
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    found = read_objects(tmp_path, [path], "sqlite")
    grown_mb = (resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before) / 1024
    tally["bad input files"]["tried"] += 1
    assert len(found) == 5000
    assert [o.line for o in found[:3]] == [1, 2, 3] and found[-1].line == 5000
    broken = [o for o in found if o.problem]
    assert len(broken) == 1 and broken[0].line == 2501
    assert "sql/many.sql:2501" in broken[0].problem
    assert grown_mb < 500, grown_mb
    tally["bad input files"]["verdict with position"] += 1
