"""Bad codebase input ends as per-object verdicts with a position; the rest is migrated
(issue 9 item 4): undecodable and binary files, BOMs, empty files, a statement that does not
parse mid-file, an unterminated string, statements nested past the parser, one too large to parse,
and thousands of statements in one file."""

from __future__ import annotations

import codecs
from pathlib import Path

import pytest

from tests.support.projects import make_project
from tools import sql as sqltools
from tools.codebase import read_objects
from tools.sql_split import split

GOOD = "SELECT id, qty FROM orders"


def _write(root: Path, name: str, data: bytes) -> Path:
    path = root / "sql" / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    return path


def _read(root: Path, names: list[str], dialect: str = "sqlite", **kw):
    files = [root / "sql" / n for n in names]
    return {o.name: o for o in read_objects(root, files, dialect, **kw)}


def test_latin1_is_a_verdict_with_a_position_never_silently_altered(tmp_path: Path) -> None:
    _write(tmp_path, "names.sql", "SELECT 'Zoë' AS n;\n".encode("latin-1"))
    found = _read(tmp_path, ["names.sql"])["names"]
    assert found.problem and "sql/names.sql:1:11" in found.problem
    assert "0xeb" in found.problem and 'encoding = "cp1252"' in found.problem
    # ... and read right when the project says what the file is
    right = _read(tmp_path, ["names.sql"], encoding="cp1252")["names"]
    assert right.problem is None and "Zoë" in right.select_sql


@pytest.mark.parametrize("bom,codec", [(codecs.BOM_UTF8, "utf-8"),
                                       (codecs.BOM_UTF16_LE, "utf-16-le")])
def test_byte_order_marks_are_read_not_parsed(tmp_path: Path, bom: bytes, codec: str) -> None:
    _write(tmp_path, "bom.sql", bom + f"{GOOD};\n".encode(codec))
    found = _read(tmp_path, ["bom.sql"])["bom"]
    assert found.problem is None and found.kind == "query" and found.line == 1


def test_binary_junk_and_empty_files(tmp_path: Path) -> None:
    _write(tmp_path, "junk.sql", bytes(range(256)) * 4)
    _write(tmp_path, "empty.sql", b"")
    _write(tmp_path, "comments.sql", b"-- nothing but a comment\n/* and another */\n")
    found = _read(tmp_path, ["junk.sql", "empty.sql", "comments.sql"])
    assert list(found) == ["junk"]
    assert "binary" in (found["junk"].problem or "")


def test_a_bad_statement_mid_file_costs_only_itself(tmp_path: Path) -> None:
    text = (f"-- report 1\n{GOOD};\n\nSELEC broken FROM;\n"
            f"CREATE VIEW v AS SELECT qty * 2 AS q FROM orders;\n"
            f"SELECT 'never closed FROM orders;\n")
    _write(tmp_path, "mixed.sql", text.encode())
    found = list(_read(tmp_path, ["mixed.sql"]).values())
    assert [(o.name, o.line, o.problem is None) for o in found] == [
        ("mixed", 2, True), ("mixed_2", 4, False), ("v", 5, True), ("mixed_4", 6, False)]
    assert found[0].comment == "report 1"
    assert "sql/mixed.sql:4" in (found[1].problem or "")
    assert "sql/mixed.sql:6" in (found[3].problem or "")


@pytest.mark.parametrize("shape", ["parens", "case", "subqueries"])
def test_nesting_past_the_parser_is_a_verdict(tmp_path: Path, shape: str) -> None:
    depth = {"parens": 600, "case": 400, "subqueries": 400}[shape]
    if shape == "parens":
        sql = "SELECT " + "(" * depth + "1" + ")" * depth + " AS x"
    elif shape == "case":
        sql = "SELECT " + "CASE WHEN qty > 0 THEN " * depth + "1" + " END" * depth + " FROM orders"
    else:
        sql = "SELECT * FROM " + "(SELECT * FROM " * depth + "orders" + ") t" * depth
    _write(tmp_path, "deep.sql", f"{sql};\n{GOOD};\n".encode())
    found = list(_read(tmp_path, ["deep.sql"]).values())
    assert len(found) == 2 and found[1].problem is None
    assert found[0].problem is not None and "sql/deep.sql:1" in found[0].problem


