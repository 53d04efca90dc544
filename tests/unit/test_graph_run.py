"""The whole graph on small real projects (SQLite source, DuckDB target, no LLM)."""

from __future__ import annotations

import json

from tests.support.projects import make_project

NODES = {"planner", "loader", "translator", "compiler_checker", "data_differ", "fixer", "reporter"}


def _by_name(outcome):
    return {o["name"]: o for o in outcome.report["objects"]}


def test_every_node_runs_and_the_fixer_repairs_integer_division(tmp_path, run_project):
    project = make_project(tmp_path / "p", {
        "sql/views.sql": """
            -- revenue per customer
            CREATE VIEW customer_revenue AS
              SELECT customer_id, SUM(qty * price) AS revenue, COUNT(*) AS n
              FROM orders GROUP BY customer_id;
            -- average basket, integer maths in SQLite
            CREATE VIEW basket AS
              SELECT customer_id, SUM(qty) / COUNT(*) AS avg_qty FROM orders GROUP BY customer_id;
        """,
        "sql/reports.sql": """
            SELECT c.name, r.revenue FROM customers c JOIN customer_revenue r
              ON r.customer_id = c.id ORDER BY r.revenue DESC, c.name;
        """,
    })
    # semantics=False: plain sqlglot, so the fixer path runs (with the library on, the
    # translator gets basket right up front: tests/unit/test_semantics_library.py)
    outcome = run_project(project, semantics=False)
    objects = _by_name(outcome)
    assert {n: o["verdict"] for n, o in objects.items()} == {
        "customer_revenue": "parity", "basket": "parity", "reports": "parity"}
    # The plain transpile is float division in DuckDB: the data said so and a rule fixed it.
    basket = objects["basket"]
    assert basket["attempts"] >= 2 and basket["needed_fixer"]
    assert basket["attempt_log"][0]["diff_summary"] and basket["attempt_log"][0]["diff_score"] < 1
    assert any(step.startswith("rule:") for step in basket["fixed_by"])
    assert not objects["customer_revenue"]["needed_fixer"]
    # dependency order: the report reads the view, so it comes after it
    names = [o["name"] for o in outcome.report["objects"]]
    assert names.index("customer_revenue") < names.index("reports")
    events = [json.loads(line) for line in (outcome.run_dir / "events.jsonl").open()]
    assert NODES <= {e["node"] for e in events if e["kind"] == "node_start"}
    sides = {e["side"] for e in events if e["kind"] == "sql"}
    assert sides == {"source", "target"}
    for name in ("report.json", "report.md", "report.html", "spec.json", "checkpoints.sqlite"):
        assert (outcome.run_dir / name).is_file(), name
    assert "basket" in (outcome.run_dir / "report.html").read_text()
    translated = (outcome.run_dir / "translated" / "sql" / "views.sql").read_text()
    assert "CREATE VIEW basket" in translated


def test_planted_wrong_translation_is_caught_as_mismatch(tmp_path, run_project):
    from langchain_core.messages import AIMessage

    from agents.llm import ScriptedChatModel

    # likelihood() does not exist on DuckDB: sqlglot's candidate 1 fails to compile, so the
    # always-mode LLM translation (candidate 2) is what the differ judges
    project = make_project(tmp_path / "p", {
        "sql/q.sql": "SELECT id, likelihood(qty * 2, 0.5) AS dbl FROM orders;"})
    wrong = "SELECT id, qty * 2 + CASE WHEN id = 4 THEN 1 ELSE 0 END AS dbl FROM orders"
    model = ScriptedChatModel(script=[AIMessage(content="", tool_calls=[{
        "name": "submit_sql", "args": {"sql": wrong, "explanation": "planted"}, "id": "c1"}])])
    outcome = run_project(project, chat_model=model, llm_mode="always", max_attempts=2)
    obj = _by_name(outcome)["q"]
    assert obj["verdict"] == "mismatch"
    assert [a["origin"] for a in obj["attempt_log"]] == ["translate", "llm-translate"]
    diff = obj["diff"]
    assert diff["changed_count"] == 1
    changed = diff["changed"][0]
    assert changed["column"] == "dbl" and str(changed["source"]) == "14"
    assert str(changed["target"]) == "15"


def test_unparseable_sql_and_missing_table_are_reported_not_crashes(tmp_path, run_project):
    project = make_project(tmp_path / "p", {
        "sql/a.sql": "SELECT id FROM orders;",
        "sql/broken.sql": "SELECT id FROM orders WHERE (qty > ;",
        "sql/typo.sql": "SELECT * FROM custmers;",
    })
    outcome = run_project(project)
    objects = _by_name(outcome)
    assert objects["a"]["verdict"] == "parity"
    assert objects["broken"]["verdict"] == "parse_error"  # issue 14
    assert "sql/broken.sql:1:" in objects["broken"]["error"]
    assert objects["typo"]["verdict"] == "blocked"
    assert "custmers" in objects["typo"]["error"] and "sql/typo.sql:1" in objects["typo"]["error"]
    assert outcome.report["plan_notes"]


def test_dependency_cycle_blocks_only_the_cycle(tmp_path, run_project):
    project = make_project(tmp_path / "p", {
        "sql/v.sql": """
            CREATE VIEW a AS SELECT * FROM b;
            CREATE VIEW b AS SELECT * FROM a;
            CREATE VIEW c AS SELECT id FROM customers;
        """,
    })
    objects = _by_name(run_project(project))
    assert objects["a"]["verdict"] == objects["b"]["verdict"] == "blocked"
    assert "cycle" in objects["a"]["error"]
    assert objects["c"]["verdict"] == "parity"


