"""The PostgreSQL function counterparts through the translator (tools.sql.transpile): what a
template or flag the library cannot carry exactly turns into (a verdict naming the object
and the reason), and what plain sqlglot writes instead. Their data are proven on the real
engines by tests/fixtures/semantics/pg_*.yaml (tests/integration/test_semantics_grid_servers.py)."""

from __future__ import annotations

import duckdb
import pytest

from tools.errors import Unsupported
from tools.sql import transpile

SCHEMA = {"t": {"a": "int", "s": "text", "d": "decimal(12,2)", "x": "float"}}


def _duckdb(sql: str) -> list[tuple]:
    with duckdb.connect() as con:
        con.execute("CREATE TABLE t (a BIGINT, s VARCHAR, d DECIMAL(12,2), x DOUBLE)")
        con.execute("INSERT INTO t VALUES (7, 'Ab', 1.5, 2.5), (NULL, NULL, NULL, NULL)")
        return con.execute(sql).fetchall()


@pytest.mark.parametrize(("sql", "reason"), [
    ("SELECT to_char(a, 'RN') FROM t", "patterns beyond 9 0 . , D G FM S MI PR"),
    ("SELECT to_char(d, 'L999.99') FROM t", "patterns beyond"),
    ("SELECT to_number(s, '999PR') FROM t", "to_number reads PR signs only"),
    ("SELECT format('%-10s|', s) FROM t", "the width or flag in '%-10s'"),
    ("SELECT format(s, a) FROM t", "its template is not a literal"),
    ("SELECT format('%s %s', a) FROM t", "more arguments than it has"),
    ("SELECT format('%s', x) FROM t", "a float's text differs"),
    ("SELECT (regexp_match(s, '(a)|(b)'))[1] FROM t", "a group may not take part"),
    ("SELECT (regexp_match(s, 'a', 'x'))[1] FROM t", "only the 'i' flag"),
    ("SELECT encode(s::bytea, 'base64') FROM t", "only 'hex' is carried"),
])
def test_what_cannot_be_carried_exactly_is_a_verdict_naming_the_object(sql: str,
                                                                       reason: str) -> None:
    with pytest.raises(Unsupported) as caught:
        transpile(sql, "postgres", "duckdb", "report_view", SCHEMA)
    message = str(caught.value)
    assert message.startswith("report_view: ") and reason in message
    assert "\n" not in message


def test_plain_sqlglot_fails_where_the_library_runs_on_duckdb() -> None:
    sql = ("SELECT to_char(d, 'FM999990.00'), num_nonnulls(a, s), quote_literal(s), "
           "overlay(s placing 'X' from 2 for 1), (regexp_match(s, '([a-z])'))[1], "
           "width_bucket(x, 0, 10, 5), format('%s/%L', a, s) FROM t ORDER BY a NULLS LAST")
    with pytest.raises(duckdb.Error):
        _duckdb(transpile(sql, "postgres", "duckdb", "q", SCHEMA, semantics=False))
    first, missing = _duckdb(transpile(sql, "postgres", "duckdb", "q", SCHEMA))
    # PostgreSQL 15 answers (probed): 1.50, 2, 'Ab', 'AXb'... NULL row: NULLs, 0, NULL, 'NULL'
    assert first == ("1.50", 2, "'Ab'", "AX", "b", 2, "7/'Ab'")
    assert missing == (None, 0, None, None, None, None, "/NULL")


def test_a_date_template_stays_the_date_familys() -> None:
    sql = transpile("SELECT to_char(CAST(s AS DATE), 'YYYY-MM') FROM t", "postgres", "duckdb",
                    "q", SCHEMA)
    assert "STRFTIME" in sql and "DECIMAL(38" not in sql


def test_a_floats_to_char_is_carried_to_duckdb_only() -> None:
    assert "FORMAT('{:.2f}'" in transpile("SELECT to_char(x, '990.99') FROM t", "postgres",
                                          "duckdb", "q", SCHEMA)
    for target in ("mysql", "sqlite", "clickhouse"):
        with pytest.raises(Unsupported, match="a float is rounded as its binary value"):
            transpile("SELECT to_char(x, '990.99') FROM t", "postgres", target, "q", SCHEMA)
    # an integer or a numeric is laid out for MySQL, SQLite and ClickHouse too
    assert "LPAD" in transpile("SELECT to_char(d, '990.99') FROM t", "postgres", "mysql", "q",
                               SCHEMA)
    assert "PRINTF('%.2f', d)" in transpile("SELECT to_char(d, '990.99') FROM t", "postgres",
                                            "sqlite", "q", SCHEMA)
    assert "toDecimalString(ROUND(d, 2), 2)" in transpile(
        "SELECT to_char(d, '990.99') FROM t", "postgres", "clickhouse", "q", SCHEMA)


@pytest.mark.parametrize(("sql", "target", "reason"), [
    ("SELECT (regexp_match(s, '([A-Z])x'))[1] FROM t", "sqlite",
     "SQLite has no regular expressions built in"),
    ("SELECT (regexp_match(s, '(a)(b)(c)(d)(e)(f)(g)(h)(i)(j)'))[10] FROM t", "mysql",
     "groups \\1 to \\9 only"),
    ("SELECT g FROM generate_series(now(), now(), interval '1 day') AS g", "sqlite",
     "only a series of integers is carried"),
    ("SELECT g FROM generate_series(1, 3) WITH ORDINALITY AS g(g, n)", "mysql",
     "WITH ORDINALITY is not carried"),
    ("SELECT justify_days(a * interval '40 days') FROM t", "clickhouse",
     "only EXTRACT(field FROM justify_*(...)) is carried"),
    ("SELECT extract(epoch FROM justify_days(interval '40 days')) FROM t", "sqlite",
     "year, month, day, hour and minute only"),
    ("SELECT extract(day FROM justify_days(x * interval '1 day')) FROM t", "mysql",
     "not built from literals, integer multiples"),
    ("SELECT extract(day FROM justify_days(interval '1.5 days')) FROM t", "mysql",
     "is not whole numbers of"),
])
def test_what_a_target_cannot_do_is_a_verdict_with_the_reason(sql: str, target: str,
                                                              reason: str) -> None:
    with pytest.raises(Unsupported) as caught:
        transpile(sql, "postgres", target, "report_view", SCHEMA)
    assert str(caught.value).startswith("report_view: ") and reason in str(caught.value)
