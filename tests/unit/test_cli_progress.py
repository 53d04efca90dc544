"""Live progress from trace events: plain lines when piped, a progress bar on a terminal."""

from __future__ import annotations

import io
from pathlib import Path

from rich.console import Console
from typer.testing import CliRunner

from cutover.cli import app
from cutover.progress import RunProgress
from tests.support.projects import make_project
from tools.trace import Tracer

runner = CliRunner()


def test_run_prints_one_plain_line_per_object_when_piped(tmp_path: Path) -> None:
    project = make_project(tmp_path / "p", {"sql/a.sql": """
        CREATE VIEW paris AS SELECT id FROM customers WHERE city = 'Paris';
        CREATE VIEW hx AS SELECT typeof(qty) AS t FROM orders;
    """})
    done = runner.invoke(app, ["run", str(project), "--runs-dir", str(tmp_path / "runs")])
    lines = done.stdout.splitlines()
    assert "planned 2 objects" in lines
    first = next(ln for ln in lines if ln.startswith("[1/2]"))
    second = next(ln for ln in lines if ln.startswith("[2/2]"))
    # Independent objects run in parallel: either may finish first.
    paris = next(ln for ln in (first, second) if "paris" in ln)
    hx = next(ln for ln in (first, second) if " hx " in ln)
    assert "parity" in paris and "mismatch" in hx
    assert "ETA" in first and "elapsed" in second
    assert "parity 1" in second and "mismatch 1" in second
    assert "\x1b[" not in done.stdout


def test_terminal_display_follows_the_trace(tmp_path: Path) -> None:
    out = io.StringIO()
    console = Console(file=out, force_terminal=True, width=160, color_system=None)
    tracer = Tracer(tmp_path / "events.jsonl")
    with RunProgress(console) as progress:
        assert progress.live
        tracer.event("plan", objects=3)
        with tracer.node_span("data_differ", "orders_by_city"):
            assert progress.where == "data_differ: orders_by_city"
        tracer.event("object_end", object="orders_by_city", verdict="parity", attempts=1)
        tracer.event("object_end", object="orders_by_city", verdict="parity", attempts=1)
        tracer.event("object_end", object="late", verdict="mismatch", attempts=3)
        assert progress.counts() == "parity 1, mismatch 1"
        assert progress.eta_s() is not None
    text = out.getvalue()
    assert "2/3" in text and "parity 1, mismatch 1" in text
    assert "mismatch               late  3 attempt(s)" in text
    tracer.event("object_end", object="after", verdict="parity")  # listener gone: no error
    assert progress.counts() == "parity 1, mismatch 1"



def test_eval_run_json_to_stdout_and_single_eval_page(tmp_path: Path) -> None:
    import json

    page = tmp_path / "one.html"
    done = runner.invoke(app, ["eval", "run", "traps-sqlite", "--source", "sqlite", "--target",
                               "duckdb", "--case", "avg_of_int_division", "--json", "-",
                               "--html", str(page), "--workdir", str(tmp_path / "ev")])
    assert done.exit_code == 0, done.output
    log = json.loads(done.stdout)  # stdout holds the log alone
    assert [c["id"] for c in log["cases"]] == ["avg_of_int_division"]
    assert "[1/1] parity" in done.stderr  # the live progress, on stderr here
    html = page.read_text(encoding="utf-8")
    assert "<title>Cutover eval: traps-sqlite · sqlite→duckdb</title>" in html
    assert "comparison" not in html.lower()
