"""How long a suite's source setup takes on a MariaDB/MySQL server: TPC-H at sf 0.01 (the
generated tables) and the same lineitem table as a pipe-delimited .tbl.gz CSV, through the
eval harness's own loaders (evals/tpc.py, evals/engines.Session.load_csv).

    CUTOVER_TEST_MYSQL_URL=mysql://u:pw@host:3306/db python benchmarks/suite_load_bench.py

Prints seconds per step and rows per second; issue 11 asks for seconds, not minutes.
"""

from __future__ import annotations

import gzip
import os
import sys
import tempfile
import time
from pathlib import Path

from evals import tpc
from evals.engines import Session, dispose, provision


def main() -> None:
    url = os.environ.get("CUTOVER_TEST_MYSQL_URL")
    if not url:
        sys.exit("set CUTOVER_TEST_MYSQL_URL to a MariaDB/MySQL server")
    work = Path(tempfile.mkdtemp(prefix="suite-load-"))
    endpoint = provision(url, work, "source")
    session = Session(endpoint)
    try:
        start = time.perf_counter()
        info = tpc.load_source("tpch", 0.01, session, work / "cache")
        seconds = time.perf_counter() - start
        rows = sum(info["tables"].values())
        print(f"tpch sf0.01 generated tables -> mariadb: {rows} rows in {seconds:.2f} s "
              f"({rows / seconds:,.0f} rows/s)")
        data = tpc.generate("tpch", 0.01, work / "cache")
        con = tpc.offline_connection(str(data), read_only=True)
        tbl = work / "lineitem.tbl.gz"
        with gzip.open(tbl, "wt", encoding="utf-8") as fh:
            for row in con.execute("SELECT * FROM lineitem").fetchall():
                fh.write("|".join("" if v is None else str(v) for v in row) + "|\n")
        con.close()
        session.execute("CREATE TABLE lineitem_csv LIKE lineitem")
        start = time.perf_counter()
        n = session.load_csv("lineitem_csv", tbl, "|", header=False)
        seconds = time.perf_counter() - start
        print(f"lineitem.tbl.gz (pipe, no header) -> mariadb: {n} rows in {seconds:.2f} s "
              f"({n / seconds:,.0f} rows/s)")
        # the peer, in the same run: the same rows as batched INSERTs (the path before)
        rows = [list(r) for r in tpc.offline_connection(str(data), read_only=True).execute(
            "SELECT * FROM lineitem").fetchall()]
        names = session._columns("lineitem")
        session.execute("CREATE TABLE lineitem_rows LIKE lineitem")
        marks = ", ".join(["%s"] * len(names))
        start = time.perf_counter()
        session.execute("BEGIN")
        for i in range(0, len(rows), 5000):
            session.executemany(f"INSERT INTO lineitem_rows VALUES ({marks})", rows[i:i + 5000])
        session.execute("COMMIT")
        inserts = time.perf_counter() - start
        print(f"the same rows as batched INSERTs: {inserts:.2f} s; LOAD DATA is "
              f"{inserts / seconds:.1f}x faster")
    finally:
        session.close()
        dispose(endpoint)


if __name__ == "__main__":
    main()
