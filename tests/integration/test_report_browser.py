"""report.html in a real browser (Debian's chromium driven by Playwright): no horizontal
overflow at 1280-1920 px, problems first, a link opens its object, the filters and the search
work, NULL is shown apart from 'NULL' and '', and the page logs no console error.

Screenshots go to $CUTOVER_ARTIFACTS_DIR (.ci/run keeps them) or the test's tmp folder.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from cutover.cli import app
from tests.support.projects import make_project

CHROMIUM = Path("/usr/bin/chromium")
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
         "--disable-component-update", "--disable-sync"]
pytestmark = pytest.mark.skipif(not CHROMIUM.exists(), reason="chromium is not installed: "
                                "apt-get install -y chromium (.ci/run does)")


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    playwright = pytest.importorskip("playwright.sync_api")
    with playwright.sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=str(CHROMIUM), args=FLAGS)
        yield chromium
        chromium.close()


@pytest.fixture(scope="module")
def demo_report(tmp_path_factory: pytest.TempPathFactory) -> Path:
    work = tmp_path_factory.mktemp("demo")
    done = CliRunner().invoke(app, ["demo", "--dir", str(work / "cutover-demo")])
    assert done.exit_code == 0, done.output
    (report,) = (work / "cutover-demo" / "runs").glob("*/report.html")
    return report


@pytest.fixture(scope="module")
def problem_report(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Two objects not at parity, one with NULL, 'NULL' and '' in its sample rows."""
    work = tmp_path_factory.mktemp("problems")
    project = make_project(work / "p", {"sql/a.sql": """
        CREATE VIEW fine AS SELECT id, name FROM customers;
        CREATE VIEW nulls AS SELECT CASE id WHEN 1 THEN NULL WHEN 2 THEN 'NULL' ELSE ''
          END AS label, typeof(qty) AS t FROM orders;
        CREATE VIEW uses_fine AS SELECT name FROM fine WHERE id > 2;
        CREATE VIEW broken AS SELECT FROM WHERE;
    """})
    done = CliRunner().invoke(app, ["run", str(project), "--runs-dir", str(work / "runs"),
                                    "--run-id", "r1"])
    assert done.exit_code == 1, done.output
    return work / "runs" / "r1" / "report.html"


def _open(browser: Any, report: Path, width: int) -> tuple[Any, list[str]]:
    page = browser.new_page(viewport={"width": width, "height": 900})
    problems: list[str] = []
    page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: problems.append(str(e)))
    page.goto(report.as_uri())
    return page, problems


def _shots() -> Path:
    folder = Path(os.environ.get("CUTOVER_ARTIFACTS_DIR") or "")
    return folder if folder.parts else Path(".")


@pytest.mark.parametrize("width", [1280, 1400, 1920])
def test_no_horizontal_overflow_and_no_console_error(browser: Any, demo_report: Path,
                                                      problem_report: Path, width: int,
                                                      tmp_path: Path) -> None:
    for report in (demo_report, problem_report):
        page, problems = _open(browser, report, width)
        for details in page.locator("details").all():  # everything open: the widest case
            details.evaluate("d => d.open = true")
        scroll, inner = page.evaluate("[document.documentElement.scrollWidth, innerWidth]")
        assert scroll <= inner, f"{report.parent.name}: {scroll} px wide in a {inner} px window"
        assert problems == []
        page.close()
    page, _ = _open(browser, demo_report, width)
    folder = _shots() if os.environ.get("CUTOVER_ARTIFACTS_DIR") else tmp_path
    page.screenshot(path=str(folder / f"report-{width}.png"))
    page.close()


def test_problems_first_link_opens_object_and_filters(browser: Any, problem_report: Path) -> None:
    page, problems = _open(browser, problem_report, 1400)
    rows = page.locator("tr.obj-row")
    verdicts = rows.evaluate_all("rs => rs.map(r => r.dataset.verdict)")
    assert verdicts[:2] == ["mismatch", "parse_error"] or set(verdicts[:2]) == {
        "mismatch", "parse_error"}
    assert set(verdicts[2:]) == {"parity"}

    page.click('a[href="#o-uses_fine"]')
    section = page.locator("details#o-uses_fine")
    assert section.evaluate("d => d.open") and section.is_visible()

    page.select_option("#f-verdict", "parity")
    assert page.locator("#f-count").inner_text() == "2 of 4 objects"
    assert not page.locator("details#o-nulls").is_visible()
    page.select_option("#f-verdict", "")
    page.fill("#f-q", "typeof")  # search reaches the SQL too
    visible = [r for r in rows.all() if r.is_visible()]
    assert [r.get_attribute("data-verdict") for r in visible] == ["mismatch"]
    page.fill("#f-q", "")
    page.select_option("#f-kind", "query")
    assert page.locator("#f-count").inner_text() == "1 of 4 objects"
    assert problems == []


