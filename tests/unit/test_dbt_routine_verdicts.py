"""A routine's object (and a CALL of it) takes the verdict of the dbt models it became
(tools/dbt/routine_verdicts.py), through tools.dbt.report.routine_objects as the run applies it:
the object's verdict, its reason, its proof and the report's counts."""

from __future__ import annotations

from typing import Any

import pytest

from tools.dbt.report import routine_objects
from tools.dbt.routine_verdicts import known, routine_names, verdict_of
from tools.records import Verdict

PROC = ("CREATE PROCEDURE charge(p numeric) LANGUAGE plpgsql AS $$ BEGIN "
        "UPDATE accounts SET balance = balance - p; END $$;")
TWO = PROC + ("\nCREATE PROCEDURE log_it() LANGUAGE plpgsql AS $$ BEGIN "
              "INSERT INTO log SELECT 1; END $$;")


def model(name: str, verdict: str, **kw: Any) -> dict[str, Any]:
    return {"name": name, "layer": kw.get("layer", "marts"), "verdict": verdict,
            "diff_summary": kw.get("summary"), "error": kw.get("error"),
            "diff_artifact": kw.get("artifact"), "reason": kw.get("reason")}


def dbt(*models: dict, left_out: tuple = (), built: bool = True) -> dict[str, Any]:
    return {"models": [model("stg_x", "skipped", layer="staging"), *models],
            "left_out": [{"object": o, "reason": r} for o, r in left_out], "built": built,
            "ok": True}


@pytest.mark.parametrize(("section", "verdict", "said"), [
    (dbt(model("charge__accounts", "parity")), Verdict.PARITY, ""),
    (dbt(model("charge__accounts", "parity"), model("charge__log", "parity_with_tolerance")),
     Verdict.PARITY_WITH_TOLERANCE, ""),
    (dbt(model("charge__accounts", "mismatch", summary="mismatch: 3 rows differ")),
     Verdict.MISMATCH, "charge__accounts: mismatch: 3 rows differ"),
    (dbt(model("charge__accounts", "error", error="the diff failed")),
     Verdict.MISMATCH, "the diff failed"),
    (dbt(model("charge__accounts", "skipped"),
         left_out=(("charge", "translated but not proven: no invocation value for p"),)),
     Verdict.BLOCKED, "no invocation value for p"),
    (dbt(model("charge__accounts", "skipped", reason="mssql is translate-only here"),
         built=False), Verdict.SKIPPED, "translate-only"),
    (dbt(left_out=(("charge", "dynamic SQL (EXECUTE) cannot be set-based"),)),
     Verdict.UNSUPPORTED, "dynamic SQL"),
])
def test_a_routine_takes_its_models_verdict(section: dict, verdict: Verdict, said: str) -> None:
    found = verdict_of(["charge"], section)
    assert found.verdict == verdict
    assert said in found.reason
    assert "stg_x" not in found.models  # staging models belong to no routine


def test_a_statement_of_two_routines_takes_the_worse() -> None:
    section = dbt(model("charge__accounts", "parity"),
                  left_out=(("log_it", "writes no table"),))
    found = verdict_of(routine_names(TWO, "postgres"), section)
    assert found.verdict == Verdict.UNSUPPORTED and found.reason == "log_it: writes no table"
    assert found.models == ("charge__accounts",)


def test_names_come_from_definitions_and_calls_only() -> None:
    assert routine_names(TWO, "postgres") == ["charge", "log_it"]
    assert routine_names("CALL public.charge(2.5);", "postgres") == ["charge"]
    assert routine_names("SELECT charge FROM t", "postgres") == []
    assert routine_names("CREATE PROCEDURE broken( AS $$", "postgres") == []
    # a routine the export never saw is not the dbt section's to judge
    assert not known(["other"], dbt(model("charge__accounts", "parity")))
    assert known(["charge"], dbt(model("charge__accounts", "parity")))


def _report(section: dict) -> dict[str, Any]:
    objects = [
        {"name": "v", "source_sql": "CREATE VIEW v AS SELECT 1", "verdict": "parity",
         "error": None, "diff_artifact": "artifacts/v/diff.json"},
        {"name": "procs", "source_sql": PROC, "verdict": "unsupported",
         "error": "CREATE PROCEDURE is migrated by the dbt output", "diff_artifact": None},
        {"name": "call", "source_sql": "CALL charge(2.5)", "verdict": "unsupported",
         "error": "COMMAND statements are not migrated", "diff_artifact": None},
        {"name": "elsewhere", "source_sql": "CALL other(1)", "verdict": "unsupported",
         "error": "COMMAND statements are not migrated", "diff_artifact": None},
    ]
    counts = {v.value: 0 for v in Verdict}
    counts.update(parity=1, unsupported=3)
    return {"source": {"dialect": "postgres"}, "objects": objects, "counts": counts,
            "dbt": section}


def test_the_report_objects_and_counts_follow_the_models() -> None:
    report = _report(dbt(model("charge__accounts", "parity",
                               artifact="artifacts/dbt_charge__accounts/diff.json")))
    changed = routine_objects(report)
    assert changed == [("procs", "parity"), ("call", "parity")]
    by_name = {o["name"]: o for o in report["objects"]}
    assert by_name["procs"]["verdict"] == "parity" and by_name["procs"]["error"] is None
    assert by_name["procs"]["diff_artifact"] == "artifacts/dbt_charge__accounts/diff.json"
    # a CALL of a routine the export never saw keeps the run's verdict and reason
    assert by_name["elsewhere"]["verdict"] == "unsupported"
    assert report["counts"]["parity"] == 3 and report["counts"]["unsupported"] == 1
    assert sum(report["counts"].values()) == len(report["objects"])


def test_a_mismatching_model_makes_the_routine_a_mismatch() -> None:
    report = _report(dbt(model("charge__accounts", "mismatch", summary="2 rows differ")))
    routine_objects(report)
    procs = next(o for o in report["objects"] if o["name"] == "procs")
    assert procs["verdict"] == "mismatch" and "2 rows differ" in procs["error"]
    assert report["counts"]["mismatch"] == 2
