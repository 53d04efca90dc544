"""Remake the README's pictures: the report's first screen at 1400 px and a live progress frame.

Usage: .venv/bin/python docs/screenshots.py
Runs `cutover demo` in a temp folder, opens its report in Debian's chromium (Playwright,
executable /usr/bin/chromium), and replays the demo's trace events into the live progress
display (cutover.progress) to draw one frame mid-run.
"""

from __future__ import annotations

import io
import json
import tempfile
from pathlib import Path

from playwright.sync_api import sync_playwright
from rich.console import Console
from typer.testing import CliRunner

from cutover.cli import app
from cutover.progress import RunProgress

DOCS = Path(__file__).resolve().parent
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
         "--disable-component-update", "--disable-sync"]


def progress_frame_svg(events: list[dict], stop_after: int) -> str:
    """The display as it stood after `stop_after` finished objects, as an SVG (the events'
    own timestamps drive elapsed time and ETA)."""
    console = Console(record=True, file=io.StringIO(), force_terminal=True, width=132)
    now = [events[0]["ts"]]
    display = RunProgress(console, live=True, clock=lambda: now[0])
    bar = display.build_bar()
    finished = 0
    for event in events:
        if event["kind"] == "object_end":
            if finished == stop_after:
                break
            finished += 1
        now[0] = event["ts"]
        display(event)
    console.print(bar.get_renderable())
    return console.export_svg(title="cutover demo")


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        done = CliRunner().invoke(app, ["demo", "--dir", f"{tmp}/cutover-demo"])
        assert done.exit_code == 0, done.output
        (report,) = Path(tmp, "cutover-demo", "runs").glob("*/report.html")
        events = [json.loads(line) for line in (report.parent / "events.jsonl").open()]
        svg = Path(tmp, "progress.svg")
        svg.write_text(progress_frame_svg(events, stop_after=12), encoding="utf-8")
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=FLAGS)
            page = browser.new_page(viewport={"width": 1400, "height": 900})
            page.goto(report.as_uri())
            page.screenshot(path=str(DOCS / "report.png"))
            page.set_viewport_size({"width": 1400, "height": 330})  # the frame, no margin
            page.goto(svg.as_uri())
            page.locator("svg").screenshot(path=str(DOCS / "progress.png"))
            browser.close()
    print(f"wrote {DOCS / 'report.png'} and {DOCS / 'progress.png'}")


if __name__ == "__main__":
    main()
