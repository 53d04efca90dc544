"""One repeat's migration project: fresh databases, the source built, the cases as SQL files.

The project folder is an ordinary Cutover project (cutover.toml + sql/<case>.sql), so a case
can be re-run or inspected with `cutover run` / `cutover trace` like any user project.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import sqlglot
from sqlglot.errors import SqlglotError

from evals import tpc
from evals.engines import Endpoint, Session
from evals.manifest import Case, ManifestError, Suite
from evals.scripts import is_database_switch, read_script, split_script, statement_kind
from graph.config import ProjectConfig, to_toml
from tools.db.registry import open_adapter
from tools.errors import CutoverError
from tools.sql import transpile


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
        for table, csv_file in suite.setup_csv.items():
            info[f"csv:{table}"] = session.load_csv(table, Path(csv_file.path),
                                                    csv_file.delimiter, csv_file.header)
    finally:
        session.close()
    return info


def _run_setup_file(session: Session, path: Path, skip: set[str]) -> dict[str, int]:
    statements = split_script(read_script(path), mysql=session.adapter.DIALECT == "mysql")
    kept = [s for s in statements
            if statement_kind(s.sql) not in skip and not is_database_switch(s.sql)]
    return {"statements": session.run_script(kept, str(path)),
            "skipped": len(statements) - len(kept)}


def case_sql(suite: Suite, case: Case, source_dialect: str,
             faithful: bool = False) -> str:
    """The case in the source engine's dialect; only portable suites may be transpiled.

    Plain sqlglot first: the source's copy reads as that engine's users write it. `faithful`
    uses the semantics library instead, for a case whose plain copy does not run on the
    source (SQLite has no EXTRACT nor derived-table column list; MariaDB no column list)."""
    if source_dialect == suite.source_dialect:
        return case.sql
    if not suite.portable:
        raise ManifestError(f"suite {suite.name!r} is written in {suite.source_dialect} but the "
                            f"source engine speaks {source_dialect}: run it with a "
                            f"{suite.source_dialect} source, or mark the manifest portable: true")
    if faithful:
        return transpile(case.sql, suite.source_dialect, source_dialect, case.id)
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
            sql, error = _source_copy(suite, case, source, adapter)
            if error and source.dialect != suite.source_dialect:
                sql, error = _source_copy(suite, case, source, adapter, faithful=True)
            if error:
                prepared.reference_errors[case.id] = error
            else:
                prepared.cases[case.id] = sql
    finally:
        adapter.close()
    return prepared


def _source_copy(suite: Suite, case: Case, source: Endpoint, adapter: Any,
                 faithful: bool = False) -> tuple[str, str | None]:
    """(the case's SQL for the source, why it cannot be used there or None)."""
    try:
        sql = case_sql(suite, case, source.dialect, faithful)
    except ManifestError:
        raise
    except (SqlglotError, CutoverError) as exc:
        return "", f"cannot transpile to {source.dialect}: {str(exc).splitlines()[0]}"
    return sql, _reference_error(adapter, sql, source.dialect)


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


def project_config(name: str, source: Endpoint, target: Endpoint, run: dict[str, Any],
                   llm: dict[str, Any]) -> ProjectConfig:
    """The project's config as a model: `run` fills [run], `llm` fills [llm] (None = default)."""
    return ProjectConfig.model_validate({
        "project": {"name": name, "codebase": ["sql/*.sql"]},
        # The harness made this database from the suite's data, as a role that writes.
        "source": {"url": source.url, "dialect": source.dialect, "allow_privileged": True},
        "target": {"url": target.url, "dialect": target.dialect},
        "run": run,
        "llm": {k: v for k, v in llm.items() if v is not None},
    })


def write_project(root: Path, cfg: ProjectConfig, cases: dict[str, str]) -> Path:
    """sql/<case>.sql, and cutover.toml so that the folder is an ordinary project a user can
    re-run with `cutover run` (the eval itself runs from `cfg`, not from the file)."""
    (root / "sql").mkdir(parents=True, exist_ok=True)
    for case_id, sql in cases.items():
        (root / "sql" / f"{case_id}.sql").write_text(sql.rstrip().rstrip(";") + ";\n",
                                                     encoding="utf-8")
    (root / "cutover.toml").write_text(to_toml(cfg), encoding="utf-8")
    return root
