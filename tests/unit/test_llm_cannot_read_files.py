"""An LLM that asks the target to read a local file gets a refusal, never the file's contents:
not in its own later prompts, not in the report, trace, checkpoints or artifacts (issue 9)."""

from __future__ import annotations

from pathlib import Path

from langchain_core.messages import AIMessage

from agents.llm import ScriptedChatModel
from tests.support.projects import make_project

HINTED = "SELECT id, likelihood(qty > 2, 0.9) AS big FROM orders;"  # DuckDB has no likelihood()
CANARY = "CANARY-creds-5e1f0b"


def _call(name: str, args: dict, n: int) -> AIMessage:
    return AIMessage(content="", tool_calls=[{"name": name, "args": args, "id": f"call{n}"}],
                     usage_metadata={"input_tokens": 10, "output_tokens": 5, "total_tokens": 15})


def test_file_reads_from_the_llm_are_refused_everywhere(tmp_path: Path, run_project) -> None:
    creds = tmp_path / "creds.csv"
    creds.write_text(f"key,value\naws,{CANARY}\n", encoding="utf-8")
    reads = [f"SELECT * FROM '{creds}'", f"SELECT * FROM read_csv('{creds}')",
             f"SELECT * FROM read_text('{creds}')", f"SELECT * FROM sniff_csv('{creds}')"]
    script = []
    for i, sql in enumerate(reads):
        script.append(_call("run_query", {"side": "target", "sql": sql, "limit": 5}, 3 * i))
        script.append(_call("compare_queries", {"source_sql": "SELECT 1 AS a",
                                                "target_sql": sql}, 3 * i + 1))
        script.append(_call("submit_sql", {"sql": sql, "explanation": "read it"}, 3 * i + 2))
    model = ScriptedChatModel(script=script)
    project = make_project(tmp_path / "p", {"sql/hint.sql": HINTED})
    outcome = run_project(project, chat_model=model, max_attempts=4)
    obj = outcome.report["objects"][0]
    assert obj["verdict"] != "parity"
    assert model.received, "the LLM was never asked: the test proves nothing"
    for messages in model.received:
        for message in messages:
            assert CANARY not in str(message.content)
    leaked = [p for p in outcome.run_dir.rglob("*") if p.is_file()
              and CANARY.encode() in p.read_bytes()]
    assert leaked == []
