"""The eval harness: manifests, scorers, logs, compare/HTML, and small suites run through the
real migration graph (SQLite source, DuckDB target, no server, no network)."""

from __future__ import annotations

import json
import shutil
import textwrap
from pathlib import Path

import pytest

from evals import html
from evals.compare import case_deltas
from evals.log import LogError, read_log, write_log
from evals.manifest import ManifestError, load_manifest
from evals.runner import EvalSpec, run_eval
from evals.scorers import rescore, score_case

SETUP = """
CREATE TABLE orders (id INTEGER PRIMARY KEY, qty INTEGER, note TEXT);
INSERT INTO orders VALUES (1, 7, 'Gift'), (2, 4, 'gift'), (3, -7, NULL), (4, 3, 'x');
"""


def write_suite(folder: Path, cases: str, *, extra: str = "", setup: str = SETUP) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "setup.sql").write_text(setup, encoding="utf-8")
    (folder / "manifest.yaml").write_text(textwrap.dedent(f"""
        name: tiny
        description: two cases
        source_dialect: sqlite
        setup: [setup.sql]
        {extra}
        cases:
        """) + textwrap.indent(textwrap.dedent(cases).strip(), "  ") + "\n", encoding="utf-8")
    return folder


TINY_CASES = """
- id: int_division
  sql: SELECT id, qty / 2 AS half FROM orders
  tags: [division]
- id: plain
  sql: SELECT id, note FROM orders WHERE qty > 3
"""


# ----------------------------------------------------------------------------- manifests
ROOT = Path(__file__).resolve().parents[2]
SAKILA = ROOT / "evals" / "suites" / "sakila-mysql"
# Where the manifest's relative paths lead: ../shared beside the checkout.
SHARED_SAKILA = ROOT.parent / "shared" / "benchmarks" / "sakila" / "mysql-official-sakila-1.5"


def test_bundled_trap_suites_load_and_hold_at_least_40_cases():
    from evals.catalog import list_suites

    infos = {i.name: i for i in list_suites()}
    bundled = {n: i for n, i in infos.items() if n != "sakila-mysql"}  # the rest is in the repo
    assert all(i.error is None for i in bundled.values()), [i.error for i in bundled.values()]
    traps = [infos[n] for n in ("traps-sqlite", "traps-postgres", "traps-mysql")]
    assert sum(i.cases or 0 for i in traps) >= 40
    assert {i.source_dialect for i in traps} == {"sqlite", "postgres", "mysql"}


@pytest.mark.skipif(not SHARED_SAKILA.is_dir(), reason="the public Sakila corpus is read in "
                    "place from ../shared/benchmarks and is not beside this checkout")
def test_sakila_suite_reads_the_shared_corpus_in_place():
    from evals.catalog import list_suites

    info = next(i for i in list_suites() if i.name == "sakila-mysql")
    assert info.error is None, info.error
    sakila = load_manifest(SAKILA)
    assert "shared/benchmarks/sakila" in sakila.setup[0].file  # read in place, not copied
    assert any(c.id == "view_actor_info" and "CREATE" in c.sql for c in sakila.cases)


@pytest.mark.parametrize(("cases", "extra", "needle"), [
    ("- id: a\n  sql: SELECT 1\n  colour: red", "", "case a.colour: unknown key"),
    ("- id: 1bad\n  sql: SELECT 1", "", "letters, digits and _"),
    ("- id: a\n  sql: SELECT 1\n  file: a.sql", "", "exactly one of `sql:`"),
    ("- id: a\n  sql: SELECT FROM WHERE (", "", "case 'a' does not parse as sqlite"),
    ("- id: a\n  sql: SELECT 1\n- id: A\n  sql: SELECT 2", "", "appears twice"),
    ("- id: a\n  sql: SELECT 1\n  ordered: true", "", "has no ORDER BY"),
    ("- id: a\n  file: nowhere.sql", "", "nowhere.sql"),
    ("- id: a\n  sql: SELECT 1", "setup_csv: {t: missing.csv}", "setup_csv.t names"),
])
def test_bad_manifests_get_clear_errors(tmp_path, cases, extra, needle):
    folder = write_suite(tmp_path / "s", cases, extra=extra)
    with pytest.raises(ManifestError) as caught:
        load_manifest(folder)
    assert needle in str(caught.value)
    assert str(folder / "manifest.yaml") in str(caught.value)


