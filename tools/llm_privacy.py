"""What of the user's data may reach an LLM: one policy, applied to every path out.

Modes ([llm] privacy):
- normal: values are shown (capped by rows_cap);
- mask: every value becomes a placeholder that keeps its type and NULL-ness ("<text:5>",
  "<int>", NULL stays NULL), so a model can still reason about types and missing values;
- strict: no value at all; free text that may quote values (runtime errors, diagnosis lines,
  diff summaries) is rebuilt from counts, column names and causes only.
Per column ([llm.columns] "customers.email" = "never"): no value of that column leaves, in any
mode — the column's cells become "<withheld>".

Free text from the differ or an engine is scrubbed by `scrub_text`: quoted literals and long
numbers that do not occur in the SQL the model already has are replaced, so an error message
like "could not convert 'alice@example.com'" cannot smuggle a value out.
"""

from __future__ import annotations

import datetime as dt
import decimal
import re
from dataclasses import dataclass, field
from typing import Any

WITHHELD = "<withheld>"
_QUOTED = re.compile(r"'(?:[^']|'')*'|\"(?:[^\"])*\"")
_NUMBER = re.compile(r"(?<![\w.])-?\d[\d_]*(?:\.\d+)?(?:[eE][-+]?\d+)?(?![\w.])")
_SHORT_NUMBER = 3
"""Numbers of fewer digits than this stay (line numbers, counts of columns, small constants)."""


@dataclass(frozen=True)
class PrivacyPolicy:
    """The run's privacy mode plus the per-column "never" list."""

    mode: str = "normal"
    never: frozenset[str] = field(default_factory=frozenset)
    """Lower-case "table.column" or bare "column" names whose values never leave."""

    @classmethod
    def from_settings(cls, mode: str, columns: dict[str, str]) -> PrivacyPolicy:
        return cls(mode=mode, never=frozenset(k.lower() for k, v in columns.items()
                                               if v == "never"))

    @property
    def shows_values(self) -> bool:
        return self.mode != "strict"

    def withholds(self, column: str, table: str | None = None) -> bool:
        """True when this column's values must never leave (by bare or qualified name)."""
        name = column.lower()
        if name in self.never:
            return True
        if table is not None and f"{table.lower()}.{name}" in self.never:
            return True
        # A result column named like a never-column of any table is withheld too: after a
        # join or an alias the table is no longer known, and leaking is worse than hiding.
        return any(entry.rsplit(".", 1)[-1] == name for entry in self.never)

    def value(self, column: str, value: Any, table: str | None = None) -> Any:
        """The value as the model may see it (the caller still skips everything in strict)."""
        if self.withholds(column, table):
            return WITHHELD
        if self.mode == "mask":
            return placeholder(value)
        return value

    def for_query(self, sql: str, dialect: str) -> PrivacyPolicy:
        """The policy for one query's result: strict when the query reads a never-column under
        any alias or expression (a renamed column would otherwise slip past the name check)."""
        if not self.never or self.mode == "strict":
            return self
        import sqlglot
        from sqlglot import exp

        try:
            tree = sqlglot.parse_one(sql, read=dialect)
        except Exception:  # unparseable here means the guard refuses it anyway; be safe
            return PrivacyPolicy(mode="strict", never=self.never)
        touched = {c.name.lower() for c in tree.find_all(exp.Column)}
        if any(entry.rsplit(".", 1)[-1] in touched for entry in self.never):
            return PrivacyPolicy(mode="strict", never=self.never)
        return self

    def scrub(self, text: str | None, known_sql: str = "") -> str:
        """Free text with data values removed when the mode or a never-column asks for it."""
        if not text:
            return text or ""
        if self.mode == "normal" and not self.never:
            return text
        return scrub_text(text, known_sql)


def placeholder(value: Any) -> Any:
    """A stand-in that keeps type and NULL-ness but no content."""
    if value is None or isinstance(value, bool):
        return value
    if isinstance(value, int):
        return "<int>"
    if isinstance(value, (float, decimal.Decimal)):
        return "<number>"
    if isinstance(value, dt.datetime):
        return "<timestamp>"
    if isinstance(value, dt.date):
        return "<date>"
    if isinstance(value, dt.time):
        return "<time>"
    if isinstance(value, (bytes, bytearray)):
        return f"<bytes:{len(value)}>"
    if isinstance(value, str):
        return f"<text:{len(value)}>"
    return f"<{type(value).__name__}>"


def scrub_text(text: str, known_sql: str = "") -> str:
    """Replace quoted literals and numbers of 3+ digits that the SQL does not itself contain."""
    known = known_sql or ""

    def quoted(match: re.Match[str]) -> str:
        return match[0] if match[0] in known else "'<value>'"

    def number(match: re.Match[str]) -> str:
        digits = sum(ch.isdigit() for ch in match[0])
        return match[0] if digits < _SHORT_NUMBER or match[0] in known else "<n>"

    return _NUMBER.sub(number, _QUOTED.sub(quoted, text))


__all__ = ["WITHHELD", "PrivacyPolicy", "placeholder", "scrub_text"]
