"""Layers import downward only, checked over the source tree with the AST (no imports run).

From the top: cutover (the CLI) → evals → graph's wiring (builder, run, config) → agents →
the run's typed state and settings (graph/state.py, graph/context.py, and the pure routers in
graph/routing.py, which read only state) → prompts → tools → tools/records.py at the bottom.
A module may import its own layer or any layer below it. Agent nodes never import each other
(they talk through state); agents' helpers (llm, llm_tasks, object_progress,
source_translation) are shared.

Imports inside functions count too: a lazy import is still a dependency.
"""

from __future__ import annotations

import ast
from functools import cache
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PACKAGES = ("cutover", "evals", "graph", "agents", "prompts", "tools")

# (module prefix, rank): the longest matching prefix decides; higher ranks sit above lower.
LAYERS = (
    ("tools.records", 0),
    ("tools", 1),
    ("prompts", 2),
    ("graph.state", 3),
    ("graph.context", 3),
    ("graph.routing", 3),
    ("agents", 4),
    ("graph", 5),
    ("evals", 6),
    ("cutover", 7),
)
AGENT_NODES = ("planner", "loader", "translator", "compiler_checker", "data_differ", "fixer",
               "reporter")

# Violations that live in graph/ and agents/ code, which the `spine` branch (issue #10) is
# rewriting; it removes them. After merging it, the lead deletes the entries here —
# test_known_exceptions_still_exist fails to say which ones have gone.
KNOWN_EXCEPTIONS = {
    # Attempt.diff is annotated with the differ's DiffReport under TYPE_CHECKING only (no
    # runtime import); moving the DiffReport model into tools/records.py removes this entry.
    ("tools.records", "tools.diff.report"),
}


def rank(module: str) -> int | None:
    best: tuple[int, int] | None = None
    for prefix, layer in LAYERS:
        if module == prefix or module.startswith(prefix + "."):
            if best is None or len(prefix) > best[0]:
                best = (len(prefix), layer)
    return None if best is None else best[1]


def module_name(path: Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _is_module(dotted: str) -> bool:
    base = ROOT.joinpath(*dotted.split("."))
    return base.with_suffix(".py").is_file() or (base / "__init__.py").is_file()


def imported_modules(path: Path, importer: str) -> set[str]:
    """Project modules `path` imports; `from pkg import mod` counts as pkg.mod."""
    found: set[str] = set()
    package = importer if path.name == "__init__.py" else importer.rpartition(".")[0]
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join([*anchor, base] if base else anchor)
            for alias in node.names:
                full = f"{base}.{alias.name}"
                found.add(full if _is_module(full) else base)
    return {m for m in found if m.split(".")[0] in PACKAGES}


@cache
def all_imports() -> list[tuple[str, str]]:
    edges = []
    for package in PACKAGES:
        for path in sorted((ROOT / package).rglob("*.py")):
            importer = module_name(path)
            edges.extend((importer, target) for target in sorted(imported_modules(path, importer)))
    return edges


def violations(edges: list[tuple[str, str]]) -> list[tuple[str, str, str]]:
    found = []
    for importer, target in edges:
        low, high = rank(importer), rank(target)
        if low is None or high is None:
            continue
        if high > low:
            found.append((importer, target, "imports a higher layer"))
        elif _node(importer) and _node(target) and importer != target:
            found.append((importer, target, "an agent imports another agent"))
    return found


def _node(module: str) -> bool:
    head, _, name = module.partition(".")
    return head == "agents" and name.split(".")[0] in AGENT_NODES


def _known(importer: str, target: str) -> bool:
    return any(importer == i and (target == t or target.startswith(t + "."))
               for i, t in KNOWN_EXCEPTIONS)


def test_no_import_runs_upward() -> None:
    bad = [v for v in violations(all_imports()) if not _known(v[0], v[1])]
    assert not bad, "imports against the layers (see this file's docstring):\n" + "\n".join(
        f"  {importer} -> {target}: {why}" for importer, target, why in bad)


def test_known_exceptions_still_exist() -> None:
    found = {(i, t) for i, t, _ in violations(all_imports())}
    gone = [e for e in sorted(KNOWN_EXCEPTIONS)
            if not any(i == e[0] and (t == e[1] or t.startswith(e[1] + ".")) for i, t in found)]
    assert not gone, f"fixed: delete these from KNOWN_EXCEPTIONS: {gone}"


@pytest.mark.parametrize(("importer", "target", "why"), [
    ("tools.diff.run", "graph.state", "imports a higher layer"),
    ("tools.records", "tools.db.base", "imports a higher layer"),
    ("evals.runner", "cutover.config", "imports a higher layer"),
    ("agents.fixer", "agents.translator", "an agent imports another agent"),
    ("graph.routing", "agents.llm", "imports a higher layer"),
])
def test_the_check_catches(importer: str, target: str, why: str) -> None:
    assert violations([(importer, target)]) == [(importer, target, why)]


@pytest.mark.parametrize(("importer", "target"), [
    ("cutover.cli", "graph.run"), ("evals.runner", "graph.run"), ("graph.builder", "agents.fixer"),
    ("agents.fixer", "agents.llm_tasks"), ("agents.fixer", "graph.state"),
    ("tools.diff.run", "tools.records"), ("agents.llm", "prompts.loader"),
])
def test_the_check_allows(importer: str, target: str) -> None:
    assert violations([(importer, target)]) == []


def test_from_package_imports_are_resolved() -> None:
    path = ROOT / "agents" / "fixer.py"
    assert "agents.llm_tasks" in imported_modules(path, "agents.fixer")
