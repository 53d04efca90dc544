"""Which routines give a random result: a body that calls random() (or another draw), or calls
a routine of the codebase that does, however deep. Such a result cannot be compared by value
with the original's — two honest runs differ — so a proof by diff is impossible and the
routine must say so rather than end as a mismatch or a stub at parity."""

from __future__ import annotations

import re

import sqlglot
from sqlglot.errors import TokenError
from sqlglot.tokens import TokenType

from tools.procedures.parse import Routine

DRAWS = ("random", "gen_random_uuid", "uuid_generate_v4", "setseed")


def _called(routine: Routine) -> set[str]:
    """Names the body calls: `name(` and `CALL name`."""
    try:
        tokens = sqlglot.tokenize(routine.body, read="postgres")
    except TokenError:
        return set()
    out = set()
    for at, token in enumerate(tokens[:-1]):
        following = tokens[at + 1]
        if token.text.upper() == "CALL":  # sqlglot reads CALL's rest as one command string
            words = re.split(r"[\s(]+", following.text.strip(), maxsplit=1)
            out.add(words[0].strip('"').lower())
        elif following.token_type == TokenType.L_PAREN:
            out.add(token.text.lower())
    return out


def random_routines(routines: list[Routine]) -> dict[str, str]:
    """Routine name -> why its result is random (`calls random()`, or the chain of calls
    down to the routine that does)."""
    calls = {r.name.lower(): _called(r) for r in routines}
    why = {name: f"calls {draw}()" for name, called in calls.items()
           for draw in DRAWS if draw in called}
    changed = True
    while changed:
        changed = False
        for name, called in calls.items():
            if name in why:
                continue
            for other in sorted(called & set(why)):
                why[name] = f"calls {other}, which {why[other]}"
                changed = True
                break
    return why


def random_reason(why: str) -> str:
    return (f"its result may be random ({why}): a random result cannot be compared by value "
            f"with the original's, so it is not proven and no model claims parity")
