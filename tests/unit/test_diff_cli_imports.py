"""`cutover diff` of two DuckDB files imports only what a diff needs (issue 15): its start-up is
part of what a user waits for. Run as a new process through the public CLI; sys.modules is read
when the command has finished."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import duckdb

ROOT = Path(__file__).resolve().parents[2]

# The command as a user runs it (cutover.cli.main), then the modules it left loaded.
RUN = """
import json, sys
from cutover.cli import main
sys.argv = ["cutover", *sys.argv[1:]]
try:
    main()
except SystemExit as exc:
    code = exc.code
print(json.dumps({"exit": code, "modules": sorted(sys.modules)}))
"""

# sqlglot's per-engine modules other than DuckDB's (the guard reads a DuckDB query in its own
# dialect, so that one is needed), the translation library, SQLAlchemy, and the run's graph.
DUCKDB_DIALECT = {"duckdb", "dialect", "base", "__init__"}


def _two_files(tmp_path: Path) -> list[str]:
    """URLs of two DuckDB files whose table t differs in one row (id 7)."""
    urls = []
    for name, value in (("a", "v"), ("b", "v + CAST(id = 7 AS INTEGER)")):
        with duckdb.connect(str(tmp_path / f"{name}.duckdb")) as con:
            con.execute(f"CREATE TABLE t AS SELECT id, {value} AS v FROM "
                        "(SELECT range AS id, range * 2 AS v FROM range(50))")
        urls.append(f"duckdb:///{tmp_path / name}.duckdb")
    return urls


def _modules_after_diff(tmp_path: Path) -> tuple[int, list[str]]:
    urls = _two_files(tmp_path)
    done = subprocess.run([sys.executable, "-c", RUN, "diff", urls[0], "t", urls[1], "t",
                           "--key", "id"], cwd=ROOT, capture_output=True, text=True, timeout=120)
    result = json.loads(done.stdout.strip().splitlines()[-1])
    return result["exit"], result["modules"]


def test_a_duckdb_diff_imports_no_other_dialect_nor_sqlalchemy_nor_the_graph(
        tmp_path: Path) -> None:
    code, modules = _modules_after_diff(tmp_path)
    assert code == 1  # one changed row: the diff really ran and found it
    assert "tools.db.duckdb" in modules  # the adapter it needs
    dialects = sorted(m for m in modules
                      if m.startswith(("sqlglot.dialects.", "sqlglot.parsers.",
                                       "sqlglot.generators.", "sqlglot.tokenizers."))
                      and m.rsplit(".", 1)[1] not in DUCKDB_DIALECT)
    assert dialects == []
    unwanted = ("sqlalchemy", "langgraph", "langchain_core", "graph", "tools.semantics",
                "tools.db.postgres", "tools.db.mysql", "tools.db.spark", "tools.db.clickhouse")
    assert [m for m in modules if any(m == u or m.startswith(f"{u}.") for u in unwanted)] == []


def test_the_installed_command_exits_quickly_without_losing_output(tmp_path: Path) -> None:
    """`python -m cutover` is the console script's entry (console_entry): a diff ends with
    os._exit, so everything it prints or writes must already be flushed and closed."""
    urls = _two_files(tmp_path)
    args = [sys.executable, "-m", "cutover", "diff", urls[0], "t", urls[1], "t", "--key", "id"]
    out = tmp_path / "report.json"
    to_file = subprocess.run([*args, "--json", str(out)], cwd=ROOT, capture_output=True,
                             text=True, timeout=120)
    assert to_file.returncode == 1, to_file.stderr
    assert json.loads(out.read_text())["changed_count"] == 1
    assert "MISMATCH" in to_file.stdout and to_file.stdout.rstrip().endswith("s")
    to_stdout = subprocess.run([*args, "--json", "-"], cwd=ROOT, capture_output=True, text=True,
                               timeout=120)
    assert to_stdout.returncode == 1
    assert json.loads(to_stdout.stdout)["changed_count"] == 1  # the whole JSON, flushed
    usage = subprocess.run([sys.executable, "-m", "cutover", "diff", urls[0]], cwd=ROOT,
                           capture_output=True, text=True, timeout=120)
    assert usage.returncode == 2 and "Missing argument" in usage.stderr
