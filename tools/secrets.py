"""Redaction of secrets. Everything that leaves the process (logs, traces, reports, spec.json)
passes through `redact` so that passwords and API keys never reach disk."""

from __future__ import annotations

import re
from typing import Any

# Every pattern runs in linear time on any input (a 20 MB LLM reply, a 128 KB hex value): each
# quantifier is bounded or possessive, so no start position rescans what another one read.
# scheme://user:password@host -> scheme://user:***@host (the scheme starts at a word boundary
# and is at most 32 characters; user and password stop at "/" as a URL's authority does, so no
# character is read by two attempts; longer "secrets" are data, and
# a registered literal secret is masked whatever its length)
_URL_PASSWORD = re.compile(
    r"(?P<pre>\b[a-zA-Z][a-zA-Z0-9+.\-]{0,31}+://[^:/@\s]{0,256}+:)(?P<pw>[^@\s/?#]{1,1024}+)"
    r"(?P<post>@)"
)
# key=value pairs commonly used in DSNs and query strings
_KV_SECRET = re.compile(
    r"(?P<key>\b(?:password|passwd|pwd|api[_-]?key|token|secret)\b\s{0,16}+[=:]\s{0,16}+)"
    r"(?P<val>[^\s&;,'\"]++)",
    re.IGNORECASE,
)
# OpenAI-style keys that may show up in error texts
_BEARER = re.compile(r"\bsk-[A-Za-z0-9_\-]{8,}+")

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
