"""SQL functions as target objects: a scalar SQL function becomes a DuckDB macro (or a SQL
function on PostgreSQL) and a dbt macro; a table-valued one (RETURNS TABLE / SETOF) a DuckDB
table macro. A procedural body beyond `BEGIN RETURN expr; END` is unsupported, with the reason."""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any

import sqlglot
from sqlglot import exp
from sqlglot.errors import SqlglotError
from sqlglot.optimizer.annotate_types import annotate_types

from tools.procedures.inline import Unsupported, inline_query
from tools.procedures.parse import Routine
from tools.procedures.plpgsql import AT_VARIABLE

_PARAM = "__cutover_arg_{}__"


@dataclass
class FunctionTranslation:
    name: str
    kind: str
    """'scalar' or 'table'."""
    target_sql: str | None = None
    """CREATE MACRO (DuckDB) / CREATE FUNCTION (PostgreSQL) on the target."""
    dbt_macro: str | None = None
    """A Jinja macro the dbt project can call instead of a target UDF (scalar only)."""
    unsupported: str | None = None
    query_source: str | None = None
    """kind 'query': the returned query in the source dialect, parameters as placeholders."""
    query_target: str | None = None
    """kind 'query': the same translated to the target, parameters as placeholders."""

    def bind(self, sql: str, routine: Routine, values: dict[str, str] | None,
             namespaced: bool = False) -> str:
        """Placeholders -> the given SQL literals, or `{{ var('p') }}` when values is None
        (`{{ var('<routine>__p') }}` when `namespaced`: a dbt project's vars are global)."""
        for p in routine.params:
            var = f"{routine.name}__{p.name}" if namespaced else p.name
            sql = sql.replace(_PARAM.format(p.name), values[p.name] if values is not None
                              else f"{{{{ var('{var}') }}}}")
        return sql


def _body_query(routine: Routine, dialect: str) -> exp.Expr:
    body = routine.body.strip().rstrip(";").strip()
    if routine.language == "plpgsql":
        tokens = [t.text.upper() for t in sqlglot.tokenize(body, read=dialect)]
        if tokens[:2] != ["BEGIN", "RETURN"] or tokens[-1] != "END" or tokens.count(";") > 1:
            raise ValueError("a procedural body (more than BEGIN RETURN expr; END)")
        body = "SELECT " + body.split(None, 2)[2].rsplit("END", 1)[0].strip().rstrip(";")
    elif routine.language != "sql":
        raise ValueError(f"language {routine.language}")
    return sqlglot.parse_one(body, read=dialect)


def _mark_params(tree: exp.Expr, routine: Routine, dialect: str) -> exp.Expr:
    """Parameters by name or by position ($1) -> `CAST(placeholder AS declared type)`, then
    types annotated: a macro has untyped arguments, and the declared type is what decides
    e.g. PostgreSQL's integer division (`a / 2` on an integer stays whole)."""
    types = {p.name: p.type for p in routine.params}
    names = list(types)

    def typed(name: str) -> exp.Expr:
        ident = exp.column(_PARAM.format(name))
        try:
            return exp.cast(ident, exp.DataType.build(types[name], dialect=dialect))
        except (SqlglotError, ValueError):
            return ident

    for node in list(tree.find_all(exp.Column, exp.Parameter)):
        if isinstance(node, exp.Parameter) and node.this is not None and \
                str(node.this.name).isdigit() and int(node.this.name) <= len(names):
            node.replace(typed(names[int(node.this.name) - 1]))
        elif isinstance(node, exp.Column) and not node.table and node.name.lower() in names:
            node.replace(typed(node.name.lower()))
    return annotate_types(tree, dialect=dialect)


def _bind(sql: str, routine: Routine, form: str) -> str:
    for p in routine.params:
        sql = sql.replace(_PARAM.format(p.name), form.format(p.name))
    return sql


