"""`cutover diff` of a server table against a DuckDB file imports neither SQLAlchemy nor pandas
(issue 15): opening the server reads its URL without SQLAlchemy (~0.15 s), and the rows reach
DuckDB as Arrow C streams, not through pyarrow.dataset, which imports pandas (~0.25 s). Run as
a new process through the public CLI, with both algorithms; the verdict shows the diff ran.
The table is past datacompy's bound (compare's datacompy_max_rows): a smaller keyed diff adds
datacompy's column figures, and datacompy is built on pandas."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest
from sqlalchemy.engine import make_url

from tests.integration.conftest import mysql_connect, pg_connect
from tests.unit.test_diff_cli_imports import ROOT, RUN

pytestmark = pytest.mark.integration

ROWS = 210_000
CHANGED = 4242
UNWANTED = ("sqlalchemy", "pandas", "pyarrow.dataset")
# ...except pandas for MariaDB's checksums: their few rows come through pymysql, and pyarrow
# imports pandas to build any array from Python values (its streams come through connectorx).
ALLOWED = {("mysql", "checksum"): ("pandas", "pyarrow.dataset")}


def _seed(engine: str, url: str) -> None:
    if engine == "postgres":
        with pg_connect(url) as con:
            con.execute("CREATE TABLE t (id integer PRIMARY KEY, name text, "
                        "x double precision, amt numeric(10,2))")
            con.execute(f"INSERT INTO t SELECT g, 'name ' || g, g / 7.0, g + 0.25 "
                        f"FROM generate_series(0, {ROWS - 1}) g")
        return
    con = mysql_connect(url)
    try:
        db = make_url(url).database
        con.cursor().execute(f"CREATE TABLE `{db}`.t (id int PRIMARY KEY, name varchar(40), "
                             f"x double, amt decimal(10,2))")
        con.cursor().execute(f"INSERT INTO `{db}`.t SELECT seq, concat('name ', seq), "
                             f"seq / 7e0, seq + 0.25 FROM `{db}`.seq_0_to_{ROWS - 1}")
    finally:
        con.close()


@pytest.mark.parametrize("engine", ["postgres", "mysql"])
def test_a_server_diff_imports_neither_sqlalchemy_nor_pandas(engine: str, pg_db: str,
                                                              mysql_db: str,
                                                              tmp_path: Path) -> None:
    url = pg_db if engine == "postgres" else mysql_db
    _seed(engine, url)
    path = tmp_path / "t.duckdb"
    with duckdb.connect(str(path)) as con:
        con.execute("CREATE TABLE t (id INTEGER, name VARCHAR, x DOUBLE, amt DECIMAL(10,2))")
        con.execute(f"INSERT INTO t SELECT range, CASE WHEN range = {CHANGED} THEN 'changed' "
                    f"ELSE 'name ' || range END, range / 7.0, range + 0.25 FROM range({ROWS})")
    for algorithm in ("stream", "checksum"):
        done = subprocess.run(
            [sys.executable, "-c", RUN, "diff", url, "t", f"duckdb:///{path}", "t", "--key",
             "id", "--algorithm", algorithm, "--json", str(tmp_path / "r.json")],
            cwd=ROOT, capture_output=True, text=True, timeout=180)
        result = json.loads(done.stdout.strip().splitlines()[-1])
        assert result["exit"] == 1, done.stderr  # one changed row, found
        report = json.loads((tmp_path / "r.json").read_text())
        assert (report["changed_count"], report["only_in_source_count"],
                report["only_in_target_count"]) == (1, 0, 0)
        unwanted = [u for u in UNWANTED if u not in ALLOWED.get((engine, algorithm), ())]
        loaded = [m for m in result["modules"]
                  if any(m == u or m.startswith(f"{u}.") for u in unwanted)]
        assert loaded == [], f"{algorithm}: {loaded[:5]}"
