"""RETURN QUERY's run-time type check, judged before a query stands in for a table function:
a bare string literal is text, which a varchar / char result column refuses in PostgreSQL."""

from __future__ import annotations

import pytest

from tools.procedures.inline import Unsupported, inline_query
from tools.procedures.parse import parse_routines


def _routine(columns: str, returned: str):
    (routine,) = parse_routines(
        f"CREATE FUNCTION f(m int) RETURNS TABLE({columns}) LANGUAGE plpgsql AS $$\n"
        f"BEGIN RETURN QUERY SELECT m, {returned}; END $$;")
    return routine


def test_a_text_literal_into_a_varchar_column_is_refused_with_the_reason():
    with pytest.raises(Unsupported, match=r"column 2, declared varchar\(40\).*whenever"):
        inline_query(_routine("n int, label varchar(40)", "'high'"))


@pytest.mark.parametrize(("columns", "returned"), [
    ("n int, label text", "'high'"),                   # text is what the literal is
    ("n int, label varchar(40)", "'high'::varchar"),   # cast: the type the column has
    ("n int, label varchar(40)", "m::text || ''"),     # not a bare literal: left to the proof
])
def test_what_the_check_does_not_refuse(columns, returned):
    assert inline_query(_routine(columns, returned)) is not None
