"""Turn a translated query into a dbt model body: table references become import CTEs over
`{{ ref() }}` / `{{ source() }}`, the query itself becomes the `final` CTE, and the model ends
in `select * from final` (the CTE style of dbt's own style guide).

The rewrite works on sqlglot's tree: every table the query reads (CTE names excluded) loses its
schema qualifier and is read from an import CTE of the same name, so the query's own aliases and
column references stay as they were. Jinja cannot be put in a sqlglot tree, so each reference is
written as a placeholder identifier and the placeholder (a token no SQL contains) is swapped for
its Jinja call after generation.
"""

from __future__ import annotations

from dataclasses import dataclass

import sqlglot
from sqlglot import exp

from tools.dbt.dialect_gaps import in_dialect
from tools.errors import CutoverError

_PLACEHOLDER = "__cutover_dbt_ref_{}__"


@dataclass(frozen=True)
class Reference:
    """How a table the query reads is reached in dbt: ref('model') or source('src', 'table')."""

    jinja: str
    model: str | None = None
    """The model it refs (None for a source): an edge of the DAG."""


def ref(model: str) -> Reference:
    return Reference(f"{{{{ ref('{model}') }}}}", model)


def source(source_name: str, table: str) -> Reference:
    return Reference(f"{{{{ source('{source_name}', '{table}') }}}}")


def _lower_identifiers(tree: exp.Expr) -> None:
    """Unquoted identifiers fold to lower case on every engine we build dbt on: writing them
    lower-case changes nothing but the look (quoted ones keep their case: it is meaning)."""
    for ident in tree.find_all(exp.Identifier):
        if not ident.quoted:
            ident.set("this", ident.name.lower())


def _free_name(wanted: str, taken: set[str]) -> str:
    name, n = wanted, 2
    while name in taken:
        name, n = f"{wanted}_{n}", n + 1
    return name


def model_body(sql: str, dialect: str, references: dict[str, Reference],
               config: str = "") -> tuple[str, list[str]]:
    """(model file body, models it refs). `references` maps each lower-case table name the
    query may read to its dbt reference; a table it reads that is not there is an error."""
    try:
        tree = sqlglot.parse_one(sql, read=dialect)
    except sqlglot.errors.ParseError as exc:
        raise CutoverError(f"cannot parse the translated query to write its dbt model: "
                           f"{exc}") from exc
    in_dialect(tree, dialect)  # what T-SQL / Oracle lack, respelt
    own_ctes = {c.alias_or_name.lower() for c in tree.find_all(exp.CTE)}
    imports: dict[str, Reference] = {}
    for table in list(tree.find_all(exp.Table)):
        name = table.name.lower()
        if not name or (name in own_ctes and not table.db):
            continue
        if name not in references:
            raise CutoverError(f"the query reads {name!r}, which is neither a model nor a "
                               f"source table of the dbt project")
        imports.setdefault(name, references[name])
        # `sandbox.orders AS o` -> `orders AS o`: the import CTE of that name stands in.
        table.set("db", None)
        table.set("catalog", None)
    inner_with = tree.args.get("with_") or tree.args.get("with")
    inner_ctes = list(inner_with.expressions) if inner_with else []
    if inner_with is not None:
        tree.set("with_" if "with_" in tree.args else "with", None)
    _lower_identifiers(tree)
    for cte in inner_ctes:
        _lower_identifiers(cte)
    final = _free_name("final", set(imports) | own_ctes)

    blocks = [f"{name} as (\n    select * from {_PLACEHOLDER.format(name)}\n)"
              for name in sorted(imports)]
    blocks += [f"{cte.alias_or_name.lower()} as (\n{_indent(cte.this.sql(dialect, pretty=True))}"
               f"\n)" for cte in inner_ctes]
    blocks.append(f"{final} as (\n{_indent(tree.sql(dialect=dialect, pretty=True))}\n)")
    body = "with " + ",\n\n".join(blocks) + f"\n\nselect * from {final}\n"
    for name, reference in imports.items():
        body = body.replace(_PLACEHOLDER.format(name), reference.jinja)
    header = f"{config}\n\n" if config else ""
    models = sorted({r.model for r in imports.values() if r.model})
    return header + body, models


def _indent(text: str) -> str:
    return "\n".join(f"    {line}" if line else line for line in text.splitlines())
