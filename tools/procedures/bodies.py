"""A routine's body as a statement tree, read by its language's reader: PL/pgSQL
(plpgsql.read_body) or MySQL (mysql_body.read_mysql_body, normalised to the same tree)."""

from __future__ import annotations

from tools.procedures.mysql_body import read_mysql_body
from tools.procedures.mysql_routines import LANGUAGE as MYSQL
from tools.procedures.parse import Routine
from tools.procedures.plpgsql import Body, NotStructured, read_body

PROCEDURAL = ("plpgsql", MYSQL)
"""Languages whose bodies are statement trees (a LANGUAGE sql body is its query)."""


def read_routine(routine: Routine) -> Body:
    """The body's declarations and statements; NotStructured when the reader cannot cut it."""
    if routine.language == MYSQL:
        return read_mysql_body(routine.body)
    if routine.language == "plpgsql":
        return read_body(routine.body)
    raise NotStructured(f"language {routine.language}")
