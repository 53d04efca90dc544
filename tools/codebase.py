"""Read a SQL codebase: find its files and cut them into migratable objects."""

from __future__ import annotations

import fnmatch
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from tools import sql as sqltools
from tools.errors import CutoverError, ParseFailed, PlanError
from tools.records import Verdict
from tools.source_text import read_sql_text

if TYPE_CHECKING:
    from sqlglot import exp
    from sqlglot.tokens import Token


@dataclass
class FoundObject:
    """One statement of the codebase, classified (or the reason it cannot be)."""

    name: str
    kind: str
    file: str
    line: int
    source_sql: str
    select_sql: str = ""
    insert_into: str | None = None
    reads: list[str] = field(default_factory=list)
    ordered: bool = False
    order_by: list[str] = field(default_factory=list)
    comment: str = ""
    problem: str | None = None
    problem_verdict: str | None = None
    select_tree: exp.Query | None = field(default=None, compare=False, repr=False)
    """The query's tree from the one parse of its statement: the planner inlines these
    instead of parsing every view again for each object that reads it. Never checkpointed
    (ObjectSpec carries text)."""


def find_files(project_dir: Path, patterns: list[str], exclude: list[str]) -> list[Path]:
    found: set[Path] = set()
    for pattern in patterns:
        found.update(p for p in project_dir.glob(pattern) if p.is_file())
    excluded: set[Path] = set()
    for pattern in exclude:
        excluded.update(project_dir.glob(pattern))
    # runs/ and data/ hold Cutover's own output: never treat them as codebase.
    skip = {project_dir / "runs", project_dir / "data"}
    return sorted(p for p in found - excluded if not any(s in p.parents for s in skip))


def read_objects(project_dir: Path, files: list[Path], dialect: str,
                 encoding: str = "utf-8") -> list[FoundObject]:
    """Every statement of every file as an object; a file or statement that cannot be read
    becomes one object with the reason and its position, and the rest goes on."""
    objects: list[FoundObject] = []
    taken: set[str] = set()
    for path in files:
        rel = str(path.relative_to(project_dir))
        source = read_sql_text(path, rel, encoding)
        if source.text is None:
            objects.append(FoundObject(_unique(path.stem.lower(), taken), "query", rel, 1, "",
                                       problem=source.problem,
                                       problem_verdict=Verdict.UNSUPPORTED.value))
            continue
        statements = sqltools.split_statements(source.text, dialect, rel)
        for index, stmt in enumerate(statements, start=1):
            objects.append(_object(stmt, rel, path.stem, index, dialect, taken))
    return objects


def catalog_objects(definitions: dict[str, str], dialect: str,
                    found: list[FoundObject]) -> list[FoundObject]:
    """Views read from the source's catalog ([source] include = ["views"]) as objects, each
    at `catalog:<name>`; a view the codebase itself creates is the codebase's."""
    taken = {o.name for o in found}
    out: list[FoundObject] = []
    for name, text in sorted(definitions.items()):
        if name.lower() in taken:
            continue
        rel = f"catalog:{name}"
        try:
            statements = sqltools.split_statements(text, dialect, rel)
        except CutoverError as exc:
            out.append(FoundObject(_unique(name.lower(), taken), "view", rel, 1, text,
                                   problem=str(exc), problem_verdict=_problem_verdict(exc)))
            continue
        for index, stmt in enumerate(statements, start=1):
            out.append(_object(stmt, rel, name, index, dialect, taken))
    return out