def test_null_is_shown_apart_from_the_string_null_and_empty(browser: Any,
                                                             problem_report: Path) -> None:
    page, _ = _open(browser, problem_report, 1400)
    section = page.locator("details#o-nulls")
    cells = section.locator("table.rows td")
    texts = cells.evaluate_all("cs => cs.map(c => [c.textContent, c.innerHTML])")
    shown_null = [html for text, html in texts if text == "NULL"]
    assert any('class="null"' in html for html in shown_null), texts  # SQL NULL: a badge
    assert any("<span" not in html for html in shown_null), texts  # the string 'NULL': plain
    assert any('class="empty"' in html for _, html in texts), texts  # '' marked as empty


# --- a large run: the table is paged ------------------------------------------------------

LARGE = 1_500
"""Objects in the paged report: three pages past INLINE_LIMIT, a size the suite can afford
(the 10,000-object figure is benchmarks/scale_bench.py --browser)."""


@pytest.fixture(scope="module")
def large_report(problem_report: Path,
                 tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, list[str]]:
    """A real run's objects, repeated under new names to LARGE objects, rendered by the
    reporter's renderer; one object's SQL tries to break out of the page's script."""
    from tools.records import Report
    from tools.report.html import INLINE_LIMIT, render_html
    from tools.runlog import read_events

    real = Report.load(problem_report.parent / "report.json")
    objects = []
    for i in range(LARGE):
        like = real.objects[i % len(real.objects)]
        name = f"bulk_{i:05d}"
        sql = like.source_sql if i != 1234 else "SELECT '</script><script>alert(1)</script>'"
        objects.append(like.model_copy(update={
            "name": name, "source_sql": sql,
            "depends_on": [f"bulk_{i - 4:05d}"] if i >= 4 and i % 4 == 2 else []}))
    big = real.model_copy(update={"objects": objects, "total": LARGE})
    assert LARGE > INLINE_LIMIT
    out = tmp_path_factory.mktemp("large") / "report.html"
    out.write_text(render_html(big, read_events(problem_report.parent / "events.jsonl")),
                   encoding="utf-8")
    return out, [o.verdict.value for o in objects]


def test_large_report_is_paged_and_its_filters_reach_every_page(
        browser: Any, large_report: tuple[Path, list[str]]) -> None:
    from tools.report.html import PAGE_SIZE

    report, verdicts = large_report
    page, problems = _open(browser, report, 1400)
    dialogs: list[str] = []
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    rows = page.locator("tr.obj-row")
    assert rows.count() == PAGE_SIZE  # one page in the document, not 1,500 rows
    assert page.locator("details.obj").count() == PAGE_SIZE
    pages = -(-LARGE // PAGE_SIZE)
    assert page.locator("#f-count").inner_text() == f"{LARGE} of {LARGE} objects"
    assert page.locator("#p-page").inner_text() == f"page 1 of {pages}"
    first = rows.evaluate_all("rs => rs.map(r => r.dataset.verdict)")
    assert set(first) <= {"mismatch", "parse_error"}  # problems first, across pages too

    page.click("#p-next")
    assert page.locator("#p-page").inner_text() == f"page 2 of {pages}"
    assert rows.count() == PAGE_SIZE

    page.select_option("#f-verdict", "parity")  # the filter runs over every page's objects
    parity = verdicts.count("parity")
    assert page.locator("#f-count").inner_text() == f"{parity} of {LARGE} objects"
    assert set(rows.evaluate_all("rs => rs.map(r => r.dataset.verdict)")) == {"parity"}
    assert page.locator("#p-page").inner_text() == f"page 1 of {-(-parity // PAGE_SIZE)}"

    page.select_option("#f-verdict", "")
    page.fill("#f-q", "bulk_01234")  # the name, on a late page
    assert rows.count() == 1
    section = page.locator("details#o-bulk_01234")
    assert "</script><script>alert(1)</script>" in section.locator("pre").first.inner_text()

    page.fill("#f-q", "nothing matches this")
    assert rows.count() == 0 and page.locator("#f-count").inner_text() == f"0 of {LARGE} objects"
    late = f"bulk_{LARGE - 1:05d}"  # at parity: on the last page
    page.evaluate(f"location.hash = '#o-{late}'")  # a link clears the filters, turns the page
    page.wait_for_function(f"() => document.getElementById('o-{late}') !== null")
    target = page.locator(f"details#o-{late}")
    assert target.evaluate("d => d.open") and target.is_visible()
    assert page.locator("#f-q").input_value() == ""
    assert dialogs == [] and problems == []
