"""`cutover ...` in-process, as a user's shell would run it: same arguments, exit code, stdout
and stderr, from a given working folder — without paying a new interpreter per command."""

from __future__ import annotations

from contextlib import chdir
from dataclasses import dataclass
from pathlib import Path

from typer.testing import CliRunner

from cutover.cli import app


@dataclass
class Done:
    returncode: int
    stdout: str
    stderr: str


def cutover(*args: str, cwd: Path, env: dict[str, str] | None = None) -> Done:
    """Run the CLI's Typer app in this process. A crash that escaped the CLI (which a user would
    see as a traceback) is re-raised, so a test sees it too."""
    with chdir(cwd):
        result = CliRunner().invoke(app, list(args), env={"COLUMNS": "200", **(env or {})})
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        raise result.exception
    return Done(result.exit_code, result.stdout, result.stderr)



