"""DuckDB extensions from their PyPI wheels (`duckdb-extension-<name>`, same version as duckdb).

DuckDB would download an extension on first use; there is no network here, so every extension
cutover loads (tpch, tpcds, postgres_scanner, mysql, sqlite) is a pinned package and loaded
from its file.
"""

from __future__ import annotations

import importlib.util
import os
import tempfile
from pathlib import Path

from tools.errors import ConfigError

# DuckDB finds an extension's entry point from the file's name (`<name>_duckdb_cpp_init`).
# Two wheels ship the binary under a short name whose entry point is the long one: LOAD needs
# a file named after the entry point, so those are linked under it (see loadable_path).
ENTRY_NAMES = {"mysql": "mysql_scanner", "sqlite": "sqlite_scanner"}


def extension_path(name: str) -> Path:
    """The extension binary shipped in the `duckdb-extension-<name>` wheel."""
    import duckdb

    spec = importlib.util.find_spec(f"duckdb_extension_{name}")
    locations = list(spec.submodule_search_locations or []) if spec else []
    for base in locations:
        path = Path(base) / "extensions" / f"v{duckdb.__version__}" / f"{name}.duckdb_extension"
        if path.is_file():
            return path
    package = f"duckdb-extension-{name.replace('_', '-')}=={duckdb.__version__}"
    raise ConfigError(f"DuckDB's {name} extension is not installed for duckdb "
                      f"{duckdb.__version__}: pip install {package} into the project's venv "
                      f"(DuckDB cannot download extensions offline)")


def loadable_path(name: str) -> Path:
    """A path `LOAD` accepts for the extension: the wheel's own file, or a symlink to it named
    after its entry point (kept in a per-user temp folder, never in site-packages)."""
    path = extension_path(name)
    entry = ENTRY_NAMES.get(name)
    if entry is None:
        return path
    import duckdb

    folder = Path(tempfile.gettempdir()) / f"cutover-duckdb-ext-{os.getuid()}-{duckdb.__version__}"
    folder.mkdir(mode=0o700, exist_ok=True)
    link = folder / f"{entry}.duckdb_extension"
    if not (link.is_symlink() and link.resolve() == path.resolve()):
        staged = folder / f".{entry}.{os.getpid()}"
        staged.unlink(missing_ok=True)
        staged.symlink_to(path)
        staged.replace(link)  # atomic: a concurrent diff never sees a half-made link
    return link
