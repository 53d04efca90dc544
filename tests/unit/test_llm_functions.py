"""Which function a target refused, read from each engine's own error text, and which of the
target's documented functions may serve in its place (agents/llm_functions.py)."""

from __future__ import annotations

import duckdb
import pytest

from agents import llm_functions


def _attempt(error: str | None) -> dict:
    return {"compile": None if error is None else {"ok": False, "error": error}}


@pytest.mark.parametrize(("error", "name"), [
    ('Catalog Error: Scalar Function with name field does not exist!\nDid you mean "filter"?',
     "field"),
    ("Binder Error: No function matches the given name and argument types 'chr(BIGINT)'.",
     "chr"),
    ("function makedate(integer, integer) does not exist", "makedate"),
    ("(1305, 'FUNCTION cutover.list_position does not exist')", "list_position"),
    ("no such function: GREATEST", "greatest"),
    ("Code: 46. DB::Exception: Unknown function ELT. Maybe you meant: ['exp']", "elt"),
])
def test_the_refused_function_is_read_from_each_engines_message(error, name):
    assert llm_functions.missing_functions([_attempt(error)]) == [name]


def test_refused_functions_are_gathered_once_across_attempts():
    attempts = [_attempt("Scalar Function with name mid does not exist!"), _attempt(None),
                _attempt("Scalar Function with name MID does not exist!"),
                _attempt("Scalar Function with name elt does not exist!"),
                _attempt("Parser Error: syntax error at or near ')'")]
    assert llm_functions.missing_functions(attempts) == ["mid", "elt"]


def _duckdb_catalog() -> tuple[tuple[str, str, str], ...]:
    rows = duckdb.connect().sql(
        "SELECT function_name, CAST(parameters AS VARCHAR), description FROM "
        "duckdb_functions() WHERE description IS NOT NULL").fetchall()
    return tuple((n, p, d) for n, p, d in rows)


def test_a_function_the_documentation_names_comes_first():
    doc = ("Syntax\n------\n\nMID(str,pos,len)\n\nDescription\n-----------\n\n"
           "MID(str,pos,len) is a synonym for SUBSTRING(str,pos,len).")
    picked = llm_functions.candidates(_duckdb_catalog(), "mid", doc)
    assert picked[0].startswith("substring(")
    assert len(picked) <= 3


def test_candidates_match_what_the_documentation_says():
    doc = ("Description\n-----------\n\nReturns the index position where the given pattern "
           "occurs in a string list.")
    names = [c.split("(")[0] for c in llm_functions.candidates(_duckdb_catalog(), "x", doc)]
    assert {"list_position", "list_indexof", "array_indexof", "bit_position"} & set(names)


def test_help_text_is_trimmed_of_underlines_and_cut_at_a_line():
    doc = "Syntax\n------\n\nF(x)\n\n\n\nDescription\n-----------\n\n" + "word " * 30 + "\n"
    text = llm_functions._trim(doc * 10)
    assert "------" not in text and "\n\n\n" not in text
    assert len(text) <= llm_functions._DOC_CHARS + 4 and text.endswith("...")
