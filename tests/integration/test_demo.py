"""`cutover demo` on a fresh folder: the bundled example reaches parity everywhere, and the
report shows which objects needed the fixer and why.

Integration, not unit: two full runs of the 20-object example (~20 s)."""

from __future__ import annotations

import json

from tests.support.cli import cutover


def test_demo_end_to_end(tmp_path):
    done = cutover("demo", "--dir", "demo", cwd=tmp_path)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "deterministic" in done.stdout  # the summary says no LLM was used
    runs = list((tmp_path / "demo" / "runs").iterdir())
    assert len(runs) == 1
    report = json.loads((runs[0] / "report.json").read_text())
    objects = report["objects"]
    assert len(objects) >= 15
    assert {o["verdict"] for o in objects} == {"parity"} | (
        {"parity_with_tolerance"} & {o["verdict"] for o in objects})
    fixed = [o for o in objects if o["needed_fixer"]]
    assert len(fixed) >= 3
    # the rest of the example's traps are carried over up front, and the report says by what
    up_front = [o for o in objects if not o["needed_fixer"]
                and "semantics library: " in o["attempt_log"][0]["reason"]]
    assert len(up_front) >= 3, [o["attempt_log"][0]["reason"] for o in objects]
    for obj in fixed:
        # each repair is explained: the failing first attempt and the rule that fixed it
        first = obj["attempt_log"][0]
        assert (first["compile"] and not first["compile"]["ok"]) or first["diff_score"] < 1
        assert all(step.startswith("rule:") for step in obj["fixed_by"])
    kinds = {o["kind"] for o in objects}
    assert {"view", "query"} <= kinds
    html = (runs[0] / "report.html").read_text()
    assert all(o["name"] in html for o in objects)
    assert "needed the fixer" in html
    assert "semantics library: " in html
    # a second demo in the same folder reuses the source, leaves it untouched, starts a new run
    source = tmp_path / "demo" / "data" / "shop.sqlite"
    before = source.read_bytes()
    again = cutover("demo", "--dir", "demo", cwd=tmp_path)
    assert again.returncode == 0, again.stderr
    assert len(list((tmp_path / "demo" / "runs").iterdir())) == 2
    assert source.read_bytes() == before

