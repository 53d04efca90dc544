"""The floors: how fast the rows of one side can leave its engine at all, each in its own
process (run by diff_bench.py). A diff cannot beat reading its larger side.

Usage: python benchmarks/bench_floors.py FLOOR URL
Prints one JSON line: {"seconds": s, "found": {}} (a floor finds nothing). Floors:
duckdb-arrow (the DuckDB file's table into Arrow, in process), mariadb-quick (`mariadb --quick`
streaming the table as text to /dev/null), psql-binary (`psql \\copy t TO /dev/null (FORMAT
binary)`), pgscan-ctas (DuckDB's postgres_scanner copying the table into an in-memory DuckDB).
Passwords go to the clients through their environment, never the command line.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))


def _client_env(url: str) -> tuple[dict[str, str], object]:
    from sqlalchemy.engine import make_url

    u = make_url(url)
    env = dict(os.environ, MYSQL_PWD=u.password or "", PGPASSWORD=u.password or "")
    return env, u


def duckdb_arrow(url: str) -> None:
    import duckdb

    con = duckdb.connect(url.split("duckdb:///", 1)[1], read_only=True)
    con.execute("SELECT * FROM t").to_arrow_table()
    con.close()


def mariadb_quick(url: str) -> None:
    env, u = _client_env(url)
    subprocess.run(["mariadb", "--quick", "--batch", "--skip-column-names", f"-h{u.host}",
                    f"-P{u.port}", f"-u{u.username}", u.database, "-e", "SELECT * FROM t"],
                   stdout=subprocess.DEVNULL, env=env, check=True)


def psql_binary(url: str) -> None:
    env, u = _client_env(url)
    subprocess.run(["psql", "-h", str(u.host), "-p", str(u.port), "-U", str(u.username),
                    "-d", str(u.database), "-c", r"\copy t TO '/dev/null' (FORMAT binary)"],
                   stdout=subprocess.DEVNULL, env=env, check=True)


def pgscan_ctas(url: str) -> None:
    import duckdb

    from tools.db.duckdb_extensions import extension_path

    _, u = _client_env(url)
    con = duckdb.connect()
    con.execute(f"LOAD '{extension_path('postgres_scanner')}'")
    con.execute(f"CREATE TEMPORARY SECRET p (TYPE postgres, HOST '{u.host}', PORT {u.port}, "
                f"DATABASE '{u.database}', USER '{u.username}', PASSWORD '{u.password}')")
    con.execute("ATTACH '' AS pg (TYPE postgres, SECRET p, READ_ONLY)")
    con.execute("CREATE TABLE x AS SELECT * FROM pg.public.t")
    con.close()


FLOORS = {"duckdb-arrow": duckdb_arrow, "mariadb-quick": mariadb_quick,
          "psql-binary": psql_binary, "pgscan-ctas": pgscan_ctas}


def main() -> None:
    floor, url = sys.argv[1:3]
    started = time.perf_counter()
    FLOORS[floor](url)
    print(json.dumps({"seconds": time.perf_counter() - started, "found": {}}))


if __name__ == "__main__":
    main()
