"""What the LLM is shown about a case: the schema of every object involved, and the evidence of
a failure, each piece once and filtered through the run's privacy policy.

Schema: the base tables the object reads (declared type, collation, NOT NULL, primary key) and
the codebase objects it depends on (their definition as written). Collations matter: most hard
SQLite traps are `TEXT COLLATE NOCASE` columns, which a plain type list hides.

Evidence: the diff as counts, causes and per-column figures; sample rows only when privacy
allows (masked or withheld per column); earlier attempts as one line each. In strict mode no
free text derived from data is passed on: runtime errors and diagnosis lines are scrubbed, and
diff summaries are rebuilt from counts.
"""

from __future__ import annotations

import re
from typing import Any

import sqlglot
from sqlglot import exp

from graph.context import Context
from graph.state import ObjectState
from tools.errors import CutoverError
from tools.llm_privacy import PrivacyPolicy
from tools.records import Attempt, ObjectSpec

_SAMPLE_KEYS = ("changed", "only_in_source", "only_in_target")
_COLUMN_KEYS = ("name", "compared", "mismatched", "match_rate", "max_abs_diff", "source_type",
                "target_type")


def policy(ctx: Context) -> PrivacyPolicy:
    return PrivacyPolicy.from_settings(ctx.privacy, ctx.llm_column_policy)


# ------------------------------------------------------------------------------ schema
def object_schema(ctx: Context, state: ObjectState, spec: ObjectSpec) -> list[dict[str, Any]]:
    """[{name, kind, columns:[{name, type, collation?, not_null?}], primary_key?, definition?}]
    for every base table and codebase object `spec` reads."""
    objects = state.get("objects") or {}
    involved = _involved(objects, spec)
    reads = {t.lower() for name in involved for t in objects[name]["reads_tables"]}
    reads |= {t.lower() for t in spec["reads_tables"]}
    collations = _source_collations(ctx, reads)
    out: list[dict[str, Any]] = []
    for table in state.get("tables") or []:
        if table["name"].lower() not in reads:
            continue
        columns = []
        for col in table["columns"]:
            entry: dict[str, Any] = {"name": col["name"], "type": col.get("type")}
            collation = collations.get((table["name"].lower(), col["name"].lower()))
            if collation:
                entry["collation"] = collation
            if col.get("nullable") is False:
                entry["not_null"] = True
            columns.append(entry)
        out.append({"name": table["name"], "kind": "table", "columns": columns,
                    "primary_key": table.get("primary_key") or []})
    for dep in involved:
        dep_spec = objects[dep]
        if dep != spec["name"]:
            out.append({"name": dep, "kind": dep_spec["kind"], "columns": [],
                        "definition": dep_spec["select_sql"].strip()})
    return out


def _involved(objects: dict[str, ObjectSpec], spec: ObjectSpec) -> list[str]:
    """The codebase objects `spec` reads, directly or through others (dependencies first)."""
    seen: list[str] = []

    def visit(deps: list[str]) -> None:
        for dep in deps:
            if dep not in seen and dep in objects:
                visit(objects[dep]["depends_on"])
                seen.append(dep)

    visit(spec["depends_on"])
    return seen


def _source_collations(ctx: Context, tables: set[str]) -> dict[tuple[str, str], str]:
    """(table, column) -> collation declared on the source (SQLite: its DDL; MySQL/MariaDB:
    information_schema, where every text column has one)."""
    if not tables or ctx.connections is None:
        return {}
    if ctx.source_dialect == "mysql":
        return _mysql_collations(ctx, tables)
    if ctx.source_dialect != "sqlite":
        return {}
    try:
        ddl = ctx.source().read_arrow(
            "SELECT name, sql FROM sqlite_master WHERE type = 'table' AND sql IS NOT NULL",
            limit=10_000).to_pylist()
    except CutoverError:
        return {}
    found: dict[tuple[str, str], str] = {}
    for row in ddl:
        if str(row["name"]).lower() not in tables:
            continue
        try:
            tree = sqlglot.parse_one(row["sql"], read="sqlite")
        except Exception:  # an exotic DDL costs the collation hint, not the run
            continue
        for column in tree.find_all(exp.ColumnDef):
            for constraint in column.constraints:
                if isinstance(constraint.kind, exp.CollateColumnConstraint):
                    found[(str(row["name"]).lower(), column.name.lower())] = \
                        constraint.kind.this.name.upper()
    return found


