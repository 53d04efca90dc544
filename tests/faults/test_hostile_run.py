"""The hostile corpus through `cutover run` with the role layer off (issue 9 item 5): the source
URL is a role that can write (it owns the database), accepted with --allow-privileged-source,
so only the guard and the read-only session stand between the corpus and the data.

Every entry of tests/fixtures/hostile/<engine>.sql becomes one object of the codebase. After
the run the source must be unchanged — rows, checksums, sequences, catalog, slots, stats, roles,
files (the fingerprint of tests/integration/test_source_safety.py) — and every entry has a
verdict. (Each layer alone, statement by statement, is tests/integration/test_source_safety.py.)
"""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from tests import servers
from tests.faults.projects import cutover, finish
from tests.integration.test_source_safety import HostileDb, fingerprint, load_corpus
from tests.support.fault_tally import count_hostile

pytestmark = pytest.mark.integration


@pytest.mark.parametrize("engine", ["postgres", "mysql"])
def test_the_hostile_corpus_changes_nothing_without_the_role_layer(
        tmp_path: Path, engine: str, request: pytest.FixtureRequest) -> None:
    server: servers.Server = request.getfixturevalue("pg" if engine == "postgres" else "maria")
    db = HostileDb(engine, server.url)
    db.create()
    corpus = load_corpus(engine)
    project = tmp_path / "hostile"
    (project / "sql").mkdir(parents=True)
    (project / "data").mkdir()
    for i, entry in enumerate(corpus):
        (project / "sql" / f"h_{i:03d}.sql").write_text(entry.sql.rstrip().rstrip(";") + ";\n")
    (project / "cutover.toml").write_text(textwrap.dedent(f"""
        [project]
        name = "hostile"
        codebase = ["sql/**/*.sql"]

        [source]
        url = "{db.url}"

        [target]
        url = "duckdb:///data/target.duckdb"

        [run]
        max_attempts = 2
        statement_timeout_s = 5
        workers = 2
        """))
    try:
        code, out = finish(cutover("run", str(project), "--runs-dir", str(tmp_path / "runs"),
                                   "--run-id", "h", "--allow-privileged-source"), timeout=900)
        after = fingerprint(engine, db.url)
    finally:
        db.drop()
    changed = sorted(k for k in set(after) | set(db.baseline) if after.get(k) != db.baseline.get(k))
    # one fingerprint for the whole run: a change counts the run's statements as executed
    count_hostile("role off", bool(changed), statements=len(corpus))
    assert code in (0, 1), out
    assert "privileged" not in out.lower() or "refus" not in out.lower(), out
    assert not changed, f"{engine}: the run changed {changed}"
