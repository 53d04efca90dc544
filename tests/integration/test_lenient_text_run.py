"""`cutover run` on a SQLite codebase that reads dirty text as numbers and dates: SQLite reads
'12.5kg' as 12.5 and 'ada@example.com' as the date NULL where DuckDB raises a conversion error
quoting the value. The semantics library (text_number_cast, sqlite_date_text) carries both
over up front, so every object reaches parity on DuckDB with no LLM and no fixer."""

from __future__ import annotations

import json
import os
import subprocess
import sys

from tests.support.projects import make_project

SCHEMA = """
CREATE TABLE readings (id INTEGER PRIMARY KEY, amount TEXT, taken TEXT);
INSERT INTO readings VALUES
  (1, '12.5kg', '2024-03-05'), (2, 'abc', 'ada@example.com'), (3, '', ''),
  (4, ' 2.5e1x', '2024-03-05 10:20'), (5, '-4', '2024-03-05x'), (6, NULL, NULL),
  (7, '.5', '2024-13-01'), (8, '1e3', '10:20'), (9, '3', '2024-02-29T23:59:59');
"""
FILES = {
    "sql/amounts.sql": "SELECT id, CAST(amount AS REAL) AS value, "
                       "CAST(amount AS REAL) * 2 AS doubled FROM readings;",
    "sql/days.sql": "SELECT id, date(taken) AS day, strftime('%Y', taken) AS year, "
                    "julianday(taken) AS jd FROM readings;",
    "sql/views.sql": "CREATE VIEW clean_readings AS SELECT id, CAST(amount AS REAL) AS value, "
                     "date(taken) AS day FROM readings;",
}


def test_dirty_text_reaches_parity_on_duckdb_without_llm(tmp_path):
    project = make_project(tmp_path / "p", FILES, schema=SCHEMA)
    done = subprocess.run([sys.executable, "-m", "cutover", "run", str(project),
                           "--run-id", "l1", "--runs-dir", "runs"], cwd=tmp_path,
                          env={**os.environ, "COLUMNS": "200"}, capture_output=True,
                          text=True, timeout=300)
    assert done.returncode == 0, done.stdout + done.stderr
    report = json.loads((tmp_path / "runs" / "l1" / "report.json").read_text())
    objects = {o["name"]: o for o in report["objects"]}
    assert {n: o["verdict"] for n, o in objects.items()} == {
        "amounts": "parity", "days": "parity", "clean_readings": "parity"}
    # right on the first attempt: the translator carried it, no fixer and no model
    for name, obj in objects.items():
        assert obj["attempts"] == 1 and not obj["needed_fixer"], (name, obj["attempt_log"])
    amounts = (tmp_path / "runs" / "l1" / "translated" / "sql" / "amounts.sql").read_text()
    days = (tmp_path / "runs" / "l1" / "translated" / "sql" / "days.sql").read_text()
    assert "REGEXP_EXTRACT" in amounts and "REGEXP_MATCHES" in days