def _returned_query(routine: Routine, dialect: str) -> str | None:
    """The SELECT a routine hands back whole — `OPEN c FOR <select>; RETURN c;` (a refcursor)
    or `RETURN QUERY <select>;` — when that is all its body does; else None."""
    if routine.language != "plpgsql":
        return None
    tokens = sqlglot.tokenize(routine.body, read=dialect)
    words = [tok.text.upper() for tok in tokens]
    if "BEGIN" not in words:
        return None
    start = words.index("BEGIN")
    declared = words[:start]
    # sqlglot reads `DECLARE c1 refcursor := 'x';` as one command token: look inside it
    if declared and not (declared[0] == "DECLARE" and "REFCURSOR" in " ".join(declared)
                         and declared.count(";") == 1):
        return None
    body = tokens[start + 1:]
    texts = [tok.text.upper() for tok in body]
    if texts[:2] == ["RETURN", "QUERY"]:
        first, ends = 2, [i for i, w in enumerate(texts) if w == ";"]
    elif texts[:1] == ["OPEN"] and "FOR" in texts[:3]:
        first, ends = texts.index("FOR") + 1, [i for i, w in enumerate(texts) if w == ";"]
        if len(ends) < 2 or texts[ends[0] + 1] != "RETURN":
            return None
    else:
        return None
    if not ends or texts[ends[-1] - 1:] not in (["END", ";"], ["END"]) and texts[-1] != "END":
        return None
    return routine.body[body[first].start:body[ends[0] - 1].end + 1]


def translate_function(routine: Routine, source_dialect: str, target_dialect: str,
                       types: Mapping[str, list[str]] | None = None,
                       widths: Mapping[str, dict[str, int]] | None = None,
                       tables: Mapping[str, Any] | None = None) -> FunctionTranslation:
    """`types`: composite types by name (composite_types), naming a SETOF result's columns;
    `widths`: their char(n) fields (composite_widths); `tables`: the codebase's table
    functions a body may read (tablecalls.table_functions), expanded in place."""
    returns = (routine.returns or "").upper()
    kind = "table" if returns.startswith(("TABLE", "SETOF")) else "scalar"
    out = FunctionTranslation(routine.name, kind)
    query_text = _returned_query(routine, source_dialect)
    if query_text is not None:  # PostgreSQL reads `@x` as abs(x), not a variable
        query_text = AT_VARIABLE.sub(r"abs(\1)", query_text)
        return _as_query(out, routine, query_text, source_dialect, target_dialect, types,
                         widths)
    if returns.startswith(("REFCURSOR", "TABLE", "SETOF")) and routine.language == "plpgsql":
        try:  # variables set before the query is opened: replaced by what they hold
            query = inline_query(routine, source_dialect, tables)
        except Unsupported as exc:
            out.unsupported = f"function {routine.name}: {exc}"
            return out
        return _as_query(out, routine, query.sql(dialect=source_dialect), source_dialect,
                         target_dialect, types, widths)
    try:
        query = _mark_params(_body_query(routine, source_dialect), routine,
                             source_dialect)
    except (ValueError, SqlglotError) as exc:
        out.unsupported = f"function {routine.name}: {exc} has no macro form"
        return out
    if not isinstance(query, exp.Select):
        out.unsupported = f"function {routine.name}: the body is not one SELECT"
        return out
    args = ", ".join(p.name for p in routine.params)
    if kind == "scalar":
        if query.args.get("from_") or query.args.get("from") or len(query.expressions) != 1:
            out.unsupported = (f"function {routine.name}: a scalar function that reads tables "
                               f"is a correlated lookup, not a macro")
            return out
        expr = query.expressions[0].unalias().sql(dialect=target_dialect)
        out.dbt_macro = (f"{{% macro {routine.name}({args}) %}}("
                         f"{_bind(expr, routine, '{{{{ {0} }}}}')}){{% endmacro %}}\n")
        body = _bind(expr, routine, "{0}")
    else:
        body = _bind(query.sql(dialect=target_dialect), routine, "{0}")
    if target_dialect == "duckdb":
        out.target_sql = (f"CREATE OR REPLACE MACRO {routine.name}({args}) AS "
                          f"{'TABLE ' if kind == 'table' else ''}{body}")
    elif target_dialect == "postgres":
        typed = ", ".join(f"{p.name} {p.type}" for p in routine.params)
        select = f"SELECT {body}" if kind == "scalar" else body
        out.target_sql = (f"CREATE OR REPLACE FUNCTION {routine.name}({typed}) RETURNS "
                          f"{routine.returns} LANGUAGE sql AS $cutover$ {select} $cutover$")
    else:
        out.unsupported = f"function {routine.name}: no UDF form for {target_dialect} yet"
    return out


