"""cutover.toml parsing: defaults, ${ENV}, relative file URLs, clear errors."""

from __future__ import annotations

import pytest

from cutover.config import build_context
from graph.config import parse_tolerance
from tools.errors import ConfigError


def _write(tmp_path, text):
    (tmp_path / "cutover.toml").write_text(text)
    return tmp_path


def test_defaults_env_and_relative_urls(tmp_path):
    project = _write(tmp_path, """
[source]
url = "sqlite:///data/s.db"
[target]
url = "postgresql://app:${PGPASS}@db:5432/wh"
[diff.tolerances]
avg_price = "abs:0.01"
""")
    ctx, _ = build_context(project, "r", tmp_path / "runs", environ={"PGPASS": "pw"})
    assert ctx.source_url == f"sqlite:///{tmp_path.resolve()}/data/s.db"
    assert ctx.target_url == "postgresql://app:pw@db:5432/wh"
    assert (ctx.source_dialect, ctx.target_dialect) == ("sqlite", "postgres")
    assert ctx.max_attempts == 5 and ctx.llm_mode == "auto" and ctx.chat_model is None
    assert ctx.tolerance_for("avg_price").abs_tol == 0.01
    assert ctx.sandbox == "cutover_r"


@pytest.mark.parametrize("text, words", [
    ('[source]\nurl="sqlite:///a"\n', ["[target]", "required"]),
    ('[source]\nurl="sqlite:///a"\n[target]\nurl="duckdb:///b"\n[run]\nmax_attempts="x"\n',
     ["[run] max_attempts"]),
    ('[source]\nurl="sqlite:///a"\n[target]\nurl="duckdb:///b"\n[llm]\nmode="sometimes"\n',
     ["[llm] mode"]),
    ('[source\nurl=1', ["not valid TOML"]),
    ('[source]\nurl="sqlite:///a"\n[target]\nurl="duckdb:///b"\n[diff.tolerances]\nx="5"\n',
     ["[diff.tolerances] x", "abs:X"]),
    ('[source]\nurl="weird:///a"\n[target]\nurl="duckdb:///b"\n', ["weird", "dialect"]),
])
def test_bad_config_names_the_key(tmp_path, text, words):
    with pytest.raises(ConfigError) as info:
        build_context(_write(tmp_path, text), "r", tmp_path / "runs", environ={})
    for word in words:
        assert word in str(info.value)


def test_missing_config_file(tmp_path):
    with pytest.raises(ConfigError, match="no cutover.toml"):
        build_context(tmp_path, "r", tmp_path / "runs")


def test_tolerance_forms():
    t = parse_tolerance("abs:0.5,rel:1e-6", "x")
    assert (t.abs_tol, t.rel_tol) == (0.5, 1e-6)


def test_a_config_built_in_code_round_trips_through_its_toml(tmp_path) -> None:
    from cutover.config import read_config
    from graph.config import ProjectConfig, context_from_config, to_toml

    cfg = ProjectConfig.model_validate({
        "project": {"name": "eval-x", "codebase": ["sql/*.sql"]},
        "source": {"url": "sqlite:///src.db", "dialect": "sqlite"},
        "target": {"url": "duckdb:///t.duckdb"},
        "run": {"max_attempts": 1, "keep_sandbox": False, "statement_timeout_s": 7.5},
        "diff": {"float_abs": 1e-6, "tolerances": {"price": "abs:0.01", "a b": "rel:1e-3"}},
        "llm": {"mode": "off", "prompt_set": "v2"},
    })
    (tmp_path / "cutover.toml").write_text(to_toml(cfg), encoding="utf-8")
    assert read_config(tmp_path) == cfg
    ctx = context_from_config(cfg, tmp_path, "r", tmp_path / "runs", environ={})
    assert ctx.source_url == f"sqlite:///{tmp_path.resolve() / 'src.db'}"
    assert (ctx.target_dialect, ctx.max_attempts, ctx.llm_mode) == ("duckdb", 1, "off")
