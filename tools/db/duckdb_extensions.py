"""DuckDB extensions from their PyPI wheels (`duckdb-extension-<name>`, same version as duckdb).

DuckDB would download an extension on first use; there is no network here, so every extension
cutover loads (tpch, tpcds, postgres_scanner) is a pinned package and loaded from its file.
"""

from __future__ import annotations

import importlib.util
from pathlib import Path

from tools.errors import ConfigError


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
