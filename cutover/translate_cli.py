"""`cutover translate`: one file, statement by statement, written byte for byte.

The SQL goes to stdout (or -o FILE) through a plain text stream, never through Rich: no
wrapping at the terminal width, no markup, so `cutover translate a.sql > b.sql` is exactly the
translation. Text between statements (comments, blank lines) is copied as it stands; a
statement that cannot be translated is replaced by a marked comment and named on stderr.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

from rich.markup import escape

from cutover.console import err
from cutover.dialects import check_dialect


def translate_text(text: str, read: str, write: str, where: str,
                   llm: Any = None) -> tuple[str, list[str]]:
    """The translated file and the problems (one line each, with file:line). A statement whose
    translation calls a function the target lacks is a problem too; `llm`
    (cutover.translate_llm.Translator) gets one try at each problem statement."""
    from tools import sql as sqltools
    from tools.errors import CutoverError
    from tools.target_functions import missing_functions

    statements = sqltools.split_statements(text, read, where)
    out: list[str] = []
    problems: list[str] = []
    cursor = 0
    for stmt in statements:
        start = text.find(stmt.sql, cursor)
        out.append(_between(text[cursor:start], first=not out))
        cursor = start + len(stmt.sql)
        at = f"{where}:{stmt.line}"
        translated: str | None = None
        try:
            translated = sqltools.transpile(stmt.sql, read, write, at)
            missing = missing_functions(translated, write)
            problem = f"{at}: calls {', '.join(missing)}, which {write} does not have" \
                if missing else ""
        except CutoverError as exc:
            problem = str(exc)
        if problem and llm is not None:
            answer, account = llm.translate(stmt.sql, read, write, problem, translated, at)
            err.print(f"[yellow]llm[/] {escape(at)}: {escape(account)}", highlight=False)
            if answer and not missing_functions(answer, write):
                translated, problem = answer, ""
        if problem:
            problems.append(problem)
            out.append(f"-- CUTOVER: NOT TRANSLATED ({at}); see stderr")
        else:
            out.append(f"{translated};")
    tail = _between(text[cursor:], first=not out)
    out.append(tail if tail.strip() else "\n")
    return "".join(out), problems


def _between(gap: str, *, first: bool) -> str:
    """The text between two statements without the previous statement's ';' (we write our own)."""
    if not first:
        stripped = gap.lstrip()
        if stripped.startswith(";"):
            gap = gap[: len(gap) - len(stripped)] + stripped[1:]
    return gap


def translate_to(path: Path, read: str, write: str, output: Path | None,
                 llm: Any = None) -> bool:
    """Translate `path`; write to `output` or stdout; problems to stderr. True when complete."""
    check_dialect(read, "--from")
    check_dialect(write, "--to")
    sql, problems = translate_text(path.read_text(encoding="utf-8"), read, write, str(path),
                                   llm)
    if output is None:
        sys.stdout.write(sql)
        sys.stdout.flush()
    else:
        output.write_text(sql, encoding="utf-8")
    for problem in problems:
        err.print(f"[red]untranslated[/] {escape(problem)}", highlight=False)
    return not problems