def test_manifest_without_required_keys_or_unknown_dialect(tmp_path):
    (tmp_path / "manifest.yaml").write_text("name: x\ncases: []\n", encoding="utf-8")
    with pytest.raises(ManifestError, match="source_dialect: required"):
        load_manifest(tmp_path)
    (tmp_path / "manifest.yaml").write_text("name: x\nsource_dialect: klingon\ncases: []\n")
    with pytest.raises(ManifestError, match="not a sqlglot dialect"):
        load_manifest(tmp_path)
    with pytest.raises(ManifestError, match="holds no manifest.yaml"):
        load_manifest(tmp_path / "empty" if (tmp_path / "empty").mkdir() is None else tmp_path)


# ----------------------------------------------------------------------------- scorers
def _raw(verdict: str, **extra) -> dict:
    obj = {"name": "q", "verdict": verdict, "attempts": 2, "seconds": 0.5, "llm_calls": 1,
           "tokens": 40, "fixed_by": ["rule:x"] if verdict == "parity" else [],
           "error": None if verdict == "parity" else "boom", "final_sql": "SELECT 1",
           "compiled_attempts": [verdict != "compile_error"], "diff_summary": "3 vs 2 rows"}
    return {"objects": [obj], "target_dialect": "duckdb", "reference_error": None, **extra}


def test_scorers_return_values_with_explanations():
    good = score_case("a", 1, _raw("parity"))
    assert (good["parity"], good["compiles"], good["parses"]) == (True, True, True)
    assert "rule:x" in good["explanations"]["parity"]
    bad = score_case("b", 1, _raw("mismatch"))
    assert bad["parity"] is False and bad["compiles"] is True
    assert "3 vs 2 rows" in bad["explanations"]["parity"]
    broken = score_case("c", 1, _raw("compile_error"))
    assert broken["compiles"] is False and "boom" in broken["explanations"]["compiles"]
    ref = score_case("d", 1, {**_raw("parity"), "reference_error": "fails on the source"})
    assert ref["verdict"] == "reference_error" and ref["parity"] is None
    crash = score_case("e", 1, {**_raw("parity"), "harness_error": "the migration crashed"})
    assert crash["parity"] is False and "crashed" in crash["explanations"]["parity"]


# ----------------------------------------------------------------------------- end to end
@pytest.fixture(scope="module")
def tiny_logs(tmp_path_factory):
    """The tiny suite run twice through the real graph: plain sqlglot, then Cutover."""
    root = tmp_path_factory.mktemp("evals")
    suite = write_suite(root / "suite", TINY_CASES)
    base = run_eval(EvalSpec(suite=str(suite), source="sqlite", target="duckdb",
                             baseline="sqlglot", workdir=root / "runs"))
    cutover = run_eval(EvalSpec(suite=str(suite), source="sqlite", target="duckdb",
                                repeat=2, workdir=root / "runs"))
    return base, cutover, root


def test_tiny_suite_runs_through_the_real_graph_and_logs_every_field(tiny_logs):
    _, log, root = tiny_logs
    for key in ("suite", "source", "target", "prompt_set", "model", "git_rev", "versions",
                "cases", "summary"):
        assert key in log, key
    assert (log["source"], log["target"], log["mode"]) == ("sqlite", "duckdb", "cutover")
    assert log["versions"]["sqlglot"] and log["prompt_set"]["name"] == "default"
    assert set(log["prompt_set"]["hashes"]) >= {"fixer/v1", "translator/v1"}
    assert len(log["cases"]) == 4  # 2 cases x 2 repeats
    for case in log["cases"]:
        for key in ("id", "verdict", "parses", "compiles", "parity", "attempts", "llm_calls",
                    "tokens", "seconds"):
            assert key in case
        assert Path(case["raw"]["run_dir"], "report.json").is_file()  # linked run folder
    summary = log["summary"]
    assert summary["cases"] == 2 and summary["repeats"] == 2
    assert summary["parity"] == {"mean": 1.0, "stdev": 0.0, "min": 1.0, "max": 1.0, "n": 2,
                                 "values": [1.0, 1.0]}
    assert read_log(root / "runs" / log["eval_id"] / "eval.json")["eval_id"] == log["eval_id"]


def test_baseline_shows_the_uplift_on_a_known_trap(tiny_logs):
    base, log, _ = tiny_logs
    before = {c["id"]: c for c in base["cases"]}
    after = {c["id"]: c for c in log["cases"] if c["repeat"] == 1}
    assert before["int_division"]["parity"] is False and before["int_division"]["attempts"] == 1
    # the semantics library rewrites int / int while translating: no fixer attempt needed
    assert after["int_division"]["parity"] is True and after["int_division"]["attempts"] == 1
    assert "first translation" in after["int_division"]["explanations"]["parity"]
    assert before["plain"]["parity"] is after["plain"]["parity"] is True
    assert base["mode"] == "baseline-sqlglot" and base["summary"]["parity"]["mean"] == 0.5


