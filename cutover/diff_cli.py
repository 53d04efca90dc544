"""`cutover diff`: compare a table or query on one database with one on another.

Exit codes: 0 equal (within tolerance), 1 different, 2 error. The work happens in
tools.diff.run; this module parses arguments, shows progress and prints the report.
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Literal, NoReturn

import typer
from rich.console import Console
from rich.markup import escape
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from tools.errors import CutoverError
from tools.records import Tolerance, Verdict

if TYPE_CHECKING:
    from tools.diff.run import DiffOutcome, DiffRequest

console = Console()
err = Console(stderr=True)


def parse_tolerances(specs: list[str]) -> dict[str, Tolerance]:
    """COL=abs:X, COL=rel:Y or COL=abs:X,rel:Y; repeated options for one column combine."""
    out: dict[str, Tolerance] = {}
    for spec in specs:
        col, sep, rest = spec.partition("=")
        if not sep or not col.strip():
            raise typer.BadParameter(f"{spec!r}: expected COL=abs:X or COL=rel:Y")
        tol = out.get(col.strip(), Tolerance())
        for part in rest.split(","):
            kind, sep, value = part.partition(":")
            try:
                number = float(value)
            except ValueError:
                number = -1.0
            if not sep or kind.strip() not in ("abs", "rel") or number < 0:
                raise typer.BadParameter(f"{spec!r}: expected abs:X or rel:Y with X, Y >= 0")
            if kind.strip() == "abs":
                tol = Tolerance(number, tol.rel_tol)
            else:
                tol = Tolerance(tol.abs_tol, number)
        out[col.strip()] = tol
    return out


def _cols(text: str | None) -> list[str] | None:
    return [c.strip() for c in text.split(",") if c.strip()] if text else None


def _progress() -> Progress:
    return Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
                    TimeElapsedColumn(), console=err, transient=True)


def diff_command(
    source_url: Annotated[str, typer.Argument(help="Source database URL (read-only).")],
    source: Annotated[str, typer.Argument(help="Source table (schema.table) or SELECT query.")],
    target_url: Annotated[str, typer.Argument(help="Target database URL (read-only).")],
    target: Annotated[str, typer.Argument(help="Target table (schema.table) or SELECT query.")],
    key: Annotated[str | None, typer.Option(help="Key columns, comma-separated (default: "
                                            "primary key, else inferred).")] = None,
    columns: Annotated[str | None, typer.Option(help="Only these columns.")] = None,
    where: Annotated[str | None, typer.Option(help="Filter applied on both sides.")] = None,
    tolerance: Annotated[list[str] | None, typer.Option(
        help="COL=abs:X or COL=rel:Y (repeatable).")] = None,
    algorithm: Annotated[Literal["auto", "stream", "checksum", "pushdown"], typer.Option(
        help="How rows are compared (pushdown: inside the one engine that sees both sides).")
    ] = "auto",
    json_file: Annotated[Path | None, typer.Option("--json", help="Write the report as JSON "
                                                   "('-': standard output).")] = None,
    html_file: Annotated[Path | None, typer.Option("--html", help="Write an HTML report.")]
    = None,
    limit_rows: Annotated[int | None, typer.Option(help="Compare only the first N rows of "
                                                   "each side.")] = None,
    sample_rows: Annotated[int, typer.Option(help="Rows shown per sample.")] = 10,
    engine: Annotated[Literal["duckdb", "spark"], typer.Option(
        help="Where rows are compared: duckdb (in process) or spark (datacompy's Spark "
        "backend, needs cutover[spark] and a key).")] = "duckdb",
    ordered: Annotated[bool | None, typer.Option(
        "--ordered/--unordered", help="Compare the order of rows too (default: when the source "
        "query has a top-level ORDER BY; ties on its columns are flagged, not failed).")] = None,
) -> None:
    """Diff two tables or queries across databases; exit 0 equal, 1 different, 2 error."""
    from tools.diff.render import print_report, write_html  # heavy imports only when used
    from tools.diff.run import DiffRequest

    req = DiffRequest(source_url, source, target_url, target, key=_cols(key),
                      columns=_cols(columns), where=where,
                      tolerances=parse_tolerances(tolerance or []),
                      algorithm=algorithm,
                      sample_rows=sample_rows, limit_rows=limit_rows, ordered=ordered,
                      engine=engine)
    outcome = _run(req, limit_rows)
    report = outcome.report
    # --json -: stdout carries the JSON alone, so the human report goes to stderr
    print_report(err if json_file == Path("-") else console, report, outcome.notes)
    if json_file:
        data = report.model_dump(mode="json")
        data["request"] = {"source_sql": outcome.source_sql, "target_sql": outcome.target_sql,
                           "algorithm": outcome.algorithm, "notes": outcome.notes}
        if json_file == Path("-"):
            sys.stdout.write(json.dumps(data, indent=2) + "\n")
        else:
            json_file.write_text(json.dumps(data, indent=2), encoding="utf-8")
    if html_file:
        write_html(html_file, report, outcome.notes, f"cutover diff: {source} vs {target}")
    raise typer.Exit(0 if Verdict(report.verdict).is_parity else 1)


class _PlainProgress:
    """Progress as plain lines on stderr when it is not a terminal (CI logs, pipes): the rows
    read per side at most every few seconds, and how long the whole diff took."""

    EVERY_S = 2.0

    def __init__(self) -> None:
        self.start = time.perf_counter()
        self.last: dict[str, float] = {}
        self.totals: dict[str, int | None] = {}

    def on_total(self, a: int | None, b: int | None) -> None:
        self.totals = {"source": a, "target": b}
        sizes = ", ".join(f"{side} {n:,} rows" if n is not None else f"{side} size unknown"
                          for side, n in self.totals.items())
        self._say(f"diff: {sizes}")

    def on_rows(self, side: str, n: int) -> None:
        now = time.perf_counter()
        done = self.totals.get(side) is not None and n >= (self.totals[side] or 0)
        if done or now - self.last.get(side, self.start) >= self.EVERY_S:
            self.last[side] = now
            total = self.totals.get(side)
            of = f" of {total:,}" if total is not None else ""
            self._say(f"diff: read {side} {n:,}{of} rows ({now - self.start:.1f} s)")

    def finish(self) -> None:
        self._say(f"diff: compared in {time.perf_counter() - self.start:.1f} s")

    @staticmethod
    def _say(line: str) -> None:
        err.print(line, highlight=False, markup=False, soft_wrap=True)


def _run(req: DiffRequest, limit_rows: int | None) -> DiffOutcome:
    """diff_urls with a progress bar per side (plain lines when stderr is not a terminal);
    engine and user errors end in exit code 2."""
    from tools.diff.run import diff_urls

    try:
        if not err.is_terminal:
            plain = _PlainProgress()
            outcome = diff_urls(req, on_rows=plain.on_rows, on_total=plain.on_total)
            plain.finish()
            return outcome
        with _progress() as progress:
            tasks = {s: progress.add_task(f"reading {s}", total=None)
                     for s in ("source", "target")}

            def on_total(a: int | None, b: int | None) -> None:
                for side, n in (("source", a), ("target", b)):
                    progress.update(tasks[side], total=min(n, limit_rows or n) if n else None)

            def on_rows(side: str, n: int) -> None:
                progress.update(tasks[side], completed=n)

            return diff_urls(req, on_rows=on_rows, on_total=on_total)
    except (CutoverError, ValueError, OSError) as exc:
        _fail(str(exc))
    except Exception as exc:  # noqa: BLE001 - an engine's own error class (duckdb, drivers)
        if type(exc).__module__.split(".")[0] not in ("duckdb", "_duckdb", "psycopg",
                                                       "pymysql", "sqlite3", "pyarrow"):
            raise
        _fail(f"{type(exc).__name__}: {exc}")
    raise AssertionError("unreachable: _fail raises")


def _fail(message: str) -> NoReturn:
    err.print(f"[bold red]error:[/] {escape(message)}", highlight=False)
    raise typer.Exit(2)