def test_a_statement_too_large_to_parse_is_refused_unparsed(tmp_path: Path) -> None:
    big = "SELECT " + "1 + " * (sqltools.MAX_STATEMENT_BYTES // 4 + 10) + "1 AS x"
    _write(tmp_path, "big.sql", f"{GOOD};\n{big};\n{GOOD};\n".encode())
    found = list(_read(tmp_path, ["big.sql"]).values())
    assert [o.problem is None for o in found] == [True, False, True]
    assert "MB" in (found[1].problem or "") and "sql/big.sql:2" in (found[1].problem or "")
    assert len(found[1].source_sql) <= 2000  # the report does not carry megabytes


def test_a_thousand_statements_in_one_file_keep_their_lines(tmp_path: Path) -> None:
    body = "".join(f"-- q{i}\nSELECT id, qty + {i} AS q FROM orders WHERE id > {i % 7};\n"
                   for i in range(1000))
    _write(tmp_path, "many.sql", body.encode())
    found = list(_read(tmp_path, ["many.sql"]).values())
    assert len(found) == 1000
    assert all(o.problem is None for o in found)
    assert [o.line for o in found[:3]] == [2, 4, 6] and found[-1].line == 2000


@pytest.mark.parametrize(("dialect", "text", "expected"), [
    ("postgres", "SELECT $$a;b$$;SELECT $t$ ; $t$;SELECT /* ; /* ; */ ; */ 1", 3),
    ("mysql", "SELECT 'it\\'s;';SELECT 1 # ;\n;DELIMITER //\nSELECT 1; SELECT 2 //\n"
              "DELIMITER ;\nSELECT 3;", 4),
    ("tsql", "SELECT [a;b] FROM t;SELECT 'x'';'", 2),
    ("duckdb", "SELECT 'a'';' AS x; SELECT \"b;\" FROM t", 2),
])
def test_the_splitter_steps_over_each_dialects_quoting(dialect: str, text: str,
                                                        expected: int) -> None:
    pieces = [text[p.start:p.end] for p in split(text, dialect)]
    assert len([p for p in pieces if p.strip()]) == expected, pieces


def test_a_run_migrates_the_good_objects_around_the_bad_ones(tmp_path: Path, run_project) -> None:
    project = make_project(tmp_path / "p", {"sql/good.sql": f"{GOOD};"})
    _write(project, "latin.sql", "SELECT 'Zoë' AS n;\n".encode("latin-1"))
    _write(project, "junk.sql", b"\x00\x01\x02garbage")
    _write(project, "mixed.sql", b"SELEC nope;\nSELECT qty FROM orders;\n")
    outcome = run_project(project)
    verdicts = {o["name"]: o["verdict"] for o in outcome.report["objects"]}
    assert verdicts["good"] == "parity" and verdicts["mixed_2"] == "parity"
    assert verdicts["latin"] != "parity" and verdicts["junk"] != "parity"
    assert verdicts["mixed"] != "parity"
    errors = {o["name"]: o.get("error") or "" for o in outcome.report["objects"]}
    assert "sql/latin.sql:1:11" in errors["latin"] and "sql/mixed.sql:1" in errors["mixed"]


def test_a_routine_in_the_codebase_says_where_it_is_migrated(tmp_path: Path) -> None:
    """CREATE PROCEDURE / FUNCTION is no query object: its verdict names the dbt output that
    converts it, where other statements keep the list of what is migrated."""
    _write(tmp_path, "procs.sql", b"CREATE PROCEDURE bump(p int) LANGUAGE plpgsql AS $$\n"
                                  b"BEGIN UPDATE t SET x = p; END $$;\n"
                                  b"DROP TABLE t;\n")
    found = _read(tmp_path, ["procs.sql"], dialect="postgres")
    routine, other = found["procs"], found["procs_2"]
    assert routine.problem and 'CREATE PROCEDURE is migrated by the dbt output' in routine.problem
    assert routine.problem.startswith("sql/procs.sql:1")
    assert other.problem and "statements are not migrated" in other.problem
