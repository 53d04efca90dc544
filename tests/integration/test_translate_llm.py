"""`cutover translate --llm` over HTTP to a loopback OpenAI-compatible server: the LLM is asked
only for the statement sqlglot leaves calling TOTAL(), its JSON-in-text answer is used, and a
useless answer still exits 1."""

from __future__ import annotations

from tests.support.openai_server import ScriptedOpenAIServer, reply
from tests.support.projects import make_project
from tests.unit.test_cli import cutover

FIXED = "SELECT COALESCE(SUM(qty), 0.0) AS t FROM orders"
ANSWER = '```json\n{"name": "submit_sql", "arguments": {"sql": "' + FIXED + '"}}\n```'


def _project(tmp_path, server):
    return make_project(tmp_path / "p", {}, config_extra=(
        f'\n[llm]\nmodel = "qwen2.5-coder-1.5b-instruct"\nbase_url = "{server.base_url}"\n'))


def test_translate_llm_fixes_the_statement_sqlglot_could_not(tmp_path):
    sql = tmp_path / "legacy.sql"
    sql.write_text("SELECT id FROM orders;\nSELECT TOTAL(qty) AS t FROM orders;\n")
    with ScriptedOpenAIServer([reply(content=ANSWER)]) as server:
        project = _project(tmp_path, server)
        done = cutover("translate", str(sql), "--from", "sqlite", "--to", "duckdb", "--llm",
                       "--project", str(project), cwd=tmp_path)
        asked = server.chat_requests
    assert done.returncode == 0, done.stdout + done.stderr
    assert FIXED in done.stdout and "SELECT id FROM orders;" in done.stdout
    assert len(asked) == 1 and "TOTAL" in asked[0]["messages"][1]["content"]
    # the small-model prompt set was chosen by the model's name
    assert "Answer with exactly one tool call" in asked[0]["messages"][0]["content"]


def test_translate_llm_still_exits_1_when_the_answer_is_no_better(tmp_path):
    sql = tmp_path / "legacy.sql"
    sql.write_text("SELECT TOTAL(qty) AS t FROM orders;\n")
    still_bad = '```sql\nSELECT TOTAL(qty) AS t FROM orders\n```'
    with ScriptedOpenAIServer([reply(content=still_bad)]) as server:
        done = cutover("translate", str(sql), "--from", "sqlite", "--to", "duckdb", "--llm",
                       "--project", str(_project(tmp_path, server)), cwd=tmp_path)
    assert done.returncode == 1 and "TOTAL" in done.stderr
