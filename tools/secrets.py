"""Redaction of secrets. Everything that leaves the process (logs, traces, reports, spec.json)
passes through `redact` so that passwords and API keys never reach disk."""

from __future__ import annotations

import re
from typing import Any

# scheme://user:password@host -> scheme://user:***@host
_URL_PASSWORD = re.compile(r"(?P<pre>[a-zA-Z][a-zA-Z0-9+.\-]*://[^:/@\s]*:)(?P<pw>[^@\s]+)(?P<post>@)")
# key=value pairs commonly used in DSNs and query strings
_KV_SECRET = re.compile(
    r"(?P<key>\b(?:password|passwd|pwd|api[_-]?key|token|secret)\b\s*[=:]\s*)(?P<val>[^\s&;,'\"]+)",
    re.IGNORECASE,
)
# OpenAI-style keys that may show up in error texts
_BEARER = re.compile(r"\b(sk-[A-Za-z0-9_\-]{8,})\b")

MASK = "***"


class Redactor:
    """Masks URL passwords, key=value secrets and any literal secret registered at run start."""

    # Literal masking needs a secret long enough not to be an ordinary word: a password like
    # "cutover" would otherwise mask every mention of the tool. Shorter secrets are still
    # masked where they stand as secrets (URL passwords, password=…).
    MIN_LITERAL = 8

    def __init__(self, literals: list[str] | None = None) -> None:
        self._literals: list[str] = []
        for secret in literals or []:
            self.add(secret)

    def add(self, secret: str | None) -> None:
        if secret and len(secret) >= self.MIN_LITERAL and secret not in self._literals:
            self._literals.append(secret)

    def text(self, value: str) -> str:
        out = _URL_PASSWORD.sub(lambda m: m["pre"] + MASK + m["post"], value)
        out = _KV_SECRET.sub(lambda m: m["key"] + MASK, out)
        out = _BEARER.sub(MASK, out)
        for secret in self._literals:
            out = out.replace(secret, MASK)
        return out

    def data(self, value: Any) -> Any:
        """Redact every string inside nested dicts/lists."""
        if isinstance(value, str):
            return self.text(value)
        if isinstance(value, dict):
            return {k: self.data(v) for k, v in value.items()}
        if isinstance(value, (list, tuple)):
            return [self.data(v) for v in value]
        return value


def redact(value: str) -> str:
    """Redact with the generic patterns only (no run-specific literals)."""
    return Redactor().text(value)
