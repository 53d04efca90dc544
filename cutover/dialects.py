"""Dialect names checked before any work, with a "did you mean" for a typo."""

from __future__ import annotations

import difflib

from tools.errors import ConfigError


def known_dialects() -> list[str]:
    from sqlglot.dialects.dialect import Dialects

    return sorted(d.value for d in Dialects if d.value)


def check_dialect(name: str, where: str) -> str:
    """Return `name` if sqlglot knows it; else a ConfigError naming the closest one."""
    known = known_dialects()
    if name in known:
        return name
    close = difflib.get_close_matches(name.lower(), known, n=1, cutoff=0.6)
    hint = f"did you mean {close[0]}?" if close else f"known dialects: {', '.join(known)}"
    raise ConfigError(f"{where}: unknown SQL dialect {name!r}; {hint}")
