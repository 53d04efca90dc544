"""The command line as a user meets it: the Typer app in-process, real files."""

from __future__ import annotations

import json

from tests.support.cli import cutover
from tests.support.projects import make_project


def test_run_trace_and_runs(tmp_path):
    project = make_project(tmp_path / "p", {"sql/a.sql": """
        CREATE VIEW paris AS SELECT * FROM customers WHERE city = 'Paris';
        SELECT name FROM paris ORDER BY name;
    """})
    done = cutover("run", str(project), "--run-id", "r1", "--runs-dir", "runs", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert "2 objects" in done.stdout and "report.html" in done.stdout
    listing = cutover("runs", "--runs-dir", "runs", cwd=tmp_path)
    assert "r1" in listing.stdout and "parity 2" in listing.stdout
    timeline = cutover("trace", "r1", "--runs-dir", "runs", cwd=tmp_path)
    for word in ("planner", "node_start", "[source]", "[target]", "sql_version", "diff"):
        assert word in timeline.stdout, word
    only = cutover("trace", "r1", "--object", "paris", "--node", "data_differ",
                   "--runs-dir", "runs", cwd=tmp_path)
    lines = [ln for ln in only.stdout.splitlines() if "node_start" in ln or "sql " in ln]
    assert lines and all("data_differ/paris" in ln for ln in lines)
    missing = cutover("trace", "nope", "--runs-dir", "runs", cwd=tmp_path)
    assert missing.returncode == 2 and "no run 'nope'" in missing.stderr
    assert "Traceback" not in missing.stderr


def test_bad_config_names_the_key(tmp_path):
    project = make_project(tmp_path / "p", {"sql/a.sql": "SELECT 1;"},
                           config_extra='\n[run]\nmax_attemps = 3\n')
    done = cutover("run", str(project), cwd=tmp_path)
    assert done.returncode == 2
    assert "max_attemps" in done.stderr and "unknown key" in done.stderr
    assert "Traceback" not in done.stderr


def test_missing_env_var_and_wrong_url(tmp_path):
    project = make_project(tmp_path / "p", {"sql/a.sql": "SELECT 1;"},
                           target="postgresql://u:${CUTOVER_NO_SUCH_VAR}@127.0.0.1:1/db")
    done = cutover("run", str(project), cwd=tmp_path)
    assert done.returncode == 2 and "CUTOVER_NO_SUCH_VAR" in done.stderr
    assert "Traceback" not in done.stderr
    project2 = make_project(tmp_path / "q", {"sql/a.sql": "SELECT 1;"},
                            target="nosuchdb:///x")
    done = cutover("run", str(project2), cwd=tmp_path)
    assert done.returncode == 2 and "nosuchdb" in done.stderr
    assert "Traceback" not in done.stderr


def test_translate_names_what_it_cannot_translate(tmp_path):
    good = tmp_path / "good.sql"
    good.write_text("SELECT IFNULL(a, 0) FROM t;\nSELECT SUBSTR(b, 1, 2) FROM t;\n")
    done = cutover("translate", str(good), "--from", "sqlite", "--to", "duckdb", cwd=tmp_path)
    assert done.returncode == 0
    assert "COALESCE(a, 0)" in done.stdout and done.stdout.count(";") == 2
    bad = tmp_path / "bad.sql"
    bad.write_text("SELECT a FROM t;\nSELECT * FROM t WHERE ROWNUM < 10;\n")
    done = cutover("translate", str(bad), "--from", "oracle", "--to", "duckdb", cwd=tmp_path)
    assert done.returncode == 1
    assert "bad.sql:2" in done.stderr and "ROWNUM" in done.stderr


def test_secrets_stay_out_of_every_file(tmp_path):
    secret = "s3cr3t-value-xyz"
    project = make_project(tmp_path / "p", {"sql/a.sql": "SELECT id FROM orders;"},
                           config_extra='\n[llm]\nmode = "off"\nmodel = "m"\n'
                                        'base_url = "http://127.0.0.1:9/v1"\n'
                                        'api_key_env = "CUTOVER_TEST_KEY"\n')
    done = cutover("run", str(project), "--run-id", "s1", "--runs-dir", "runs", cwd=tmp_path,
                   env={"CUTOVER_TEST_KEY": secret})
    assert done.returncode == 0, done.stderr
    for path in (tmp_path / "runs" / "s1").rglob("*"):
        if path.is_file():
            assert secret.encode() not in path.read_bytes(), path
    report = json.loads((tmp_path / "runs" / "s1" / "report.json").read_text())
    assert report["counts"]["parity"] == 1
