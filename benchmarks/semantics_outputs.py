"""The semantics library's translations, saved and compared: proof that a speed change to the
library changes no output.

What is translated, towards every other dialect the library knows (tools.semantics.base):
- TPC-DS's 99 and TPC-H's 22 queries, typed by the generators' sf=0 catalog (as
  semantics_speed.py), from DuckDB (their own texts) and from every other source dialect
  (the texts plain sqlglot writes there, as evals/tpc.py makes a source's codebase);
- every case of the bundled trap suites (evals/suites/traps-*) and of functions-mysql (its
  setup is traps-mysql's), typed by the catalog the
  planner would introspect: each suite's setup is run on a fresh real source (SQLite in a
  scratch folder, PostgreSQL and MariaDB on the servers of CUTOVER_TEST_PG_URL and
  CUTOVER_TEST_MYSQL_URL) and read back with tools.catalog.introspect, then handed to
  tools.sql.transpile the way agents/translator.py does. Each case is also translated with no
  catalog, which takes the library's untyped paths.

Each entry records the SQL written, or the error's one line. Save the outputs of one checkout,
then compare another's against them (exit status 1 and the differing entries if any differ):

    .venv/bin/python benchmarks/semantics_outputs.py --save /tmp/semantics_before.json
    .venv/bin/python benchmarks/semantics_outputs.py --compare /tmp/semantics_before.json

A trap suite whose source server is not configured is skipped with a line that says so.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
from pathlib import Path
from typing import Any

import sqlglot
import sqlglot.errors

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from benchmarks.semantics_speed import queries_and_schema  # noqa: E402
from evals.engines import dispose, provision  # noqa: E402
from evals.manifest import load_manifest  # noqa: E402
from evals.project import build_source  # noqa: E402
from tools.catalog import introspect  # noqa: E402
from tools.db.registry import open_adapter  # noqa: E402
from tools.errors import CutoverError  # noqa: E402
from tools.semantics.base import DIALECTS  # noqa: E402
from tools.semantics.collations import labels as text_labels  # noqa: E402
from tools.semantics.enum_order import enum_values  # noqa: E402
from tools.semantics.kinds import catalog_type  # noqa: E402
from tools.sql import transpile  # noqa: E402

_SERVER_URLS = {"postgres": "CUTOVER_TEST_PG_URL", "mysql": "CUTOVER_TEST_MYSQL_URL"}


def _translate(sql: str, read: str, write: str, context: dict[str, Any]) -> str:
    applied: list[str] = []
    try:
        out = transpile(sql, read, write, "case", **context, applied=applied)
    except CutoverError as exc:
        return f"ERROR {type(exc).__name__}: {str(exc).splitlines()[0]}"
    return out + "\n-- applied: " + ", ".join(applied)


def tpc_outputs() -> dict[str, str]:
    out: dict[str, str] = {}
    for kind in ("tpcds", "tpch"):
        queries, schema = queries_and_schema(kind)
        for source in DIALECTS:
            for i, duck_sql in enumerate(queries):
                try:
                    sql = duck_sql if source == "duckdb" else \
                        sqlglot.transpile(duck_sql, "duckdb", source)[0]
                except sqlglot.errors.SqlglotError:
                    continue  # not a codebase this source could hold
                for target in DIALECTS:
                    if target != source:
                        out[f"{kind}/q{i + 1}/{source}/{target}"] = _translate(
                            sql, source, target, {"schema": schema})
    return out


def _source_catalog(suite_dir: Path, dialect: str, workdir: Path) -> dict[str, Any] | None:
    """The translator's catalog arguments for the suite's source, or None without a server."""
    if dialect in _SERVER_URLS:
        spec = os.environ.get(_SERVER_URLS[dialect])
        if not spec:
            return None
    else:
        spec = dialect
    suite = load_manifest(suite_dir / "manifest.yaml")
    endpoint = provision(spec, workdir, "source")
    try:
        build_source(suite, endpoint, workdir / "cache")
        adapter = open_adapter(endpoint.url, "source")
        try:
            tables, _views = introspect(endpoint.url, adapter)
        finally:
            adapter.close()
    finally:
        dispose(endpoint)
    return {"schema": {t["name"]: {c["name"]: catalog_type(dialect, c) for c in t["columns"]}
                       for t in tables},
            "collations": text_labels(dialect, tables),
            "enums": enum_values(dialect, tables),
            "keys": {t["name"]: tuple(t.get("primary_key") or ()) for t in tables}}


def suite_outputs() -> dict[str, str]:
    out: dict[str, str] = {}
    suites = ROOT / "evals" / "suites"
    for suite_dir in [*sorted(suites.glob("traps-*")), suites / "functions-mysql"]:
        suite = load_manifest(suite_dir / "manifest.yaml")
        source = suite.source_dialect
        with tempfile.TemporaryDirectory() as tmp:
            catalog = _source_catalog(suite_dir, source, Path(tmp))
        if catalog is None:
            print(f"{suite.name}: skipped, {_SERVER_URLS[source]} is not set", file=sys.stderr)
            continue
        for case in suite.cases:
            for target in DIALECTS:
                if target == source:
                    continue
                key = f"{suite.name}/{case.id}/{target}"
                out[key] = _translate(case.sql, source, target, catalog)
                out[key + "/untyped"] = _translate(case.sql, source, target, {})
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    group = parser.add_mutually_exclusive_group(required=True)
    group.add_argument("--save", type=Path, help="write the outputs to this JSON file")
    group.add_argument("--compare", type=Path, help="compare the outputs with this JSON file")
    args = parser.parse_args()
    outputs = {**tpc_outputs(), **suite_outputs()}
    if args.save:
        args.save.write_text(json.dumps(outputs, indent=1, sort_keys=True) + "\n")
        print(f"saved {len(outputs)} translations to {args.save}")
        return
    before = json.loads(args.compare.read_text())
    differing = sorted(k for k in before.keys() | outputs.keys()
                       if before.get(k) != outputs.get(k))
    for key in differing:
        print(f"DIFFERS {key}\n  before: {before.get(key)!r}\n  now:    {outputs.get(key)!r}")
    print(f"{len(outputs)} translations, {len(before)} saved, {len(differing)} differ")
    sys.exit(1 if differing else 0)


if __name__ == "__main__":
    main()
