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
