"""What the fixer's prompt carries: the schema of everything involved (collations included,
views by their definition), each piece of evidence once, and no values under strict privacy."""

from __future__ import annotations

import datetime as dt

from agents.llm import ScriptedChatModel
from tests.support.projects import make_project
from tools.llm_privacy import PrivacyPolicy, placeholder, scrub_text

SCHEMA = """
CREATE TABLE people (id INTEGER PRIMARY KEY, name TEXT COLLATE NOCASE NOT NULL, city TEXT);
INSERT INTO people VALUES (1, 'Zelda-Canary-1', 'Oslo'), (2, 'ann', 'Rome'), (3, 'Bob', NULL),
  (4, 'Cy', 'Oslo');
"""
FILES = {
    "sql/named.sql": "CREATE VIEW named AS SELECT id, name FROM people WHERE city IS NOT NULL;",
    "sql/kinds.sql": "SELECT id, name, typeof(id) AS t FROM named;",
}


def _fix_prompt(tmp_path, run_project, privacy):
    project = make_project(tmp_path / privacy, FILES, schema=SCHEMA)
    model = ScriptedChatModel(script=["no idea", "none"])
    run_project(project, chat_model=model, prompt_set="small", privacy=privacy)
    assert model.received, "the fixer never asked the LLM"
    return "\n".join(m.text for m in model.received[0])


def test_schema_collations_keys_and_view_definitions_reach_the_prompt(tmp_path, run_project):
    prompt = _fix_prompt(tmp_path, run_project, "normal")
    assert "name TEXT COLLATE NOCASE NOT NULL" in prompt
    assert "key (id)" in prompt
    assert "view named AS SELECT id, name FROM people WHERE city IS NOT NULL" in prompt
    # the diff summary appears once, not in the failure line, the summary and the history
    assert prompt.count("changed in t") == 1
    assert 'changed: {"key": {"id": 1}' in prompt  # normal privacy shows samples


def test_strict_prompt_has_figures_but_no_values(tmp_path, run_project):
    prompt = _fix_prompt(tmp_path, run_project, "strict")
    assert "changed in t" in prompt and '"key": {"id": 1}' not in prompt
    assert "'integer'" not in prompt and "BIGINT" not in prompt  # the diagnosis's examples


def test_placeholders_keep_type_and_null():
    assert [placeholder(v) for v in (None, True, 7, 2.5, "abc", dt.date(2024, 1, 1))] == \
        [None, True, "<int>", "<number>", "<text:3>", "<date>"]


def test_never_columns_by_name_alias_or_table():
    rules = PrivacyPolicy.from_settings("normal", {"customers.email": "never"})
    assert rules.value("email", "a@b.c") == "<withheld>"
    assert rules.value("name", "Ann") == "Ann"
    aliased = rules.for_query("SELECT upper(email) AS e FROM customers", "duckdb")
    assert not aliased.shows_values  # a renamed never-column withholds the whole result
    assert rules.for_query("SELECT name FROM customers", "duckdb").shows_values


def test_scrub_keeps_the_sql_and_drops_the_data():
    sql = "SELECT CAST(email AS INTEGER) FROM customers WHERE id > 1000"
    text = ("Conversion Error: Could not convert string 'alice@example.com' to INT32 near 1000"
            " (row 123456)")
    scrubbed = scrub_text(text, sql)
    assert "alice@example.com" not in scrubbed and "123456" not in scrubbed
    assert "1000" in scrubbed and "INT32" in scrubbed


def test_schema_notes_point_at_the_columns_the_query_uses(tmp_path, run_project):
    """fixer/v4 (the small set) notes the traps the schema holds for this query's columns:
    a NOCASE column it compares, a TEXT column it compares with a number; not other columns."""
    schema = """
    CREATE TABLE people (id INTEGER PRIMARY KEY, name TEXT COLLATE NOCASE, code TEXT,
                         nick TEXT COLLATE NOCASE);
    INSERT INTO people VALUES (1, 'Ada', '7', 'a'), (2, 'ada', '007', 'b');
    """
    # the semantics library rewrites both comparisons up front; hex() of a CTE's column
    # (which it cannot type) still sends the query to the fixer, whose notes we read
    project = make_project(tmp_path / "notes", {
        "sql/q.sql": "WITH p AS (SELECT id AS i FROM people WHERE name = 'ada' AND code = 7) "
                     "SELECT p.i, hex(p.i) AS h FROM p;"}, schema=schema)
    model = ScriptedChatModel(script=["no idea", "none"])
    run_project(project, chat_model=model, prompt_set="small")
    system, user = model.received[0][0].text, model.received[0][1].text
    assert "is WRONG" in system and "SQLite traps" in system
    assert "Note: people.name is COLLATE NOCASE: sqlite compares it case-insensitively" in user
    assert "Use lower(name)" in user
    assert "Note: people.code is TEXT but compared with a number" in user
    assert "people.nick" not in user.split("Note:", 1)[1]  # not used by the query: no note