def test_dependants_of_a_failed_object_are_blocked(tmp_path, run_project):
    project = make_project(tmp_path / "p", {
        "sql/v.sql": """
            CREATE VIEW odd AS SELECT likelihood(qty > 1, 0.5) AS x FROM orders;
            CREATE VIEW on_odd AS SELECT * FROM odd;
        """,
    })
    objects = _by_name(run_project(project))
    assert objects["odd"]["verdict"] == "compile_error"
    assert objects["on_odd"]["verdict"] == "blocked"
    assert "depends on odd" in objects["on_odd"]["error"]


def test_source_is_never_written(tmp_path, run_project):
    project = make_project(tmp_path / "p",
                           {"sql/a.sql": "CREATE TABLE big AS SELECT * FROM orders;"})
    source = project / "data" / "source.sqlite"
    before = source.read_bytes()
    outcome = run_project(project)
    assert _by_name(outcome)["big"]["verdict"] == "parity"
    assert source.read_bytes() == before


def test_target_writes_stay_in_the_sandbox_unless_applied(tmp_path, run_project):
    import duckdb

    project = make_project(tmp_path / "p", {"sql/v.sql": """
        CREATE VIEW paris AS SELECT id, name FROM customers WHERE city = 'Paris';
        CREATE VIEW broken AS SELECT likelihood(qty > 1, 0.5) AS x FROM orders;
    """})
    outcome = run_project(project, run_id="sandboxed")
    target = str(project / "data" / "target.duckdb")
    con = duckdb.connect(target, read_only=True)
    main_objects = con.execute("SELECT table_name FROM information_schema.tables "
                               "WHERE table_schema = 'main'").fetchall()
    sandbox = con.execute("SELECT table_name FROM information_schema.tables "
                          "WHERE table_schema = 'cutover_sandboxed' ORDER BY 1").fetchall()
    con.close()
    assert main_objects == []
    assert ("paris",) in sandbox and ("customers",) in sandbox
    assert _by_name(outcome)["broken"]["verdict"] == "compile_error"

    run_project(project, run_id="applied", apply=True, keep_sandbox=False)
    con = duckdb.connect(target, read_only=True)
    rows = con.execute("SELECT name FROM main.paris ORDER BY id").fetchall()
    schemas = {r[0] for r in con.execute(
        "SELECT schema_name FROM information_schema.schemata").fetchall()}
    promoted = {r[0] for r in con.execute("SELECT table_name FROM information_schema.tables "
                                          "WHERE table_schema = 'main'").fetchall()}
    con.close()
    assert rows == [("Ada",), ("Cy",)]
    assert "cutover_applied" not in schemas  # dropped: keep_sandbox=False
    assert "broken" not in promoted and {"paris", "customers"} <= promoted


def test_verify_only_uses_the_tables_already_on_the_target(tmp_path, run_project):
    import duckdb

    project = make_project(tmp_path / "p", {"sql/a.sql": "SELECT city, COUNT(*) AS n FROM "
                                                         "customers GROUP BY city;"},
                           config_extra='\n[run]\nloader = "verify-only"\n')
    con = duckdb.connect(str(project / "data" / "target.duckdb"))
    con.execute("CREATE TABLE customers (id INT, name TEXT, email TEXT, city TEXT)")
    con.execute("INSERT INTO customers VALUES (1, 'Ada', 'a', 'Paris'), (2, 'Bob', 'b', 'Oslo'),"
                " (3, 'Cy', NULL, 'Paris')")  # one row short of the source
    con.close()
    outcome = run_project(project)
    loaded = outcome.report["base_tables"]
    assert loaded[0]["rows_target"] == 3 and loaded[0]["ok"] is False
    assert "row count differs" in outcome.report["load_error"]
    obj = _by_name(outcome)["a"]
    assert obj["verdict"] == "blocked" and "could not be loaded" in obj["error"]
    con = duckdb.connect(str(project / "data" / "target.duckdb"))
    con.execute("INSERT INTO customers VALUES (4, 'Dee', 'd', NULL)")
    con.close()
    again = run_project(project)
    assert _by_name(again)["a"]["verdict"] == "parity"
    assert again.report["base_tables"][0]["ok"] is True


def test_a_bug_on_one_object_blocks_only_that_object(tmp_path, run_project, monkeypatch):
    import agents.data_differ as differ

    real = differ.compare

    def compare_with_a_bug(source, target, **kwargs):
        if "boom" in source.column_names:  # fault injection: only object b trips it
            raise ZeroDivisionError("planted bug")
        return real(source, target, **kwargs)

    monkeypatch.setattr(differ, "compare", compare_with_a_bug)
    project = make_project(tmp_path / "p", {"sql/a.sql": "SELECT id FROM orders;",
                                            "sql/b.sql": "SELECT id AS boom FROM orders;",
                                            "sql/c.sql": "SELECT name FROM customers;"})
    objects = _by_name(run_project(project))
    assert objects["a"]["verdict"] == objects["c"]["verdict"] == "parity"
    assert objects["b"]["verdict"] == "blocked"
    assert "internal error in data_differ: ZeroDivisionError: planted bug" in objects["b"]["error"]


def test_report_query_columns_match_by_position(tmp_path, run_project):
    # SQLite names the column "count(*)"; DuckDB names it "count_star()"
    project = make_project(tmp_path / "p", {"sql/q.sql": "SELECT city, count(*) FROM customers "
                                                         "GROUP BY city ORDER BY city;"})
    obj = _by_name(run_project(project))["q"]
    assert obj["verdict"] == "parity", obj["error"]
    note = [d for d in obj["diff"]["diagnosis"] if d["cause"] == "names"]
    assert note and "count(*)" in note[0]["detail"] and "by position" in note[0]["detail"]