def _object(stmt: sqltools.Statement, rel: str, stem: str, index: int, dialect: str,
            taken: set[str]) -> FoundObject:
    where = f"{rel}:{stmt.line}"
    if stmt.problem:
        name = _unique((stem if index == 1 else f"{stem}_{index}").lower(), taken)
        return FoundObject(name, "query", rel, stmt.line, stmt.sql[:2000], problem=stmt.problem,
                           problem_verdict=Verdict.UNSUPPORTED.value)
    try:
        tree = sqltools.parse(stmt.sql, dialect, where, stmt.tokens)
        shape = sqltools.classify(tree, where)
    except CutoverError as exc:
        name = _unique(stem if index == 1 else f"{stem}_{index}", taken)
        return FoundObject(name, "query", rel, stmt.line, stmt.sql, problem=str(exc),
                           problem_verdict=_problem_verdict(exc))
    try:
        base = shape.name or (f"insert_{shape.insert_into}" if shape.insert_into else stem)
        return FoundObject(
            name=_unique(base.lower(), taken), kind=shape.kind, file=rel, line=stmt.line,
            source_sql=stmt.sql,
            select_sql=_as_written(stmt.sql, shape.select, dialect, stmt.tokens),
            insert_into=shape.insert_into, reads=sqltools.tables_read(shape.select),
            ordered=sqltools.has_order_by(shape.select),
            order_by=sqltools.order_columns(shape.select), comment=stmt.comment,
            select_tree=shape.select,
        )
    except RecursionError:  # rendering a tree that parsed can still nest too deeply
        name = _unique((stem if index == 1 else f"{stem}_{index}").lower(), taken)
        return FoundObject(name, "query", rel, stmt.line, stmt.sql, problem=(
            f"{where}: the statement nests deeper than the parser can follow (Python's "
            f"recursion limit); flatten it or leave it out with [project] exclude"),
            problem_verdict=Verdict.UNSUPPORTED.value)


def _as_written(statement: str, select: exp.Expr, dialect: str,
                tokens: list[Token] | None = None) -> str:
    """The query as the author wrote it when it can be cut out of the statement and re-parses
    to the same tree; otherwise sqlglot's rendering of it. `tokens` are the statement's own:
    the query part is then parsed from them, not tokenized again."""
    found = sqltools.query_start(statement, dialect, tokens)
    if found:
        all_tokens, start = found
        text = statement[start.start:].strip()
        if start is all_tokens[0] and select.parent is None:
            return text  # the statement is the query itself: the same tree by construction
        rest = all_tokens[all_tokens.index(start):]
        try:
            if sqltools.parse(text, dialect, "", sqltools.copy_tokens(rest)) == select:
                return text
        except CutoverError:
            pass
    return select.sql(dialect=dialect)


def _unique(name: str, taken: set[str]) -> str:
    candidate, n = name, 2
    while candidate in taken:
        candidate, n = f"{name}_{n}", n + 1
    taken.add(candidate)
    return candidate


def _problem_verdict(exc: CutoverError) -> str:
    """A SQL syntax error is the user's to fix (parse_error, with file:line:col); anything
    else the planner cannot carry is unsupported."""
    verdict = Verdict.PARSE_ERROR if isinstance(exc, ParseFailed) else Verdict.UNSUPPORTED
    return verdict.value


def select_objects(found: list[FoundObject], patterns: list[str]) -> list[FoundObject]:
    """`--select`: the objects whose name matches a pattern (glob, any case), and the codebase
    objects they read, directly or through others (they must be built for the selected ones to
    run). Raises PlanError naming what exists when nothing matches."""
    by_name = {o.name.lower(): o for o in found}
    chosen = [o for o in found
              if any(fnmatch.fnmatchcase(o.name.lower(), p.lower()) for p in patterns)]
    if not chosen:
        shown = ", ".join(sorted(by_name)[:20]) + (" …" if len(by_name) > 20 else "")
        raise PlanError(f"--select {' '.join(patterns)} matches no object; the codebase has: "
                        f"{shown}")
    keep = {o.name.lower() for o in chosen}
    def needs(obj: FoundObject) -> list[str]:
        return [*obj.reads, *([obj.insert_into] if obj.insert_into else [])]

    stack = [t for o in chosen for t in needs(o)]
    while stack:
        name = stack.pop().lower()
        if name in by_name and name not in keep:
            keep.add(name)
            stack.extend(needs(by_name[name]))
    return [o for o in found if o.name.lower() in keep]