def test_a_stored_log_is_rescored_without_the_run_folders(tiny_logs, tmp_path):
    _, log, _ = tiny_logs
    path = write_log(log, tmp_path / "copy.json")
    stored = read_log(path)
    for case in stored["cases"]:  # the runs are gone: rescoring must not need them
        case["raw"]["run_dir"] = str(tmp_path / "deleted")
        if case["id"] == "plain" and case["repeat"] == 2:
            case["raw"]["objects"][0]["verdict"] = "mismatch"
    again = rescore(stored)
    assert again["summary"]["parity"]["values"] == [1.0, 0.5]
    assert again["summary"]["parity"]["stdev"] > 0
    flipped = next(c for c in again["cases"] if c["id"] == "plain" and c["repeat"] == 2)
    assert flipped["parity"] is False and flipped["verdict"] == "mismatch"


def test_compare_reports_deltas_and_writes_a_self_contained_page(tiny_logs, tmp_path):
    base, log, _ = tiny_logs
    deltas = {d.id: d for d in case_deltas(base, log)}
    assert deltas["int_division"].change == "fixed" and deltas["int_division"].parity_delta == 1
    assert deltas["plain"].change == "same"
    page = html.write(base, log, tmp_path / "cmp.html").read_text(encoding="utf-8")
    assert page.count("<svg") >= 4 and "int_division" in page and "fixed" in page
    assert "<script" not in page and "http://" not in page.replace(
        'xmlns="http://www.w3.org/2000/svg"', "") and "https://" not in page


def test_cli_compare_and_list(tiny_logs, tmp_path):
    from typer.testing import CliRunner

    from cutover.cli import app

    base, log, root = tiny_logs
    a, b = write_log(base, tmp_path / "a.json"), write_log(log, tmp_path / "b.json")
    done = CliRunner().invoke(app, ["eval", "compare", str(a), str(b)])
    assert done.exit_code == 0, done.output
    assert "fixed" in done.output and (tmp_path / "compare-a-vs-b.html").is_file()
    listed = CliRunner().invoke(app, ["eval", "list", "--workdir", str(root / "runs")])
    assert listed.exit_code == 0 and "traps-sqlite" in listed.output
    (tmp_path / "junk.json").write_text("{}")
    with pytest.raises(LogError, match="lacks suite"):
        read_log(tmp_path / "junk.json")


def test_reference_errors_are_kept_out_of_the_rates(tmp_path):
    suite = write_suite(tmp_path / "s", TINY_CASES + "- id: no_table\n  sql: SELECT * FROM nope\n")
    log = run_eval(EvalSpec(suite=str(suite), source="sqlite", target="duckdb",
                            baseline="sqlglot", workdir=tmp_path / "runs"))
    ref = next(c for c in log["cases"] if c["id"] == "no_table")
    assert ref["verdict"] == "reference_error" and "nope" in ref["explanations"]["parity"]
    assert log["summary"]["reference_errors"] == ["no_table"]
    assert log["summary"]["scored"] == 2


def test_prompt_set_plumbing_records_the_prompt_hashes_the_model_saw(tmp_path):
    from agents.llm import ScriptedChatModel, tool_call_message
    from prompts.loader import prompt_set_hashes

    # SQLite's hex() encodes a number's text; hex_text rewrites it where the catalog types the
    # argument, which a CTE's column is not: the fixer (the model) is asked
    suite = write_suite(tmp_path / "s", """
        - id: hex_text
          sql: WITH o AS (SELECT id, qty AS q FROM orders) SELECT id, hex(q) AS h FROM o
        """)
    fixed = ("WITH o AS (SELECT id, qty AS q FROM orders) "
             "SELECT id, hex(CAST(q AS VARCHAR)) AS h FROM o")
    models: list[ScriptedChatModel] = []

    def factory() -> ScriptedChatModel:
        models.append(ScriptedChatModel(script=[tool_call_message(
            "submit_sql", sql=fixed, explanation="SQLite hex() encodes the text")]))
        return models[-1]

    log = run_eval(EvalSpec(suite=str(suite), source="sqlite", target="duckdb",
                            prompt_set="terse", workdir=tmp_path / "runs"),
                   chat_model_factory=factory)
    case = log["cases"][0]
    assert case["parity"] is True and case["llm_calls"] >= 1 and case["tokens"] > 0
    expected = prompt_set_hashes("terse")
    assert log["prompt_set"] == {"name": "terse", "hashes": expected}
    used = {u["prompt_id"]: u["prompt_hash"] for u in case["raw"]["prompts_used"]}
    assert used == {"fixer/v2": expected["fixer/v2"]}
    assert models and models[0].received  # the scripted model was really called


