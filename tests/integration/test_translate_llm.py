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


def test_json_schema_output_asks_for_a_grammar_instead_of_tools(tmp_path):
    """[llm] output = "json_schema": the request carries response_format (llama.cpp makes it a
    grammar) and no tools; the JSON reply drives the loop like a tool call."""
    project_sql = "SELECT id, likelihood(qty > 2, 0.9) AS big FROM orders;"
    fixed = "SELECT id, qty > 2 AS big FROM orders"
    script = [reply(content='{"name": "compile_on_target", "arguments": {"sql": "' + fixed
                    + '"}}'),
              reply(content='{"name": "submit_sql", "arguments": {"sql": "' + fixed + '"}}')]
    with ScriptedOpenAIServer(script) as server:
        project = make_project(tmp_path / "p", {"sql/hint.sql": project_sql}, config_extra=(
            f'\n[llm]\nmodel = "local"\nbase_url = "{server.base_url}"\n'
            f'output = "json_schema"\n'))
        done = cutover("run", str(project), "--run-id", "j1", "--runs-dir", "runs",
                       cwd=tmp_path)
        asked = server.chat_requests
    assert done.returncode == 0, done.stdout + done.stderr
    assert all("tools" not in body for body in asked)
    schema = asked[0]["response_format"]["json_schema"]["schema"]
    assert "submit_sql" in schema["properties"]["name"]["enum"]
    assert "compile_on_target(" in asked[0]["messages"][0]["content"]
    tool_answers = [m for m in asked[1]["messages"] if m["role"] == "tool"]
    assert tool_answers and tool_answers[0]["content"].startswith("OK")