def _width(query: exp.Expr) -> int | None:
    """How many columns a query gives: through UNION branches and `SELECT * FROM (q)`."""
    while True:
        if isinstance(query, exp.SetOperation):
            query = query.this
        elif isinstance(query, exp.Select) and len(query.expressions) == 1 and isinstance(
                query.expressions[0], exp.Star) and isinstance(
                query.args.get("from_") and query.args["from_"].this, exp.Subquery):
            query = query.args["from_"].this.this
        elif isinstance(query, exp.Subquery):
            query = query.this
        elif isinstance(query, exp.Select):
            if any(isinstance(e, exp.Star) for e in query.expressions):
                return None
            return len(query.expressions)
        else:
            return None


def _type_definitions(texts: Iterable[str], dialect: str
                      ) -> Iterator[tuple[str, list[exp.ColumnDef]]]:
    """(type name, its fields) of each `CREATE TYPE t AS (...)` among `texts`."""
    for text in texts:
        try:
            tree = sqlglot.parse_one(text, read=dialect)
        except SqlglotError:
            continue
        if isinstance(tree, exp.Create) and str(tree.args.get("kind")).upper() == "TYPE" \
                and isinstance(tree.expression, exp.Schema):
            yield tree.this.name.lower(), [c for c in tree.expression.expressions
                                           if isinstance(c, exp.ColumnDef)]


def composite_types(texts: Iterable[str], dialect: str = "postgres") -> dict[str, list[str]]:
    """`CREATE TYPE t AS (a int, b text)` statements -> {t: [a, b]} (what `RETURNS SETOF t`
    names its columns)."""
    return {name: [c.name.lower() for c in fields]
            for name, fields in _type_definitions(texts, dialect)}


_CHAR_TYPE = re.compile(r"(?i)^\s*(?:char|character|bpchar)\s*\(\s*(\d+)\s*\)\s*$")


def composite_widths(texts: Iterable[str], dialect: str = "postgres"
                     ) -> dict[str, dict[str, int]]:
    """`CREATE TYPE t AS (a char(50), b int)` -> {t: {a: 50}}: the char(n) fields, which
    PostgreSQL shows padded with blanks to n."""
    return {name: {c.name.lower(): int(m.group(1)) for c in fields
                   if c.args.get("kind") is not None
                   and (m := _CHAR_TYPE.match(c.args["kind"].sql(dialect="postgres")))}
            for name, fields in _type_definitions(texts, dialect)}


def returned_widths(routine: Routine, widths: Mapping[str, dict[str, int]] | None = None
                    ) -> dict[str, int]:
    """The char(n) columns of the routine's result (RETURNS TABLE or SETOF a composite type)
    and their n."""
    returns = (routine.returns or "").strip()
    words = returns.split()
    if len(words) == 2 and words[0].upper() == "SETOF":
        return dict((widths or {}).get(words[1].strip('"').lower(), {}))
    if not returns.upper().startswith("TABLE") or "(" not in returns:
        return {}
    inner = returns[returns.index("(") + 1:returns.rindex(")")]
    out = {}
    for part in re.split(r",(?![^(]*\))", inner):
        name, _, type_ = part.strip().partition(" ")
        match = _CHAR_TYPE.match(type_)
        if match:
            out[name.strip('"').lower()] = int(match.group(1))
    return out