def _mysql_collations(ctx: Context, tables: set[str]) -> dict[tuple[str, str], str]:
    try:
        rows = ctx.source().read_arrow(
            "SELECT table_name AS t, column_name AS c, collation_name AS k FROM "
            "information_schema.columns WHERE table_schema = DATABASE() AND collation_name "
            "IS NOT NULL", limit=100_000).to_pylist()
    except CutoverError:
        return {}
    return {(str(r["t"]).lower(), str(r["c"]).lower()): str(r["k"]) for r in rows
            if str(r["t"]).lower() in tables}


# ------------------------------------------------------------------------------ notes
_CHAR_N = re.compile(r"^(bpchar|char|character|nchar)\b(?!\s+varying)", re.IGNORECASE)
_TEXTUAL = re.compile(r"char|text|clob|string", re.IGNORECASE)


def schema_notes(ctx: Context, spec: ObjectSpec, schema: list[dict[str, Any]]) -> list[str]:
    """What the schema says about the columns this query uses that a small model would miss:
    case-insensitive collations, blank-padded char(n), ENUM order, text compared with numbers.

    Names, types and the query's own literals only, never a data value: safe in every privacy
    mode. The model still writes the fix; the notes point it at the column that needs one."""
    try:
        tree = sqlglot.parse_one(spec["select_sql"], read=ctx.source_dialect)
    except Exception:  # an unparseable query gets no notes, not an error
        return []
    used = {c.name.lower() for c in tree.find_all(exp.Column)}
    numbers_against = _compared_with_numbers(tree)
    src, tgt = ctx.source_dialect, ctx.target_dialect
    notes: list[str] = []
    for item in schema:
        for col in item.get("columns") or []:
            name = str(col["name"])
            if name.lower() not in used:
                continue
            where = f"{item['name']}.{name}"
            kind = str(col.get("type") or "")
            collation = str(col.get("collation") or "")
            if collation.upper() == "NOCASE" or collation.lower().endswith("_ci"):
                pads = src == "mysql" and "nopad" not in collation.lower() \
                    and "0900" not in collation
                fold = f"lower(rtrim({name}))" if pads else f"lower({name})"
                notes.append(
                    f"{where} is COLLATE {collation}: {src} compares it case-insensitively"
                    f"{' and ignores trailing blanks' if pads else ''}; {tgt} compares exactly. "
                    f"Use {fold} (and lower-case literals) in =, IN, BETWEEN, GROUP BY, "
                    f"DISTINCT, ORDER BY, MIN/MAX.")
            if _CHAR_N.match(kind):
                notes.append(f"{where} is {kind}: {src} ignores its trailing blanks in =, "
                             f"length() and ||; {tgt} keeps them. Use rtrim({name}).")
            if kind.lower().startswith("enum("):
                notes.append(f"{where} is {kind}: {src} sorts it in that list's order, not "
                             f"alphabetically. ORDER BY its position in the list.")
            if name.lower() in numbers_against and _TEXTUAL.search(kind):
                notes.append(f"{where} is {kind} but compared with a number: {src} compares "
                             f"it as text. Write the number as a string literal.")
    return notes


def _compared_with_numbers(tree: exp.Expr) -> set[str]:
    """Columns compared (=, <, IN, ...) with a numeric literal in the query."""
    found: set[str] = set()
    for node in tree.find_all(exp.EQ, exp.NEQ, exp.GT, exp.GTE, exp.LT, exp.LTE, exp.In):
        if isinstance(node, exp.In):
            sides = [node.this, *node.expressions]
        else:
            sides = [node.this, node.expression]
        columns = [s for s in sides if isinstance(s, exp.Column)]
        if columns and any(isinstance(s, exp.Literal) and s.is_number for s in sides):
            found |= {c.name.lower() for c in columns}
    return found


# ------------------------------------------------------------------------------ evidence
def failure(ctx: Context, best: Attempt) -> dict[str, str]:
    """The failure of the best candidate, in one line (data values scrubbed by privacy)."""
    rules = policy(ctx)
    if best["compile"] is not None and not best["compile"]["ok"]:
        kind = "runtime" if best["compile"]["error_kind"] == "runtime" else "compile"
        message = best["compile"]["error"] or ""
        # Compile errors quote the SQL the model already has; runtime errors may quote data.
        if kind == "runtime":
            message = rules.scrub(message, best["sql"])
        return {"kind": kind, "message": message}
    return {"kind": "mismatch", "message": "the data differs (details below)"}


