"""Objects migrated in parallel read one source snapshot: rows committed on the source while a
run is going are seen by no worker (PostgreSQL: one exported snapshot; MariaDB: consistent
snapshots started together)."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy.engine import make_url

from cutover.config import build_context
from graph.run import run_migration
from tests.integration.conftest import mysql_connect, pg_connect
from tools.db.connections import Connections

WORKERS = 3
VIEWS = 6


def _write(url: str, *statements: str) -> None:
    """Another session writes to the source and commits (what a live system does)."""
    if url.startswith("postgres"):
        con = pg_connect(url)  # connects to the URL's own database
        try:
            for sql in statements:
                con.execute(sql)
        finally:
            con.close()
        return
    con = mysql_connect(url)
    try:
        con.select_db(make_url(url).database)
        for sql in statements:
            con.cursor().execute(sql)
    finally:
        con.close()


def _seed(url: str, rows: int) -> None:
    series = (f"SELECT g, g % 7 FROM generate_series(1, {rows}) AS g"
              if url.startswith("postgres") else f"SELECT seq, seq % 7 FROM seq_1_to_{rows}")
    _write(url, "CREATE TABLE t (id INTEGER PRIMARY KEY, v INTEGER)", f"INSERT INTO t {series}")


def _commit_more(url: str) -> None:
    _write(url, "INSERT INTO t VALUES (100001, 1), (100002, 2), (100003, 3)")


@pytest.fixture(params=["postgres", "mysql"])
def source_url(request: pytest.FixtureRequest) -> str:
    return request.getfixturevalue("pg_db" if request.param == "postgres" else "mysql_db")


def test_every_worker_reads_the_snapshot_of_the_first_session(source_url: str,
                                                              tmp_path: Path) -> None:
    _seed(source_url, 500)
    conns = Connections(source_url, f"duckdb:///{tmp_path / 't.duckdb'}", None, 30.0, "cutover_s",
                        workers=WORKERS, allow_privileged_source=True)
    try:
        assert conns.source().read_arrow("SELECT COUNT(*) AS n FROM t").column(0)[0].as_py() == 500
        _commit_more(source_url)
        seen = []
        for _ in range(WORKERS):  # each lease is a worker's own session, held in turn
            with conns.lease():
                seen.append(conns.source().read_arrow("SELECT COUNT(*) AS n FROM t")
                            .column(0)[0].as_py())
        assert seen == [500] * WORKERS
    finally:
        conns.close()


def test_rows_committed_during_a_parallel_run_are_invisible_to_it(source_url: str,
                                                                  tmp_path: Path) -> None:
    _seed(source_url, 500)
    project = tmp_path / "p"
    (project / "sql").mkdir(parents=True)
    for i in range(VIEWS):
        (project / "sql" / f"n{i}.sql").write_text(
            f"CREATE VIEW n{i} AS SELECT COUNT(*) AS n, SUM(v) AS s, {i} AS k FROM t;\n")
    (project / "cutover.toml").write_text(
        f'[project]\nname = "snap"\ncodebase = ["sql/**/*.sql"]\n[source]\nurl = "{source_url}"\n'
        # the test made this database, as a role that writes
        f'allow_privileged = true\n'
        f'[target]\nurl = "duckdb:///{tmp_path / "target.duckdb"}"\n[run]\nworkers = {WORKERS}\n')
    ctx, cfg = build_context(project, "snap", tmp_path / "runs", {})
    committed = []

    def progress(node: str, change: dict) -> None:
        # After the loader copied t (500 rows) and before any object reads the source.
        if node == "loader" and not committed:
            _commit_more(source_url)
            committed.append(True)

    outcome = run_migration(ctx, project=cfg.project.name, progress=progress)
    assert committed
    assert outcome.report is not None
    verdicts = {o["name"]: o["verdict"] for o in outcome.report["objects"]}
    # Every view counts t on the source (its snapshot) and on the target (the loader's copy):
    # parity everywhere means every worker read the 500 rows, not 503.
    assert verdicts == {f"n{i}": "parity" for i in range(VIEWS)}
    assert all(o["diff"]["rows_source"] == 1 for o in outcome.report["objects"])
