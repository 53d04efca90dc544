"""Suite manifests: the YAML format users write to bring their own migration cases.

    name: traps-postgres
    description: free text
    source_dialect: postgres          # sqlglot name
    setup: [setup.sql]                # run on the fresh source first, in order
    setup_csv: {orders: data/orders.csv}  # or {lineitem: {path: lineitem.tbl.gz, delimiter: '|'}}
    cases:
      - id: int_division
        sql: SELECT ...               # or  file: cases/int_division.sql
        ordered: false
        tags: [division]
        note: free text

Paths are relative to the manifest's folder and may point outside the repo (the Sakila
manifests read ../shared/benchmarks in place; nothing is copied). A setup entry may also be a
mapping `{file: x.sql, skip: [view, trigger, procedure, function]}` to run a published schema
script without the objects the cases migrate. A bad manifest raises ManifestError naming the
file, the case and the fix; nothing runs until the whole manifest is valid.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any, Literal

import sqlglot
import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator
from sqlglot.errors import SqlglotError

from evals.scripts import read_script, split_script, statement_kind
from tools.errors import ConfigError

MANIFEST_NAMES = ("manifest.yaml", "manifest.yml", "suite.yaml")
_ID = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
SkipKind = Literal["view", "trigger", "procedure", "function", "event"]


class ManifestError(ConfigError):
    """A suite manifest is malformed; the message names the file and the fix."""


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class SetupFile(_Strict):
    file: str
    skip: list[SkipKind] = Field(default_factory=list)
    """Statement kinds left out, e.g. the views a case migrates from a published schema."""


class CsvFile(_Strict):
    """A CSV to load: gzip when its name ends in .gz; without a header row its fields fill
    the table's columns in order (a TPC .tbl file's trailing delimiter is ignored)."""

    path: str
    delimiter: str = ","
    header: bool = True

    @field_validator("delimiter")
    @classmethod
    def _one_character(cls, value: str) -> str:
        if len(value) != 1:
            raise ValueError("must be one character, e.g. '|' or ';'")
        return value


class CaseSpec(_Strict):
    id: str
    sql: str | None = None
    file: str | None = None
    object: str | None = None
    """With `file`: take only the statement that creates this view/table from the script
    (how a case points into a published schema file without copying it)."""
    ordered: bool = False
    tags: list[str] = Field(default_factory=list)
    note: str = ""

    @field_validator("id")
    @classmethod
    def _safe_id(cls, value: str) -> str:
        # The id names the case's SQL file and, for a bare query, the migrated object.
        if not _ID.match(value):
            raise ValueError("must be letters, digits and _ (not starting with a digit), "
                             "because it names the case's SQL file and object")
        return value


class SuiteSpec(_Strict):
    name: str
    description: str = ""
    source_dialect: str
    targets: list[str] = Field(default_factory=list)
    """Target engines the cases were written for (documentation; any target may be run)."""
    verified: bool = False
    """True once every case was run and seen to differ under the plain-sqlglot baseline."""
    portable: bool = False
    """True when the cases may be transpiled (sqlglot) to run on another source engine."""
    setup: list[str | SetupFile] = Field(default_factory=list)
    setup_csv: dict[str, str | CsvFile] = Field(default_factory=dict)
    cases: list[CaseSpec]


class Case(BaseModel):
    """One migration case, resolved: its SQL text is loaded."""

    id: str
    sql: str
    ordered: bool = False
    tags: list[str] = Field(default_factory=list)
    note: str = ""


class Suite(BaseModel):
    """A loaded suite: setup and data as absolute paths, cases with their SQL."""

    name: str
    description: str = ""
    source_dialect: str
    targets: list[str] = Field(default_factory=list)
    verified: bool = False
    portable: bool = False
    setup: list[SetupFile] = Field(default_factory=list)
    setup_csv: dict[str, CsvFile] = Field(default_factory=dict)
    cases: list[Case]
    path: str | None = None
    """The manifest file (None for generated suites such as tpch)."""
    generated: dict[str, Any] = Field(default_factory=dict)
    """Generated suites: what made them (generator, scale factor)."""

    def select(self, ids: list[str] | None) -> Suite:
        if not ids:
            return self
        unknown = sorted(set(ids) - {c.id for c in self.cases})
        if unknown:
            raise ManifestError(f"suite {self.name!r} has no case {', '.join(unknown)}; "
                                f"`cutover eval list` shows the suites")
        return self.model_copy(update={"cases": [c for c in self.cases if c.id in ids]})


def find_manifest(folder: Path) -> Path | None:
    return next((folder / n for n in MANIFEST_NAMES if (folder / n).is_file()), None)


def load_manifest(path: Path) -> Suite:
    """Read and validate a manifest file (or a folder holding manifest.yaml)."""
    if path.is_dir():
        found = find_manifest(path)
        if found is None:
            raise ManifestError(f"{path} holds no {' / '.join(MANIFEST_NAMES)}; a suite folder "
                                f"needs one (see evals/suites/traps-sqlite/manifest.yaml)")
        path = found
    if not path.is_file():
        raise ManifestError(f"suite manifest not found: {path}")
    spec = _parse(path)
    base = path.parent
    dialect = _check_dialect(path, spec.source_dialect)
    setup = [_setup_entry(path, base, s) for s in spec.setup]
    csvs = {}
    for table, entry in spec.setup_csv.items():
        entry = entry if isinstance(entry, CsvFile) else CsvFile(path=entry)
        csvs[table] = entry.model_copy(update={
            "path": str(_existing(path, base, entry.path, f"setup_csv.{table}"))})
    seen: set[str] = set()
    cases = []
    for case in spec.cases:
        if case.id.lower() in seen:
            raise ManifestError(f"{path}: case id {case.id!r} appears twice; ids must be unique")
        seen.add(case.id.lower())
        cases.append(_case(path, base, case, dialect))
    return Suite(name=spec.name, description=spec.description, source_dialect=dialect,
                 targets=spec.targets, verified=spec.verified, portable=spec.portable,
                 setup=setup, setup_csv=csvs,
                 cases=cases, path=str(path))


def _parse(path: Path) -> SuiteSpec:
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        raise ManifestError(f"{path}: not valid YAML: {exc}") from None
    if not isinstance(raw, dict):
        raise ManifestError(f"{path}: the top level must be a mapping with name, "
                            f"source_dialect and cases")
    try:
        return SuiteSpec.model_validate(raw)
    except ValidationError as exc:
        raise ManifestError(f"{path}: " + "; ".join(_explain(raw, e) for e in exc.errors())) \
            from None


def _explain(raw: dict[str, Any], err: Any) -> str:
    loc = list(err["loc"])
    where = ".".join(str(p) for p in loc)
    if len(loc) >= 2 and loc[0] == "cases" and isinstance(loc[1], int):
        cases = raw.get("cases") or []
        case_id = cases[loc[1]].get("id") if loc[1] < len(cases) and \
            isinstance(cases[loc[1]], dict) else None
        where = f"case {case_id or '#' + str(loc[1] + 1)!s}" + \
            ("." + ".".join(str(p) for p in loc[2:]) if loc[2:] else "")
    if err["type"] == "extra_forbidden":
        return f"{where}: unknown key; remove it or check the spelling"
    if err["type"] == "missing":
        return f"{where}: required; add it"
    return f"{where}: {err['msg']} (got {err.get('input')!r})"


def _check_dialect(path: Path, name: str) -> str:
    try:
        sqlglot.Dialect.get_or_raise(name)
    except ValueError:
        raise ManifestError(f"{path}: source_dialect {name!r} is not a sqlglot dialect "
                            f"(e.g. postgres, mysql, sqlite, duckdb)") from None
    return name


def _existing(path: Path, base: Path, rel: str, key: str) -> Path:
    target = (base / rel).resolve()
    if not target.is_file():
        raise ManifestError(f"{path}: {key} names {rel!r}, but {target} does not exist; paths "
                            f"are relative to the manifest's folder")
    return target


def _setup_entry(path: Path, base: Path, entry: str | SetupFile) -> SetupFile:
    spec = entry if isinstance(entry, SetupFile) else SetupFile(file=entry)
    return spec.model_copy(update={"file": str(_existing(path, base, spec.file, "setup"))})


def _pick(path: Path, case: CaseSpec, text: str, dialect: str) -> str:
    for stmt in split_script(text, mysql=dialect == "mysql"):
        if statement_kind(stmt.sql) in ("view", None) and _creates(stmt.sql, case.object or ""):
            return stmt.sql
    raise ManifestError(f"{path}: case {case.id!r}: {case.file} has no CREATE VIEW/TABLE "
                        f"statement for {case.object!r}")


def _creates(sql: str, name: str) -> bool:
    pattern = (r"^\s*(?:--[^\n]*\n\s*)*CREATE\s[^;]*?\b(?:VIEW|TABLE)\s+(?:IF\s+NOT\s+EXISTS\s+)?"
               r"[`\"]?" + re.escape(name) + r"[`\"]?\s")
    return re.match(pattern, sql, re.IGNORECASE) is not None


def _case(path: Path, base: Path, case: CaseSpec, dialect: str) -> Case:
    if (case.sql is None) == (case.file is None):
        raise ManifestError(f"{path}: case {case.id!r} needs exactly one of `sql:` (the "
                            f"query) or `file:` (a path to it)")
    if case.sql is not None:
        sql = case.sql
    else:
        text = read_script(_existing(path, base, case.file or "", f"case {case.id} file"))
        sql = text if case.object is None else _pick(path, case, text, dialect)
    sql = sql.strip().rstrip(";").strip()
    if not sql:
        raise ManifestError(f"{path}: case {case.id!r} has empty SQL")
    try:
        tree = sqlglot.parse_one(sql, read=dialect)
    except SqlglotError as exc:
        first = str(exc).splitlines()[0]
        raise ManifestError(f"{path}: case {case.id!r} does not parse as {dialect}: {first}. "
                            f"Fix the SQL or the suite's source_dialect") from None
    if case.ordered and tree.args.get("order") is None:
        raise ManifestError(f"{path}: case {case.id!r} says ordered: true but its query has "
                            f"no ORDER BY; rows are compared by position only under one")
    return Case(id=case.id, sql=sql, ordered=case.ordered, tags=case.tags, note=case.note)
