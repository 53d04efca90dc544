"""The CLI's two consoles and its one way to fail: a one-line error with a code, no traceback.

Rich styles only a terminal; piped or redirected output is plain and never hard-wrapped.
"""

from __future__ import annotations

import sys
from typing import NoReturn

import typer
from rich.console import Console
from rich.markup import escape

console = Console(soft_wrap=not sys.stdout.isatty())
err = Console(stderr=True, soft_wrap=not sys.stderr.isatty())

EXIT_USAGE, EXIT_INTERNAL = 2, 3


def fail(problem: BaseException | str, code: int = EXIT_USAGE) -> NoReturn:
    """Print `error[kind]: message` on stderr and exit with `code`."""
    kind = getattr(problem, "kind", "usage")
    label = escape(f"error[{kind}]:")
    err.print(f"[bold red]{label}[/] {escape(str(problem))}", highlight=False)
    raise typer.Exit(code)