def returned_columns(routine: Routine, types: Mapping[str, list[str]] | None = None
                     ) -> list[str] | None:
    """The column names of `RETURNS TABLE(a int, b text)`, or of `RETURNS SETOF t` for a
    composite type in `types`, in order; None for other returns."""
    returns = (routine.returns or "").strip()
    words = returns.split()
    if len(words) == 2 and words[0].upper() == "SETOF":
        return list((types or {}).get(words[1].strip('"').lower(), [])) or None
    if not returns.upper().startswith("TABLE") or "(" not in returns:
        return None
    inner = returns[returns.index("(") + 1:returns.rindex(")")]
    names, depth, current = [], 0, ""
    for char in inner + ",":
        if char == "," and depth == 0:
            names.append(current.split()[0].strip('"').lower() if current.split() else "")
            current = ""
            continue
        depth += char == "("
        depth -= char == ")"
        current += char
    return names if all(names) else None


def _pg_names(tree: exp.Expr) -> exp.Expr:
    """An unnamed arithmetic projection is `?column?` on PostgreSQL; the target would name
    it after its text, and the diff matches columns by name."""
    if isinstance(tree, exp.Select):
        unnamed = [p for p in tree.expressions if isinstance(p, exp.Binary)]
        if len(unnamed) == 1:  # two `?column?` would be one name twice: left as they are
            unnamed[0].replace(exp.alias_(unnamed[0].copy(), "?column?", quoted=True))
        # an unnamed call is named after its function (`count(*)` is `count`; DuckDB would
        # say `count_star()`), unless that name is taken twice
        calls = {id(p): (p.name if isinstance(p, exp.Anonymous) else p.sql_name()).lower()
                 for p in tree.expressions
                 if isinstance(p, exp.Func) and not isinstance(p, exp.Cast | exp.Alias)}
        taken = [p.alias_or_name.lower() for p in tree.expressions if id(p) not in calls]
        names = list(calls.values())
        for projection in list(tree.expressions):
            name = calls.get(id(projection))
            if name and names.count(name) == 1 and name not in taken:
                projection.replace(exp.alias_(projection.copy(), name))
    return tree


def _as_query(out: FunctionTranslation, routine: Routine, text: str, source_dialect: str,
              target_dialect: str, types: Mapping[str, list[str]] | None = None,
              widths: Mapping[str, dict[str, int]] | None = None) -> FunctionTranslation:
    """A routine that only returns one query: that query, parameters as `{{ var('p') }}`
    (a dbt model or analysis, not a UDF)."""
    out.kind = "query"
    try:
        query = _mark_params(_pg_names(sqlglot.parse_one(text, read=source_dialect)), routine,
                             source_dialect)
        names = returned_columns(routine, types)
        if names and isinstance(query, exp.Query) and _width(query) == len(names):
            # RETURNS TABLE(a, b) names the result's columns, whatever the query calls them
            # a char(n) result column is shown padded to n by PostgreSQL; no other engine
            # pads, so the padding is written out
            padded = returned_widths(routine, widths)
            query = exp.select(*[exp.alias_(exp.func(
                "RPAD", exp.column(n), exp.Literal.number(padded[n]), exp.Literal.string(" ")), n)
                if n in padded else exp.column(n) for n in names]).from_(exp.Subquery(
                    this=query, alias=exp.TableAlias(
                this=exp.to_identifier("cutover_result"),
                columns=[exp.to_identifier(n) for n in names])))
        out.query_source = query.sql(dialect=source_dialect)
        out.query_target = query.sql(dialect=target_dialect)
        out.target_sql = out.bind(out.query_target, routine, None)
    except SqlglotError as exc:
        out.unsupported = f"function {routine.name}: its query does not translate: {exc}"
    return out
