"""Canaries (issue 9 item 6): a data value planted in the source, a password in the source URL
(given through `${ENV}`) and an LLM API key. After a run with `privacy = "strict"`, an LLM on
loopback and a dbt project, every file the run, the dbt build and a killed run write is read
byte by byte, and so is every request body the LLM server received:
- the secrets are in none of them, ever;
- the canary value is in no LLM request (strict), and with `[run] keep_samples = false` in no
  file either;
- with keep_samples left on, the report does show it: proof the scan finds what is there and
  that the object really carried the canary.
"""

from __future__ import annotations

import signal
import textwrap
import uuid
from pathlib import Path

import pytest
from sqlalchemy.engine import make_url

from tests import servers
from tests.faults.projects import cutover, events, finish, wait_for
from tests.support.openai_server import ScriptedOpenAIServer, call, reply

pytestmark = pytest.mark.integration
CANARY_VALUE = "CanaryValue7f3a9c"
CANARY_PASSWORD = "pw-Canary-51e0d2"
CANARY_KEY = "sk-canary-key-0b9e44"
SECRETS = (CANARY_PASSWORD, CANARY_KEY)

SETUP = f"""
CREATE TABLE people (id integer PRIMARY KEY, name text, score integer);
INSERT INTO people VALUES (1, 'Ada', 7), (2, '{CANARY_VALUE}', 9), (3, 'Bob', 4);
"""
FILES = {
    "names": "SELECT id, name FROM people",
    # version() names each engine: a mismatch on every row whose cells carry the canary.
    "noisy": "SELECT id, name || ' on ' || version() AS tagged FROM people",
    "scores": "CREATE VIEW scores AS SELECT id, score * 2 AS s FROM people",
}


def _source(pg: servers.Server) -> str:
    """A fresh database with the canary row, read by a SELECT-only role whose password is a
    canary; the URL itself, with the password, goes in through the environment."""
    import psycopg

    database, role = f"c_{uuid.uuid4().hex[:8]}", f"r_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(pg.url, autocommit=True) as con:
        con.execute(f'CREATE DATABASE "{database}"')
    url = make_url(pg.url).set(database=database)
    admin = url.set(username="postgres", password=None)  # the private server trusts loopback
    with psycopg.connect(admin.render_as_string(hide_password=False), autocommit=True) as con:
        con.execute(SETUP)
        con.execute(f"CREATE ROLE {role} LOGIN PASSWORD '{CANARY_PASSWORD}'")
        con.execute(f"GRANT SELECT ON people TO {role}")
    return url.set(username=role, password=CANARY_PASSWORD).render_as_string(
        hide_password=False)


def _project(base: Path, llm_url: str, keep_samples: bool) -> Path:
    project = base / "canary"
    (project / "sql").mkdir(parents=True)
    (project / "data").mkdir()
    for name, sql in FILES.items():
        (project / "sql" / f"{name}.sql").write_text(sql + ";\n")
    (project / "cutover.toml").write_text(textwrap.dedent(f"""
        [project]
        name = "canary"
        codebase = ["sql/**/*.sql"]

        [source]
        url = "${{CANARY_SOURCE_URL}}"

        [target]
        url = "duckdb:///data/target.duckdb"

        [run]
        keep_samples = {str(keep_samples).lower()}
        max_attempts = 3

        [llm]
        model = "m"
        base_url = "{llm_url}"
        api_key_env = "CANARY_LLM_KEY"
        privacy = "strict"
        max_retries = 0
        """))
    return project


def _script() -> list[dict]:
    # The LLM asks for source rows (strict must withhold them), then submits a candidate.
    ask = reply(tool_calls=[call("run_query", "q1", side="source",
                                 sql="SELECT name FROM people", limit=5)])
    submit = reply(tool_calls=[call("submit_sql", "s1", explanation="try",
                                    sql="SELECT id, name || 'x' AS tagged FROM people")])
    return [ask, submit] * 4


def _files(*roots: Path) -> list[Path]:
    skip = {".duckdb", ".wal"}  # the target database holds the migrated data by design
    return [p for root in roots if root.exists() for p in root.rglob("*")
            if p.is_file() and p.suffix not in skip]


def _found(paths: list[Path], needle: str) -> list[str]:
    data = needle.encode()
    return [str(p) for p in paths if data in p.read_bytes()]


def _count(tally, planted: int, found: int, leaked: int) -> None:
    tally["canaries"]["planted"] += planted
    tally["canaries"]["found in files"] += found
    tally["canaries"]["leaked"] += leaked


def _env(source: str) -> dict[str, str]:
    return {"CANARY_SOURCE_URL": source, "CANARY_LLM_KEY": CANARY_KEY}


def test_no_canary_leaves_a_strict_run_without_samples(tmp_path: Path, pg: servers.Server,
                                                        tally) -> None:
    source = _source(pg)
    with ScriptedOpenAIServer(_script()) as llm:
        project = _project(tmp_path, llm.base_url, keep_samples=False)
        runs, dbt = tmp_path / "runs", tmp_path / "dbt"
        code, out = finish(cutover("run", str(project), "--runs-dir", str(runs), "--run-id",
                                   "strict", "--dbt", str(dbt), env=_env(source)))
        bodies = [str(b) for b in llm.chat_requests]
        # A killed run (the crash case): its half-written folder is scanned too.
        crash = cutover("run", str(project), "--runs-dir", str(runs), "--run-id", "crash",
                        env=_env(source))
        wait_for(crash, lambda: any(e.get("kind") == "diff" for e in events(runs / "crash")),
                 "the first diff")
        crash.send_signal(signal.SIGKILL)
        crash.wait()
        bodies += [str(b) for b in llm.chat_requests[len(bodies):]]
    assert code in (0, 1), out
    assert bodies, "the LLM was never asked: the strict path was not exercised"
    files = _files(runs, dbt, project)
    assert any(p.name == "report.json" for p in files) and any(p.suffix == ".sqlite"
                                                              for p in files)
    leaks = {needle: _found(files, needle) for needle in (CANARY_VALUE, *SECRETS)}
    leaks["llm requests"] = [n for n in (CANARY_VALUE, *SECRETS)
                             if any(n in body for body in bodies)]
    leaks["console"] = [n for n in (CANARY_VALUE, *SECRETS) if n in out]
    leaked = sum(len(v) for v in leaks.values())
    _count(tally, planted=3, found=0, leaked=leaked)
    assert not any(leaks.values()), leaks


def test_the_scan_finds_the_canary_when_samples_are_kept(tmp_path: Path, pg: servers.Server,
                                                         tally) -> None:
    source = _source(pg)
    with ScriptedOpenAIServer(_script()) as llm:
        project = _project(tmp_path, llm.base_url, keep_samples=True)
        runs = tmp_path / "runs"
        code, out = finish(cutover("run", str(project), "--runs-dir", str(runs), "--run-id",
                                   "kept", env=_env(source)))
        bodies = [str(b) for b in llm.chat_requests]
    assert code in (0, 1), out
    files = _files(runs, project)
    shown = _found(files, CANARY_VALUE)
    assert any(path.endswith("report.json") for path in shown), shown  # samples are shown
    leaked = sum(len(_found(files, s)) for s in SECRETS) \
        + sum(CANARY_VALUE in b or any(s in b for s in SECRETS) for b in bodies)
    _count(tally, planted=3, found=len(shown), leaked=leaked)
    assert leaked == 0
