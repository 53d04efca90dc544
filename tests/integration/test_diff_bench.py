"""The differ benchmark at CI size: it runs, every method finds exactly the planted differences,
and the table with ratios is printed. (Full size is run by hand: see benchmarks/diff_bench.py.)
reladiff joins only when its own environment, benchmarks/.venv-peers, already exists."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = [pytest.mark.integration, pytest.mark.slow]
ROOT = Path(__file__).resolve().parents[2]


def test_benchmark_small_size(pg_url: str, mysql_url: str, tmp_path: Path) -> None:
    args = [sys.executable, str(ROOT / "benchmarks" / "diff_bench.py"), "--rows", "20000",
            "--pg-url", pg_url, "--mysql-url", mysql_url, "--workdir", str(tmp_path)]
    if not (ROOT / "benchmarks" / ".venv-peers" / "bin" / "python").exists():
        args.append("--no-reladiff")
    done = subprocess.run(args, capture_output=True, text=True, timeout=900, cwd=ROOT)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "| in-process | compare |" in done.stdout
    assert "| pg-duckdb diff | cutover checksum |" in done.stdout
    assert "| mariadb-duckdb identical | cutover stream |" in done.stdout
    assert "| duckdb-duckdb | cutover diff command |" in done.stdout
    assert "| mariadb-duckdb floor | floor: mariadb --quick |" in done.stdout
    assert "every method found exactly these" in done.stdout