def test_a_bad_engine_or_suite_is_a_clear_error(tmp_path):
    from tools.errors import ConfigError

    with pytest.raises(ConfigError, match="unknown engine 'oracle'"):
        run_eval(EvalSpec(suite="traps-sqlite", source="oracle", target="duckdb",
                          workdir=tmp_path))
    with pytest.raises(ManifestError, match="no suite 'nope'"):
        run_eval(EvalSpec(suite="nope", source="sqlite", target="duckdb", workdir=tmp_path))


def test_gate_fails_when_a_case_loses_parity(tmp_path):
    from evals.gate import Entry, check

    entry = Entry("traps-sqlite", "sqlite", "duckdb")
    log = {"summary": {"parity": {"mean": 0.5}},
           "cases": [{"id": "a", "parity": True}, {"id": "b", "parity": False}]}
    assert check(entry, log, {"parity": 0.5, "parity_cases": ["a"]}) == []
    problems = check(entry, log, {"parity": 0.5, "parity_cases": ["b"]})
    assert problems == ["traps-sqlite__sqlite__duckdb: no longer at parity: b"]
    assert "< baseline" in check(entry, log, {"parity": 0.9, "parity_cases": []})[0]
    committed = json.loads(Path("evals/baselines/tpch__duckdb__duckdb.json").read_text())
    assert committed["parity"] > 0 and committed["cases"] == 22
    shutil.rmtree(tmp_path, ignore_errors=True)


def test_gate_only_runs_the_named_entries(tmp_path, monkeypatch, capsys):
    from evals import gate

    monkeypatch.delenv("CUTOVER_TEST_PG_URL", raising=False)
    monkeypatch.delenv("CUTOVER_TEST_MYSQL_URL", raising=False)
    with pytest.raises(SystemExit) as stopped:  # a server entry without its server
        gate.main(["--only", "tpch__postgres__duckdb", "--workdir", str(tmp_path)])
    assert stopped.value.code == 2 and "tpch__postgres__duckdb" in capsys.readouterr().err
    ran: list[str] = []
    monkeypatch.setattr(gate, "_one", lambda entry, workdir, update: ran.append(entry.key) or [])
    assert gate.main(["--only", "tpch__sqlite__clickhouse,tpch__duckdb__clickhouse",
                      "--workdir", str(tmp_path)]) == 0
    assert ran == ["tpch__duckdb__clickhouse", "tpch__sqlite__clickhouse"]  # the matrix's order


def test_setup_scripts_split_like_the_command_line_clients():
    from evals.scripts import is_database_switch, split_script, statement_kind

    mysql = split_script(textwrap.dedent("""
        -- header
        USE sakila;
        INSERT INTO a VALUES (';'), ('it''s'), ('back\\\\slash;');
        --
        DELIMITER ;;
        CREATE TRIGGER t AFTER INSERT ON a FOR EACH ROW BEGIN
          INSERT INTO b VALUES (1);
        END;;
        DELIMITER ;
        CREATE DEFINER=CURRENT_USER SQL SECURITY INVOKER VIEW v AS SELECT 1;
        """), mysql=True)
    assert [statement_kind(s.sql) for s in mysql] == [None, None, "trigger", "view"]
    assert is_database_switch(mysql[0].sql) and mysql[1].line == 4
    assert "INSERT INTO b VALUES (1);" in mysql[2].sql
    pg = split_script("CREATE FUNCTION f() RETURNS int AS $$ SELECT 1; $$ LANGUAGE sql;\n"
                      "SELECT 2;")
    assert [s.sql[:6] for s in pg] == ["CREATE", "SELECT"] and pg[1].line == 2


def test_a_suite_runs_only_on_a_source_speaking_its_dialect(tmp_path):
    with pytest.raises(ManifestError, match="written in postgres but the source engine speaks"):
        run_eval(EvalSpec(suite="traps-postgres", source="sqlite", target="duckdb",
                          workdir=tmp_path))
    assert not any(tmp_path.iterdir())  # refused before any database was made


