"""What a function the target lacks means, read from the engines' own catalogs, for the LLM.

A translation that calls a source function the target does not have (MySQL's FIELD, ELT or
MAKEDATE on DuckDB) fails to compile, and no rule covers it. A small model that only sees
"Scalar Function with name field does not exist" guesses; shown the source engine's own
documentation of the function (MariaDB's `mysql.help_topic`, PostgreSQL's `pg_description`,
DuckDB's `duckdb_functions()`) and the target's functions whose documentation says the same
thing (`list_position` for FIELD), it can write the counterpart.

Documentation is catalog text, never a data value: safe in every privacy mode. Lookups that
fail (no help tables, an engine without descriptions) cost the note, not the run.
"""

from __future__ import annotations

import difflib
import math
import re
from collections import Counter
from functools import lru_cache
from typing import Any

from graph.context import Context
from tools.errors import CutoverError
from tools.records import Attempt

# The name of the function the target does not know (or cannot bind), per engine's message.
_UNKNOWN = [
    re.compile(r"(?:Scalar|Aggregate|Table) Function with name \"?(\w+)\"? does not exist",
               re.IGNORECASE),
    re.compile(r"No function matches the given name and argument types '(\w+)\(",
               re.IGNORECASE),
    re.compile(r"function (\w+)\([^)]*\) does not exist", re.IGNORECASE),
    re.compile(r"FUNCTION \w+\.(\w+) does not exist", re.IGNORECASE),
    re.compile(r"no such function: (\w+)", re.IGNORECASE),
    re.compile(r"Unknown function (\w+)", re.IGNORECASE),
]
_DOC_CHARS = 700
_CANDIDATES = 3
_OVERLOADS = 4
_WORD = re.compile(r"[a-z]{3,}")
# Words every function description uses: they say nothing about which function is meant.
_COMMON = frozenset(
    "the and for that this with from returns return given value values argument arguments "
    "function functions are not its into which when then than otherwise example examples "
    "syntax description result results type types null nulls number string strings expr "
    "str see also used use using same other each one two all any can will has have".split())


def missing_functions(attempts: list[Attempt]) -> list[str]:
    """Function names the target refused in any attempt's compile error, first seen first."""
    found: list[str] = []
    for attempt in attempts:
        compiled = attempt["compile"]
        if compiled is None or compiled["ok"]:
            continue
        for name in refused_names(compiled["error"] or ""):
            if name not in found:
                found.append(name)
    return found


def refused_names(error: str) -> list[str]:
    """The function names (lower-case) one engine error says the target refused."""
    found: list[str] = []
    for pattern in _UNKNOWN:
        match = pattern.search(error)
        if match and match.group(1).lower() not in found:
            found.append(match.group(1).lower())
    return found


def function_notes(ctx: Context, attempts: list[Attempt]) -> list[dict[str, Any]]:
    """[{name, doc, candidates: ["name(params): description", ...]}] for each function the
    target refused: the source's documentation of it, and the target functions that may
    serve."""
    notes = []
    for name in missing_functions(attempts)[:3]:
        doc = source_doc(ctx, name)
        catalog = target_catalog(ctx)
        picked = candidates(catalog, name, doc)
        if doc or picked:
            notes.append({"name": name.upper(), "doc": doc or "", "candidates": picked})
    return notes


# ------------------------------------------------------------------------------ source docs
def source_doc(ctx: Context, name: str) -> str | None:
    if ctx.connections is None:
        return None
    sql = {
        "mysql": f"SELECT description AS d FROM mysql.help_topic WHERE name = '{name.upper()}'",
        "postgres": "SELECT d.description AS d FROM pg_proc p JOIN pg_description d "
                    f"ON d.objoid = p.oid WHERE p.proname = '{name}' LIMIT 1",
        "duckdb": "SELECT description AS d FROM duckdb_functions() WHERE function_name = "
                  f"'{name}' AND description IS NOT NULL LIMIT 1",
    }.get(ctx.source_dialect)
    if sql is None:
        return None
    try:
        rows = ctx.source().read_arrow(sql, limit=1).to_pylist()
    except CutoverError:
        return None
    if not rows or not rows[0]["d"]:
        return None
    return _trim(str(rows[0]["d"]))


