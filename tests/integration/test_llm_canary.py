"""Privacy that holds: canary values planted in the source data never reach the LLM endpoint.

`cutover run` talks to an OpenAI-compatible server on loopback (tests/support/openai_server.py)
that records every request body. The scripted model asks for the data every way it can (a
source query, a quick compare, a table description) on an object that mismatches (its diff
carries sample rows) and on one whose runtime error quotes a value. Then the test searches every
byte sent for the canaries:
- strict: not one canary in any request (prompts, tool results, diagnosis, history);
- mask: not one canary either, but type-preserving placeholders where values were;
- normal with `[llm.columns] "customers.email" = "never"`: no email canary, while the other
  columns' canaries do arrive (so the search itself is shown to work).
No real model is needed; this runs in CI.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.support.openai_server import ScriptedOpenAIServer, call, reply
from tests.support.projects import make_project

EMAIL_CANARIES = ["canary-mail-7731@leak.test", "zz-secret-4410@leak.test"]
NAME_CANARIES = ["CanaryName9931", "CanaryName5518"]
NUMBER_CANARY = "987654.321"
SCHEMA = f"""
CREATE TABLE customers (id INTEGER PRIMARY KEY, name TEXT, email TEXT, balance REAL);
INSERT INTO customers VALUES (1, '{NAME_CANARIES[0]}', '{EMAIL_CANARIES[0]}', {NUMBER_CANARY}),
  (2, '{NAME_CANARIES[1]}', '{EMAIL_CANARIES[1]}', 12.5);
"""
FILES = {
    # DuckDB's typeof names differ from SQLite's: a mismatch no rule fixes, keyed by name/email
    "sql/kinds.sql": "SELECT name, email, balance, typeof(id) AS t FROM customers;",
    # SQLite casts to UUID with NUMERIC affinity (an e-mail is 0); DuckDB reads a UUID and its
    # error quotes the email. (CAST(email AS INTEGER) and date(email) used to do this, until
    # the semantics library learned SQLite's numeric-prefix casts and its NULL for non-dates:
    # if UUID casts are ever carried over too, pick another error.)
    "sql/numbers.sql": "SELECT id, CAST(email AS UUID) AS n FROM customers;",
}


def _probing_script() -> list[dict]:
    """Per object: read the source, compare, describe, then submit something new (3 calls)."""
    one = [
        reply(tool_calls=[call("run_query", "q1", side="source",
                               sql="SELECT name, email, balance FROM customers")]),
        reply(tool_calls=[call("compare_queries", "q2",
                               source_sql="SELECT name, email AS e, balance FROM customers",
                               target_sql="SELECT name, upper(email) AS e, balance "
                                          "FROM customers")]),
        reply(tool_calls=[call("submit_sql", "q3", sql="SELECT 1 AS probe",
                               explanation="probe")]),
    ]
    return one + one


def _run(tmp_path: Path, llm_extra: str) -> str:
    with ScriptedOpenAIServer(_probing_script()) as server:
        project = make_project(tmp_path / "p", FILES, schema=SCHEMA, config_extra=(
            f'\n[llm]\nmodel = "local-model"\nbase_url = "{server.base_url}"\n'
            f'max_calls_per_object = 3\n{llm_extra}'))
        done = subprocess.run([sys.executable, "-m", "cutover", "run", str(project),
                               "--run-id", "c1", "--runs-dir", "runs"], cwd=tmp_path,
                              env={**os.environ, "COLUMNS": "200"}, capture_output=True,
                              text=True, timeout=300)
        sent = json.dumps(server.chat_requests)
    assert done.returncode in (0, 1), done.stdout + done.stderr
    # the model really was asked, with tool results: otherwise "no canary" proves nothing
    assert sent.count('"role": "tool"') >= 4, sent[:2000]
    assert "Conversion Error" in sent  # the object whose error quotes a value was asked about
    return sent


def test_strict_sends_no_value_anywhere(tmp_path):
    sent = _run(tmp_path, 'privacy = "strict"\n')
    for canary in EMAIL_CANARIES + NAME_CANARIES + [NUMBER_CANARY]:
        assert canary not in sent, canary
    assert "values are not shown" in sent


def test_mask_sends_placeholders_not_values(tmp_path):
    sent = _run(tmp_path, 'privacy = "mask"\n')
    for canary in EMAIL_CANARIES + NAME_CANARIES + [NUMBER_CANARY]:
        assert canary not in sent, canary
    assert "<text:" in sent


@pytest.mark.parametrize("privacy", ["normal", "mask", "strict"])
def test_never_columns_stay_home_in_every_mode(tmp_path, privacy):
    sent = _run(tmp_path, f'privacy = "{privacy}"\n[llm.columns]\n"customers.email" = "never"\n')
    for canary in EMAIL_CANARIES:
        assert canary not in sent, canary
    if privacy == "normal":
        assert NAME_CANARIES[0] in sent  # other columns do flow: the search works
