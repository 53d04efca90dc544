"""Two runs of one project, or two processes seeding one example, never crash or corrupt
(issue 9 item 3): a project lock the kernel frees when its holder dies, and an atomic seed."""

from __future__ import annotations

import multiprocessing
import os
import signal
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from cutover.cli import app
from tests.support.projects import make_project
from tools.db.seed import build_if_missing
from tools.errors import ConfigError
from tools.runlock import LOCK_NAME, ProjectLock

ROOT = Path(__file__).resolve().parents[2]
SEED = "CREATE TABLE t (a INTEGER);\n" + "".join(f"INSERT INTO t VALUES ({i});\n"
                                                  for i in range(2000))


def _seed(args: tuple[str, str]) -> bool:
    url, script = args
    return build_if_missing(url, Path(script))


def test_two_processes_seeding_at_once_build_one_database(tmp_path: Path) -> None:
    script = tmp_path / "seed.sql"
    script.write_text(SEED, encoding="utf-8")
    url = f"sqlite:///{tmp_path / 'data' / 'source.sqlite'}"
    with multiprocessing.get_context("spawn").Pool(3) as pool:
        built = pool.map(_seed, [(url, str(script))] * 3)
    assert sorted(built) == [False, False, True]
    con = sqlite3.connect(tmp_path / "data" / "source.sqlite")
    assert con.execute("SELECT COUNT(*) FROM t").fetchone() == (2000,)
    con.close()
    assert not list((tmp_path / "data").glob("*.building*"))


def _holder(project: Path) -> subprocess.Popen:
    code = ("import sys, time; from pathlib import Path; from tools.runlock import ProjectLock;"
            "ProjectLock(Path(sys.argv[1]), 'holder-run').acquire(); print('held', flush=True);"
            "time.sleep(60)")
    proc = subprocess.Popen([sys.executable, "-c", code, str(project)], cwd=ROOT,
                            stdout=subprocess.PIPE, text=True)
    assert proc.stdout is not None and proc.stdout.readline().strip() == "held"
    return proc


def test_a_second_run_is_told_who_holds_the_project(tmp_path: Path) -> None:
    project = make_project(tmp_path / "p", {"sql/q.sql": "SELECT id FROM orders;"})
    holder = _holder(project)
    try:
        with pytest.raises(ConfigError, match="another run holds this project.*holder-run"):
            ProjectLock(project, "mine").acquire()
        result = CliRunner().invoke(app, ["run", str(project), "--runs-dir",
                                          str(tmp_path / "runs")])
        assert result.exit_code == 2
        assert "another run holds this project" in result.output
        assert "Traceback" not in result.output
        assert not (tmp_path / "runs").exists() or not any((tmp_path / "runs").iterdir())
    finally:
        holder.send_signal(signal.SIGKILL)  # as a killed run dies
        holder.wait()
    # The kernel freed the lock with the process: no stale lock, the next run proceeds.
    ProjectLock(project, "after").acquire().release()
    assert (project / LOCK_NAME).exists()
    result = CliRunner().invoke(app, ["run", str(project), "--runs-dir", str(tmp_path / "runs")])
    assert result.exit_code == 0, result.output


def test_the_lock_is_released_after_a_run(tmp_path: Path, run_project) -> None:
    project = make_project(tmp_path / "p", {"sql/q.sql": "SELECT id FROM orders;"})
    run_project(project)
    lock = ProjectLock(project, "next").acquire()
    lock.release()
    assert os.path.getsize(project / LOCK_NAME) > 0