def _trim(doc: str) -> str:
    """The help text without its underlines and blank runs, cut at a line end."""
    lines = [ln.rstrip() for ln in doc.splitlines() if not set(ln.strip()) <= {"-", "+", "="}
             or not ln.strip()]
    text = re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip()
    if len(text) <= _DOC_CHARS:
        return text
    cut = text.rfind("\n", 0, _DOC_CHARS)
    return text[:cut if cut > _DOC_CHARS // 2 else _DOC_CHARS].rstrip() + "\n..."


# ------------------------------------------------------------------------------ target
def target_catalog(ctx: Context) -> tuple[tuple[str, str, str], ...]:
    """(name, parameters, description) of the target's documented functions."""
    if ctx.connections is None:
        return ()
    sql = {
        # parameter types, not names: "bin(BIGINT)" tells a model bin takes a number
        "duckdb": "SELECT function_name AS n, CAST(parameter_types AS VARCHAR) AS p, description "
                  "AS d FROM duckdb_functions() WHERE description IS NOT NULL AND "
                  "function_type IN ('scalar', 'aggregate', 'macro')",
        "postgres": "SELECT p.proname AS n, pg_get_function_identity_arguments(p.oid) AS p, "
                    "d.description AS d FROM pg_proc p JOIN pg_description d ON d.objoid = "
                    "p.oid WHERE p.prokind IN ('f', 'a')",
    }.get(ctx.target_dialect)
    if sql is None:
        return ()
    return _read_catalog(ctx, ctx.target_dialect, sql)


def _read_catalog(ctx: Context, dialect: str, sql: str) -> tuple[tuple[str, str, str], ...]:
    cached = _CATALOGS.get(dialect)
    if cached is not None:
        return cached
    try:
        rows = ctx.target().read_arrow(sql, limit=20_000).to_pylist()
    except CutoverError:
        return ()
    seen: set[tuple[str, str]] = set()
    catalog = []
    for row in rows:
        key = (str(row["n"]), str(row["p"]))
        if key not in seen and not key[0].startswith("__"):
            seen.add(key)
            catalog.append((key[0], key[1].strip("[]").replace("'", ""), str(row["d"])))
    _CATALOGS[dialect] = tuple(catalog)
    return _CATALOGS[dialect]


_CATALOGS: dict[str, tuple[tuple[str, str, str], ...]] = {}
"""A target engine's function catalog, read once per process (it does not change in a run)."""


def target_function_names(ctx: Context) -> frozenset[str]:
    """Every function name the target knows, documented or not (lower-case); empty when the
    engine's catalog cannot be listed, which callers read as "unknown", not "none"."""
    sql = {"duckdb": "SELECT DISTINCT function_name AS n FROM duckdb_functions()",
           "postgres": "SELECT DISTINCT proname AS n FROM pg_proc"}.get(ctx.target_dialect)
    if sql is None or ctx.connections is None:
        return frozenset()
    cached = _NAMES.get(ctx.target_dialect)
    if cached is None:
        try:
            rows = ctx.target().read_arrow(sql, limit=50_000).to_pylist()
        except CutoverError:
            return frozenset()
        cached = _NAMES[ctx.target_dialect] = frozenset(str(r["n"]).lower() for r in rows)
    return cached


_NAMES: dict[str, frozenset[str]] = {}


def candidates(catalog: tuple[tuple[str, str, str], ...], name: str,
                doc: str | None) -> list[str]:
    """The target functions whose name is close to `name` or whose description shares the
    most telling words with the source's documentation (words weighted by rarity)."""
    if not catalog:
        return []
    scores: dict[int, float] = {}
    names = [entry[0].lower() for entry in catalog]
    for close in difflib.get_close_matches(name, sorted(set(names)), n=2, cutoff=0.75):
        for i, entry_name in enumerate(names):
            if entry_name == close:
                scores[i] = scores.get(i, 0.0) + 1.0
    if doc:
        # Functions the documentation names ("a synonym for SUBSTRING") come first.
        for mentioned in re.findall(r"\b([A-Z][A-Z0-9_]{2,})\(", doc):
            for i, entry_name in enumerate(names):
                if entry_name == mentioned.lower() and mentioned.lower() != name:
                    scores[i] = scores.get(i, 0.0) + 10.0
        wanted = _words(_gist(doc))
        described, frequency = _description_words(catalog)
        total = len(catalog)
        for i, words in enumerate(described):
            shared = wanted & words
            if shared:
                weight = sum(math.log(total / frequency[w]) for w in shared)
                scores[i] = scores.get(i, 0.0) + weight / (1.0 + math.log(1 + len(words)))
    picked: list[str] = []
    taken: set[str] = set()
    for i in sorted(scores, key=lambda k: -scores[k]):
        entry_name, _, description = catalog[i]
        if entry_name in taken or entry_name.lower() == name:
            continue
        taken.add(entry_name)
        # every overload's parameters: bin(VARCHAR) alone would hide bin(BIGINT)
        overloads = list(dict.fromkeys(p for n, p, _ in catalog if n == entry_name))
        shown = " | ".join(f"{entry_name}({p})" for p in overloads[:_OVERLOADS])
        picked.append(f"{shown}: {description[:200]}")
        if len(picked) == _CANDIDATES:
            break
    return picked


@lru_cache(maxsize=4)
def _description_words(catalog: tuple[tuple[str, str, str], ...]) \
        -> tuple[list[set[str]], Counter[str]]:
    """Each entry's description words, and in how many descriptions each word appears: the
    catalog does not change in a run, so this is worked out once, not on every fixer round."""
    described = [_words(entry[2]) for entry in catalog]
    return described, Counter(w for words in described for w in words)


def _gist(doc: str) -> str:
    """The documentation's first description paragraph: what the function does, without the
    examples and caveats whose words would match unrelated functions."""
    body = doc.split("Description", 1)[-1]
    body = "\n".join(ln for ln in body.splitlines() if set(ln.strip()) != {"-"}).strip()
    return body.split("\n\n", 1)[0][:400]


def _words(text: str) -> set[str]:
    return {w for w in _WORD.findall(text.lower()) if w not in _COMMON}