def diff_view(ctx: Context, best: Attempt) -> dict[str, Any] | None:
    """The best attempt's own diff as the prompt sees it: figures and causes, samples as
    privacy allows."""
    report = best.get("diff")
    if best["compile"] is not None and not best["compile"]["ok"] or report is None:
        return None
    rules = policy(ctx)
    diff = report.model_dump(mode="json")
    view: dict[str, Any] = {
        "summary": counts_summary(diff),
        "diagnosis": [_diagnosis_line(rules, d, best["sql"])
                      for d in diff.get("diagnosis", [])],
        "columns": [{k: c.get(k) for k in _COLUMN_KEYS if c.get(k) is not None}
                    for c in diff.get("columns", []) if c.get("mismatched")],
    }
    if rules.shows_values:
        cap = min(5, ctx.llm_rows_cap)
        view["samples"] = {k: [_sample(rules, row) for row in diff.get(k, [])[:cap]]
                           for k in _SAMPLE_KEYS if diff.get(k)}
    return view


def counts_summary(diff: dict[str, Any]) -> str:
    """The diff in counts only: safe in every privacy mode."""
    parts = [f"{diff.get('rows_source', '?')} rows in source vs "
             f"{diff.get('rows_target', '?')} in target"]
    for key, label in (("only_in_source_count", "only in source"),
                       ("only_in_target_count", "only in target")):
        if diff.get(key):
            parts.append(f"{diff[key]} {label}")
    for col in diff.get("columns", []):
        if col.get("mismatched"):
            parts.append(f"{col['mismatched']} changed in {col['name']}")
    if diff.get("missing_columns") or diff.get("extra_columns"):
        parts.append(f"columns missing {diff.get('missing_columns')} extra "
                     f"{diff.get('extra_columns')}")
    return ", ".join(parts)


def _diagnosis_line(rules: PrivacyPolicy, diagnosis: dict[str, Any], sql: str) -> str:
    if not rules.shows_values:
        columns = ", ".join(diagnosis.get("columns") or [])
        return f"{diagnosis['cause']} ({columns})" if columns else str(diagnosis["cause"])
    return f"{diagnosis['cause']}: {rules.scrub(diagnosis['detail'], sql)}"


def _sample(rules: PrivacyPolicy, row: Any) -> Any:
    if not isinstance(row, dict):
        return row
    if "column" in row and "source" in row:  # a changed cell: {key, column, source, target}
        column = str(row["column"])
        return {"key": {k: rules.value(k, v) for k, v in (row.get("key") or {}).items()},
                "column": column, "source": rules.value(column, row["source"]),
                "target": rules.value(column, row.get("target"))}
    return {k: rules.value(k, v) for k, v in row.items()}


def history(ctx: Context, state: ObjectState, best: Attempt) -> list[dict[str, Any]]:
    """Earlier attempts other than the one shown in full, one line each."""
    rules = policy(ctx)
    lines = []
    for attempt in state["attempts"]:
        if attempt["number"] == best["number"]:
            continue
        if attempt["compile"] is not None and not attempt["compile"]["ok"]:
            outcome = f"{attempt['compile']['error_kind']} error: " + rules.scrub(
                (attempt["compile"]["error"] or "")[:300], attempt["sql"])
        elif attempt["diff_score"] is not None:
            outcome = f"compiled; {round(100 * attempt['diff_score'], 1)}% of rows matched"
        else:
            outcome = "not diffed"
        # A rule's reason quotes the diff it answered: only shown when values may be.
        note = attempt["reason"][:200] if rules.mode == "normal" and not rules.never else ""
        lines.append({"attempt": attempt["number"], "origin": attempt["origin"],
                      "outcome": outcome, "note": note})
    return lines


def tried(ctx: Context, state: ObjectState) -> dict[str, str]:
    """Each earlier candidate's SQL -> what it gave, for the loop's duplicate answer."""
    rules = policy(ctx)
    out = {}
    for attempt in state["attempts"]:
        if attempt["compile"] is not None and not attempt["compile"]["ok"]:
            gave = rules.scrub(f"{attempt['compile']['error_kind']} error: "
                               f"{(attempt['compile']['error'] or '')[:300]}", attempt["sql"])
        elif attempt["diff_score"] is not None:
            gave = (f"attempt {attempt['number']} compiled and matched "
                    f"{round(100 * attempt['diff_score'], 1)}% of rows "
                    f"({attempt['verdict'] or 'mismatch'})")
        else:
            gave = f"attempt {attempt['number']}, not yet verified"
        out[attempt["sql"]] = gave
    return out
