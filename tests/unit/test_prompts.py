"""The prompt loader: sets, rendering, front matter checks and the released-prompt lock."""

from __future__ import annotations

import hashlib
import shutil
from pathlib import Path

import pytest

import prompts.loader as loader
from prompts.loader import check_locked, load_prompt, load_prompt_sets, load_prompt_version
from tools.errors import ConfigError

SYSTEM = {"source_dialect": "sqlite", "target_dialect": "duckdb", "rows_cap": 20,
          "privacy": "normal"}
FIX_CASE = {"object_name": "daily_revenue", "object_kind": "view",
            "source_sql": "SELECT day, SUM(qty) / COUNT(*) AS avg_qty FROM orders GROUP BY day",
            "candidate_sql": "SELECT day, SUM(qty) / COUNT(*) AS avg_qty FROM orders GROUP BY day",
            "attempt": 2, "max_attempts": 5,
            "failure": {"kind": "mismatch", "message": "12 of 30 rows differ in avg_qty"},
            "diff": {"summary": "30 vs 30 rows", "diagnosis": ["integer division on the source"],
                     "columns": [{"name": "avg_qty", "match_rate": 0.6, "max_deviation": 0.5}],
                     "samples": {"changed": [{"day": "2024-01-02", "source": 3,
                                              "target": 3.5}]}},
            "history": [{"attempt": 1, "outcome": "mismatch", "note": "sqlglot output"}]}
TRANSLATE_CASE = {"object_name": "v", "object_kind": "view", "source_sql": "SELECT 1 AS x",
                  "schema": [{"name": "orders", "columns": [{"name": "id", "type": "INTEGER"}]}],
                  "deterministic_sql": None, "deterministic_error": "Unsupported: GROUP_CONCAT"}


def test_released_prompts_are_unchanged():
    problems = check_locked()
    assert not problems, "\n".join(problems)


def test_default_set_chooses_v1_and_hashes_the_file_bytes():
    prompt = load_prompt("fixer")
    assert (prompt.id, prompt.agent, prompt.version) == ("fixer/v1", "fixer", 1)
    assert prompt.sha256 == hashlib.sha256(prompt.path.read_bytes()).hexdigest()
    assert prompt.short_hash == prompt.sha256[:12]
    assert prompt.front_matter["id"] == "fixer/v1" and "diff" in prompt.inputs


def test_terse_set_uses_another_fixer():
    assert load_prompt("fixer", "terse").id == "fixer/v2"
    assert load_prompt("translator", "terse").id == "translator/v1"


@pytest.mark.parametrize("prompt_set", sorted(load_prompt_sets()))
def test_declared_inputs_match_the_template(prompt_set):
    for agent in load_prompt_sets()[prompt_set]:
        prompt = load_prompt(agent, prompt_set)
        assert prompt.variables() == set(prompt.inputs), prompt.id


@pytest.mark.parametrize("prompt_set", sorted(load_prompt_sets()))
def test_fixer_renders_the_case(prompt_set):
    prompt = load_prompt("fixer", prompt_set)
    system = prompt.render(**SYSTEM)
    user = prompt.render_user(**SYSTEM, **FIX_CASE)
    assert "submit_sql" in system and "duckdb" in system and "{{" not in system
    assert "SUM(qty) / COUNT(*)" in user
    assert "integer division on the source" in user and "avg_qty" in user
    assert '"target": 3.5' in user  # sample rows shown as JSON, not HTML-escaped


def test_fixer_renders_a_compile_failure_without_diff():
    user = load_prompt("fixer").render_user(
        **SYSTEM, **{**FIX_CASE, "failure": {"kind": "compile", "message": "no function x"},
                     "diff": None, "history": []})
    assert "does not compile" in user and "no function x" in user
    assert "Column figures" not in user and "Earlier attempts" not in user


def test_strict_privacy_changes_the_instructions():
    system = load_prompt("fixer").render(**{**SYSTEM, "privacy": "strict"})
    assert "privacy is strict" in system.lower() and "rows per result" not in system


def test_translator_renders():
    prompt = load_prompt("translator")
    user = prompt.render_user(**SYSTEM, **TRANSLATE_CASE)
    assert "orders(id INTEGER)" in user and "GROUP_CONCAT" in user
    assert "sqlglot's translation" not in user  # deterministic_sql was None


def test_missing_variable_names_the_file():
    with pytest.raises(ConfigError, match=r"fixer[/\\]v1\.md.*target_dialect"):
        load_prompt("fixer").render(source_dialect="sqlite", rows_cap=1, privacy="normal")


def test_missing_set_agent_and_version_are_config_errors():
    with pytest.raises(ConfigError, match="prompt_sets.yaml"):
        load_prompt("fixer", "no-such-set")
    with pytest.raises(ConfigError, match="names no prompt for agent 'planner'"):
        load_prompt("planner")
    with pytest.raises(ConfigError, match=r"v99\.md"):
        load_prompt_version("fixer", 99)


@pytest.fixture
def prompt_copy(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A copy of the prompts folder the loader reads instead of the real one."""
    root = tmp_path / "prompts"
    shutil.copytree(loader.PROMPTS_DIR, root, ignore=shutil.ignore_patterns("*.py", "__pycache__"))
    monkeypatch.setattr(loader, "PROMPTS_DIR", root)
    return root


def test_bad_front_matter_names_the_file(prompt_copy: Path):
    (prompt_copy / "fixer" / "v7.md").write_text("no front matter here\n", encoding="utf-8")
    with pytest.raises(ConfigError, match=r"v7\.md must start with YAML front matter"):
        load_prompt_version("fixer", 7)
    (prompt_copy / "fixer" / "v8.md").write_text(
        "---\nid: fixer/v1\nversion: 1\ninputs: []\n---\nbody\n", encoding="utf-8")
    with pytest.raises(ConfigError, match=r"v8\.md.*fixer/v8"):
        load_prompt_version("fixer", 8)
    (prompt_copy / "fixer" / "v9.md").write_text("---\nid: [unclosed\n---\nbody\n",
                                                 encoding="utf-8")
    with pytest.raises(ConfigError, match=r"v9\.md: front matter is not valid YAML"):
        load_prompt_version("fixer", 9)


def test_editing_a_released_prompt_is_caught(prompt_copy: Path):
    assert check_locked() == []
    released = prompt_copy / "fixer" / "v1.md"
    released.write_text(released.read_text(encoding="utf-8") + "\nOne more rule.\n",
                        encoding="utf-8")
    [problem] = check_locked()
    assert problem.startswith("fixer/v1:") and "changed after release" in problem


def test_a_set_may_not_use_an_unlocked_prompt_until_it_is_locked(prompt_copy: Path):
    draft = (prompt_copy / "fixer" / "v2.md").read_text(encoding="utf-8")
    (prompt_copy / "fixer" / "v9.md").write_text(draft.replace("fixer/v2", "fixer/v9")
                                                 .replace("version: 2", "version: 9"),
                                                 encoding="utf-8")
    sets = prompt_copy / "prompt_sets.yaml"
    sets.write_text(sets.read_text(encoding="utf-8") + "draft:\n  fixer: 9\n", encoding="utf-8")
    assert any("fixer/v9" in p and "not in locked.yaml" in p for p in check_locked())
    assert loader.lock_new_prompts() == ["fixer/v9"]
    assert check_locked() == []
