"""Which suites exist and how a SUITE argument resolves to one.

SUITE is `tpch` / `tpcds` (generated), the name of a folder under evals/suites/ (traps-sqlite,
sakila-mysql, ...), or the path of any folder or manifest file a user brings.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from evals import tpc
from evals.manifest import ManifestError, Suite, find_manifest, load_manifest

SUITES_DIR = Path(__file__).resolve().parent / "suites"


@dataclass(frozen=True)
class SuiteInfo:
    name: str
    where: str
    """'generated' or the manifest path."""
    description: str
    cases: int | None
    source_dialect: str
    error: str | None = None


def bundled_folders() -> list[Path]:
    if not SUITES_DIR.is_dir():
        return []
    return sorted(p for p in SUITES_DIR.iterdir() if p.is_dir() and find_manifest(p))


def resolve(name: str, scale: float = 0.01) -> Suite:
    """The suite a SUITE argument names (loads and validates it)."""
    if name in tpc.GENERATORS:
        return tpc.suite(name, scale)
    bundled = SUITES_DIR / name
    if find_manifest(bundled):
        return load_manifest(bundled)
    path = Path(name)
    if path.exists():
        return load_manifest(path)
    known = ", ".join([*tpc.GENERATORS, *(p.name for p in bundled_folders())])
    raise ManifestError(f"no suite {name!r}: not a built-in ({known}) and no such folder or "
                        f"manifest file; `cutover eval list` shows the suites")


def list_suites() -> list[SuiteInfo]:
    """Every built-in suite; a broken bundled manifest is listed with its error."""
    out = [SuiteInfo(k, "generated", tpc.DESCRIPTIONS[k], {"tpch": 22, "tpcds": 99}[k],
                     "duckdb (portable)") for k in tpc.GENERATORS]
    from evals import procbench  # routines → dbt, its own runner (evals/procbench.py)

    out.append(SuiteInfo(procbench.NAME, str(procbench.CORPUS), procbench.DESCRIPTION, 77,
                         "postgres"))
    for folder in bundled_folders():
        try:
            suite = load_manifest(folder)
        except ManifestError as exc:
            out.append(SuiteInfo(folder.name, str(folder), "", None, "?", error=str(exc)))
            continue
        out.append(SuiteInfo(folder.name, str(suite.path), suite.description, len(suite.cases),
                             suite.source_dialect))
    return out
