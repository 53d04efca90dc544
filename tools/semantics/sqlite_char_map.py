"""A character-by-character map applied in SQLite, which has no translate() and whose
upper()/lower() map ASCII only.

A chain of replace() calls would be the obvious spelling, but SQLite's parser overflows at
about 35 nested calls; a recursive CTE in a scalar subquery walks the characters instead,
looking each non-ASCII one up in a string of mapped characters (instr) and taking the
character at the same position of the string of images. A value of printable ASCII only
skips the walk (one GLOB), so the cost falls on non-ASCII text (~0.1 ms per value).
"""

from __future__ import annotations

import functools

import sqlglot
from sqlglot import exp


@functools.cache
def _template(beyond_bmp: bool) -> exp.Expr:
    beyond = ("WHEN UNICODE(SUBSTR(cutover_text, cutover_pos, 1)) > 65535 THEN BEYOND "
              if beyond_bmp else "")
    return sqlglot.parse_one(
        "CASE WHEN VALUE GLOB '*[^ -~]*' THEN (WITH RECURSIVE "
        "cutover_map(cutover_pos, cutover_mapped, cutover_text) AS ("
        "SELECT 1, '', VALUE UNION ALL "
        "SELECT cutover_pos + 1, cutover_mapped || CASE "
        "WHEN UNICODE(SUBSTR(cutover_text, cutover_pos, 1)) < 128 "
        "THEN SUBSTR(cutover_text, cutover_pos, 1) "
        f"{beyond}"
        "ELSE COALESCE(SUBSTR(IMAGES, NULLIF(INSTR(MAPPED, "
        "SUBSTR(cutover_text, cutover_pos, 1)), 0), 1), "
        "SUBSTR(cutover_text, cutover_pos, 1)) END, cutover_text "
        "FROM cutover_map WHERE cutover_pos <= LENGTH(cutover_text)) "
        "SELECT cutover_mapped FROM cutover_map WHERE cutover_pos > LENGTH(cutover_text)) "
        "ELSE VALUE END", read="sqlite")


def sqlite_char_map(value: exp.Expr, mapped: str, images: str,
                    beyond_bmp: str | None = None) -> exp.Expr:
    """`value` with each character of `mapped` replaced by the one at the same position of
    `images`, ASCII kept, and every character beyond the BMP made `beyond_bmp` when given
    (the CTE's names are prefixed so that the value's own columns still resolve outside)."""
    tree = _template(beyond_bmp is not None).copy()
    constants = {"MAPPED": mapped, "IMAGES": images, "BEYOND": beyond_bmp}
    for column in list(tree.find_all(exp.Column)):
        if column.name == "VALUE":
            column.replace(value.copy())
        elif column.name in constants:
            column.replace(exp.Literal.string(constants[column.name] or ""))
    return tree
