"""Run the hazard matrix's chdb pairs in one process of their own.

chdb holds one embedded ClickHouse server per process, on one data directory; the pytest
process may already hold another. tests/integration/test_diff_matrix.py writes the jobs, this
module seeds chdb with chdb's own connection and runs every `cutover diff` through the CLI.

    python -m tests.support.chdb_matrix JOBS.json RESULTS.json

JOBS: {"urls": {engine: url}, "jobs": [{"id", "a", "b", "source", "target", "algorithm",
"options"}], "wide_rows": N}. RESULTS: {id: [exit code, report, output]}.
"""

from __future__ import annotations

import json
import sys
import tempfile
from pathlib import Path


def main(jobs_file: str, results_file: str) -> None:
    from tests.integration import test_diff_matrix as matrix

    spec = json.loads(Path(jobs_file).read_text(encoding="utf-8"))
    urls = spec["urls"]
    matrix.seed_chdb(urls["chdb"], matrix.CASES + [matrix.wide_case(spec["wide_rows"])])
    results = {}
    with tempfile.TemporaryDirectory() as tmp:
        for job in spec["jobs"]:
            out = Path(tmp) / f"{job['id']}.json"
            results[job["id"]] = matrix.diff(urls, job["a"], job["b"], job["source"],
                                             job["target"], job["algorithm"], job["options"], out)
    Path(results_file).write_text(json.dumps(results, default=str), encoding="utf-8")


if __name__ == "__main__":
    main(*sys.argv[1:3])
