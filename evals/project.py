"""One repeat's migration project: fresh databases, the source built, the cases as SQL files.

The project folder is an ordinary Cutover project (cutover.toml + sql/<case>.sql), so a case
can be re-run or inspected with `cutover run` / `cutover trace` like any user project.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import sqlglot
from sqlglot.errors import SqlglotError

from evals import tpc
from evals.engines import Endpoint, Session
from evals.manifest import Case, ManifestError, Suite
from evals.scripts import is_database_switch, read_script, split_script, statement_kind
from tools.db.registry import open_adapter
from tools.errors import CutoverError


@dataclass
class Prepared:
    """What building the source produced."""

    cases: dict[str, str] = field(default_factory=dict)
    """case id -> SQL in the source dialect (transpiled for portable suites)."""
    reference_errors: dict[str, str] = field(default_factory=dict)
    """case id -> why the case's own SQL fails on the source (kept out of the codebase)."""
    setup: dict[str, Any] = field(default_factory=dict)


def build_source(suite: Suite, source: Endpoint, cache_dir: Path) -> dict[str, Any]:
    """Run the suite's setup on the fresh source: scripts, CSVs, or generated TPC data."""
    session = Session(source)
    info: dict[str, Any] = {}
    try:
        if suite.generated:
            info = tpc.load_source(suite.name, float(suite.generated["scale"]), session,
                                   cache_dir)
        for entry in suite.setup:
            info[entry.file] = _run_setup_file(session, Path(entry.file), set(entry.skip))
        for table, csv_path in suite.setup_csv.items():
            info[f"csv:{table}"] = session.load_csv(table, Path(csv_path))
    finally:
        session.close()
    return info


def _run_setup_file(session: Session, path: Path, skip: set[str]) -> dict[str, int]:
    statements = split_script(read_script(path), mysql=session.endpoint.engine == "mysql")
    kept = [s for s in statements
            if statement_kind(s.sql) not in skip and not is_database_switch(s.sql)]
    return {"statements": session.run_script(kept, str(path)),
            "skipped": len(statements) - len(kept)}


def case_sql(suite: Suite, case: Case, source_dialect: str) -> str:
    """The case in the source engine's dialect; only portable suites may be transpiled."""
    if source_dialect == suite.source_dialect:
        return case.sql
    if not suite.portable:
        raise ManifestError(f"suite {suite.name!r} is written in {suite.source_dialect} but the "
                            f"source engine speaks {source_dialect}: run it with a "
                            f"{suite.source_dialect} source, or mark the manifest portable: true")
    return sqlglot.transpile(case.sql, read=suite.source_dialect, write=source_dialect)[0]


def prepare_cases(suite: Suite, source: Endpoint, timeout_s: float) -> Prepared:
    """Each case's SQL for the source, after running it there once (the reference check).

    A reference that fails is the suite's problem, not the migration's: it is reported as
    reference_error and left out of the codebase and of the rates.
    """
    prepared = Prepared()
    adapter = open_adapter(source.url, "source", None, timeout_s)
    try:
        for case in suite.cases:
            try:
                sql = case_sql(suite, case, source.dialect)
            except SqlglotError as exc:
                prepared.reference_errors[case.id] = f"cannot transpile to {source.dialect}: " \
                                                     f"{str(exc).splitlines()[0]}"
                continue
            error = _reference_error(adapter, sql, source.dialect)
            if error:
                prepared.reference_errors[case.id] = error
            else:
                prepared.cases[case.id] = sql
    finally:
        adapter.close()
    return prepared


def _reference_error(adapter: Any, sql: str, dialect: str) -> str | None:
    try:
        tree = sqlglot.parse_one(sql, read=dialect)
    except SqlglotError:
        return None  # the migration's planner reports unparseable SQL itself
    if not isinstance(tree, sqlglot.exp.Query):
        return None  # views/CTAS: checked by the migration (they may depend on each other)
    try:
        adapter.read_arrow(sql, limit=1)
    except CutoverError as exc:
        return f"the case's SQL fails on the source: {str(exc).splitlines()[0]}"
    return None


def _toml_value(value: object) -> str:
    """JSON is TOML for scalars and lists; a mapping (price_per_mtok) is an inline table."""
    if isinstance(value, dict):
        return "{" + ", ".join(f"{k} = {json.dumps(v)}" for k, v in value.items()) + "}"
    return json.dumps(value)


def write_project(root: Path, name: str, source: Endpoint, target: Endpoint,
                  cases: dict[str, str], settings: dict[str, Any]) -> Path:
    """cutover.toml + sql/<case>.sql; `settings` fills [run] and [llm]."""
    (root / "sql").mkdir(parents=True, exist_ok=True)
    for case_id, sql in cases.items():
        (root / "sql" / f"{case_id}.sql").write_text(sql.rstrip().rstrip(";") + ";\n",
                                                     encoding="utf-8")
    run = {k: settings[k] for k in ("max_attempts", "keep_sandbox", "statement_timeout_s")}
    llm = {k: v for k, v in settings["llm"].items() if v is not None}
    lines = ["[project]", f"name = {json.dumps(name)}", 'codebase = ["sql/*.sql"]', "",
             "[source]", f"url = {json.dumps(source.url)}",
             f"dialect = {json.dumps(source.dialect)}", "",
             "[target]", f"url = {json.dumps(target.url)}",
             f"dialect = {json.dumps(target.dialect)}", "", "[run]",
             *(f"{k} = {json.dumps(v)}" for k, v in run.items()), "", "[llm]",
             *(f"{k} = {_toml_value(v)}" for k, v in llm.items())]
    (root / "cutover.toml").write_text("\n".join(lines) + "\n", encoding="utf-8")
    return root