def test_llm_cost_per_case_and_per_suite_in_log_tables_and_page(tmp_path):
    """Cost = tokens × [llm] price_per_mtok, per case and summed per suite; shown by
    `cutover eval` tables (run and compare) and in the HTML page."""
    from io import StringIO

    from rich.console import Console
    from typer.testing import CliRunner

    from agents.llm import ScriptedChatModel, tool_call_message
    from cutover.cli import app
    from cutover.eval_cli import print_log

    # SQLite's hex() encodes a number's text; hex_text rewrites it where the catalog types the
    # argument, which a CTE's column is not: the fixer (the model) is asked
    suite = write_suite(tmp_path / "s", """
        - id: hex_text
          sql: WITH o AS (SELECT id, qty AS q FROM orders) SELECT id, hex(q) AS h FROM o
        """)
    fixed = ("WITH o AS (SELECT id, qty AS q FROM orders) "
             "SELECT id, hex(CAST(q AS VARCHAR)) AS h FROM o")

    def factory() -> ScriptedChatModel:
        answer = tool_call_message("submit_sql", sql=fixed, explanation="hex of the text")
        answer.usage_metadata = {"input_tokens": 1_000, "output_tokens": 200,
                                 "total_tokens": 1_200}
        return ScriptedChatModel(script=[answer])

    log = run_eval(EvalSpec(suite=str(suite), source="sqlite", target="duckdb",
                            workdir=tmp_path / "runs",
                            llm={"price_per_mtok": {"input": 3.0, "output": 15.0}}),
                   chat_model_factory=factory)
    expected = (1_000 * 3.0 + 200 * 15.0) / 1_000_000  # 0.006
    case = log["cases"][0]
    assert case["parity"] is True and case["tokens"] == 1_200
    assert case["llm_cost"] == pytest.approx(expected)
    assert log["summary"]["llm_cost"]["mean"] == pytest.approx(expected)

    out = StringIO()
    print_log(log, Console(file=out, width=200))
    table = out.getvalue()
    assert "cost" in table and "0.006" in table

    base = run_eval(EvalSpec(suite=str(suite), source="sqlite", target="duckdb",
                             workdir=tmp_path / "runs", baseline="sqlglot"))
    page = html.write(base, log, tmp_path / "cmp.html").read_text(encoding="utf-8")
    assert "<th>LLM cost</th>" in page and "0 → 0.006" in page
    assert "<td>llm_cost</td>" in page and "LLM cost per object" in page
    a, b = write_log(base, tmp_path / "a.json"), write_log(log, tmp_path / "b.json")
    done = CliRunner().invoke(app, ["eval", "compare", str(a), str(b)], env={"COLUMNS": "200"})
    assert done.exit_code == 0, done.output
    assert "0 → 0.006" in done.output and "llm_cost" in done.output
def test_setup_csv_reads_gzip_with_another_delimiter_and_no_header(tmp_path):
    """A TPC-style `.tbl.gz` (pipe-delimited, no header, a trailing '|') loads into the
    table setup created, and the case's query sees every row and NULL."""
    import gzip

    suite = write_suite(tmp_path / "suite", """
        - id: totals
          sql: SELECT COUNT(*) AS n, SUM(qty) AS qty, COUNT(note) AS notes FROM items
        """, setup="CREATE TABLE items (id INTEGER PRIMARY KEY, qty INTEGER, note TEXT);",
        extra="setup_csv: {items: {path: items.tbl.gz, delimiter: '|', header: false}}")
    with gzip.open(suite / "items.tbl.gz", "wt", encoding="utf-8") as fh:
        fh.write("1|7|a, b|\n2|5||\n3|-2|x|\n")
    spec = load_manifest(suite)
    assert spec.setup_csv["items"].delimiter == "|"
    log = run_eval(EvalSpec(suite=str(suite), source="sqlite", target="duckdb",
                            baseline="sqlglot", workdir=tmp_path / "runs"))
    (case,) = log["cases"]
    assert case["parity"] is True, case
    db = next((tmp_path / "runs").rglob("source*.sqlite"), None) or next(
        (tmp_path / "runs").rglob("*.sqlite"))
    import sqlite3
    rows = sqlite3.connect(db).execute("SELECT id, qty, note FROM items ORDER BY id").fetchall()
    assert rows == [(1, 7, "a, b"), (2, 5, None), (3, -2, "x")]


def test_setup_csv_delimiter_must_be_one_character(tmp_path):
    suite = write_suite(tmp_path / "s", TINY_CASES,
                        extra="setup_csv: {orders: {path: setup.sql, delimiter: '||'}}")
    with pytest.raises(ManifestError, match="one character"):
        load_manifest(suite)
