"""sqlglot, wrapped: split files into statements, classify them, find what they read, inline
codebase-only dependencies for the source side, and transpile without silent pass-through."""

from __future__ import annotations

import logging
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import cast

import sqlglot
from sqlglot import exp
from sqlglot.dialects.dialect import Dialect
from sqlglot.errors import ErrorLevel, ParseError, SqlglotError, TokenError, UnsupportedError
from sqlglot.tokens import Token, TokenType

from tools import sql_split
from tools.errors import ParseFailed, Unsupported

logging.getLogger("sqlglot").setLevel(logging.ERROR)


@dataclass(frozen=True)
class Statement:
    """One statement cut from a file, with where it starts and its leading comment."""

    sql: str
    line: int
    comment: str
    problem: str | None = None
    """Why this statement cannot even be read (too large, cannot be tokenized); the rest of
    the file is unaffected."""
    tokens: list[Token] | None = field(default=None, compare=False, repr=False)
    """The statement's tokens from the split, handed to `parse` and `query_text` so a
    statement is tokenized once (planning 10,000 objects tokenized each one three times)."""


#: Statements above this size are refused, not parsed: sqlglot holds every token of a statement
#: as a Python object (a 50 MB statement took 7 GB), and no view or report is that long.
MAX_STATEMENT_BYTES = 4 * 1024 * 1024


def split_statements(text: str, dialect: str, where: str) -> list[Statement]:
    """Split on top-level semicolons (tools/sql_split: strings, quoted names, comments and
    dollar-quoted bodies are stepped over), then tokenize each statement on its own."""
    tokenizer = Dialect.get_or_raise(dialect)
    statements: list[Statement] = []
    for piece in sql_split.split(text, dialect):
        chunk = text[piece.start:piece.end]
        if not chunk.strip():
            continue
        if len(chunk) > MAX_STATEMENT_BYTES:
            offset = len(chunk) - len(chunk.lstrip())
            line = piece.line + chunk.count("\n", 0, offset)
            statements.append(Statement(
                sql=chunk.strip(), line=line, comment="",
                problem=(f"{where}:{line}: the statement is {len(chunk) / 1e6:.1f} MB, over the "
                         f"{MAX_STATEMENT_BYTES / 1e6:.0f} MB Cutover parses; split it or leave "
                         f"it out with [project] exclude")))
            continue
        try:
            tokens = tokenizer.tokenize(chunk)
        except (TokenError, SqlglotError) as exc:
            line = piece.line + chunk.count("\n", 0, len(chunk) - len(chunk.lstrip()))
            statements.append(Statement(
                sql=chunk.strip(), line=line, comment="",
                problem=f"{where}:{line}: cannot tokenize as {dialect} SQL: {exc}"))
            continue
        if tokens:  # a piece of only comments is no statement
            first = tokens[0]
            comment = " ".join(c.strip() for c in first.comments).strip()
            statements.append(Statement(sql=chunk[first.start:].strip(),
                                        line=piece.line + first.line - 1, comment=comment,
                                        tokens=_as_statement_tokens(tokens)))
    return statements


def _as_statement_tokens(tokens: list[Token]) -> list[Token]:
    """The chunk's tokens as if read from the statement alone (the text from its first token
    on): offsets moved to the statement's start, and the leading comment, kept apart in
    Statement.comment, no longer on the first token. Lines and columns stay the chunk's; they
    only place syntax errors, and `parse` reports those from the text."""
    shift = tokens[0].start
    if shift:
        for tok in tokens:
            tok.start -= shift
            tok.end -= shift
    tokens[0].comments = []
    return tokens


_QUERY_START = (TokenType.SELECT, TokenType.WITH, TokenType.L_PAREN, TokenType.VALUES)


def copy_tokens(tokens: list[Token]) -> list[Token]:
    """Tokens to parse a second time, as if read from the text that starts at the first of
    them: offsets moved there, and fresh comment lists (the parser hands a token's comment
    list to the tree it builds and may extend it later, so two parses must not share them)."""
    shift = tokens[0].start if tokens else 0
    return [Token(t.token_type, t.text, t.line, t.col, t.start - shift, t.end - shift,
                  list(t.comments)) for t in tokens]


def query_text(statement: str, dialect: str,
               tokens: list[Token] | None = None) -> str | None:
    """The query part of a statement exactly as written (CREATE VIEW v AS <this>, INSERT INTO
    t (cols) <this>), so the source runs its own SQL, not sqlglot's regeneration of it
    (MySQL's REGEXP would come back as REGEXP_LIKE, which MariaDB does not have). `tokens`
    are the statement's own (Statement.tokens), when the caller has them."""
    found = query_start(statement, dialect, tokens)
    return None if found is None else statement[found[1].start:].strip()


def query_start(statement: str, dialect: str,
                tokens: list[Token] | None = None) -> tuple[list[Token], Token] | None:
    """(the statement's tokens, the token its query part starts at), or None."""
    if tokens is None:
        tokens = Dialect.get_or_raise(dialect).tokenize(statement)
    if not tokens:
        return None
    first = tokens[0].token_type
    if first in (TokenType.SELECT, TokenType.WITH):
        return tokens, tokens[0]
    # CREATE … AS (SELECT …) may wrap its query in parentheses; INSERT's first parenthesis is
    # its column list.
    creating = first == TokenType.CREATE
    depth, after_as = 0, not creating
    for tok in tokens:
        if tok.token_type == TokenType.L_PAREN and depth == 0 and after_as and creating:
            return tokens, tok
        if tok.token_type == TokenType.L_PAREN:
            depth += 1
        elif tok.token_type == TokenType.R_PAREN:
            depth -= 1
        elif depth == 0 and tok.token_type == TokenType.ALIAS:
            after_as = True
        elif depth == 0 and after_as and tok.token_type in _QUERY_START:
            return tokens, tok
    return None


# MySQL dumps write views as CREATE ALGORITHM=… DEFINER=… SQL SECURITY … VIEW. Those options
# say who runs the view on the source; they mean nothing to the target and some spellings
# (DEFINER=CURRENT_USER) defeat sqlglot's parser, so they are dropped before parsing.
_VIEW_OPTIONS = re.compile(
    r"^(\s*CREATE\s+(?:OR\s+REPLACE\s+)?)"
    r"(?:ALGORITHM\s*=\s*\w+\s+|DEFINER\s*=\s*(?:`[^`]*`|'[^']*'|[\w.%-]+)"
    r"(?:@(?:`[^`]*`|'[^']*'|[\w.%-]+))?(?:\(\))?\s+|SQL\s+SECURITY\s+\w+\s+)+(?=VIEW\b)",
    re.IGNORECASE)


def strip_view_options(sql: str) -> str:
    return _VIEW_OPTIONS.sub(r"\1", sql, count=1)


def parse(sql: str, dialect: str, where: str, tokens: list[Token] | None = None) -> exp.Expr:
    """One statement's tree; `tokens` (the statement's, from split_statements) spare a second
    tokenization, unless view options had to be cut out of the text first."""
    stripped = strip_view_options(sql)
    if stripped != sql:
        sql, tokens = stripped, None
    try:
        try:
            tree = _parse_one(sql, dialect, tokens)
        except (ParseError, TokenError):
            if tokens is None:
                raise
            # the error's line and column are counted from the statement's own text
            tree = _parse_one(sql, dialect, None)
    except (ParseError, TokenError) as exc:
        at, detail = _position(where, exc)
        raise ParseFailed(f"{at}: cannot parse as {dialect} SQL: {detail}. Fix the statement "
                          f"or leave the file out with [project] exclude.") from exc
    except RecursionError as exc:
        raise ParseFailed(f"{where}: the statement nests deeper than the parser can follow "
                          f"(Python's recursion limit); flatten its subqueries or CASEs, or "
                          f"leave it out with [project] exclude") from exc
    if tree is None:
        raise ParseFailed(f"{where}: empty statement")
    return tree


def _parse_one(sql: str, dialect: str, tokens: list[Token] | None) -> exp.Expr:
    """sqlglot.parse_one, from tokens already read when there are some."""
    if tokens is None:
        return sqlglot.parse_one(sql, read=dialect)
    result = Dialect.get_or_raise(dialect).parser().parse(tokens, sql)
    if not result or result[0] is None:
        raise ParseError(f"No expression was parsed from '{sql}'")
    return exp.Block(expressions=result) if len(result) > 1 else result[0]


_TOKEN_REPR = re.compile(r"<Token token_type: [\w.]+, text: (.*?), line: \d+.*?>")


def _position(where: str, exc: Exception) -> tuple[str, str]:
    """'file:line:col' of a syntax error (where = 'file:line' of the statement's first line)
    and a one-line description naming the offending text rather than sqlglot's token repr."""
    errors = getattr(exc, "errors", None) or [{}]
    first = errors[0]
    detail = _TOKEN_REPR.sub(r"'\1'", str(first.get("description") or exc).splitlines()[0])
    file, sep, line = where.rpartition(":")
    if not (sep and line.isdigit() and first.get("line")):
        return where, detail
    # sqlglot's col is where the offending token ends; point at where it starts
    col = max(1, int(first.get("col") or 1) - len(first.get("highlight") or "x") + 1)
    return f"{file}:{int(line) + int(first['line']) - 1}:{col}", detail


@dataclass(frozen=True)
class ObjectShape:
    kind: str
    name: str | None
    select: exp.Query
    insert_into: str | None


def classify(tree: exp.Expr, where: str) -> ObjectShape:
    """What kind of migratable object a statement is, or Unsupported."""
    if isinstance(tree, exp.Create) and isinstance(tree.expression, exp.Query):
        kind = str(tree.args.get("kind") or "").upper()
        table = tree.this.this if isinstance(tree.this, exp.Schema) else tree.this
        if kind == "VIEW":
            return ObjectShape("view", table.name, tree.expression, None)
        if kind == "TABLE":
            return ObjectShape("table_as_select", table.name, tree.expression, None)
    if isinstance(tree, exp.Insert) and isinstance(tree.expression, exp.Query):
        table = tree.this.this if isinstance(tree.this, exp.Schema) else tree.this
        return ObjectShape("insert_select", None, tree.expression, table.name)
    if isinstance(tree, exp.Query):
        return ObjectShape("query", None, tree, None)
    routine = str(tree.args.get("kind") or "").upper() if isinstance(tree, exp.Create) else ""
    if routine in ("PROCEDURE", "FUNCTION"):
        # not a query: the dbt output rewrites routines into models and macros
        raise Unsupported(f"{where}: CREATE {routine} is migrated by the dbt output "
                          f"([output] format = \"dbt\" or --dbt DIR), not as a query object: "
                          f"the report's dbt section lists what it became")
    raise Unsupported(f"{where}: {type(tree).__name__.upper()} statements are not migrated "
                      f"(supported: CREATE VIEW, CREATE TABLE AS SELECT, INSERT ... SELECT, "
                      f"SELECT)")


def tables_read(select: exp.Expr) -> list[str]:
    """Names of tables/views a query reads, without its own CTE names, in first-seen order."""
    ctes = {c.alias_or_name.lower() for c in select.find_all(exp.CTE)}
    seen: list[str] = []
    for table in select.find_all(exp.Table):
        name = table.name
        if name and name.lower() not in ctes and name.lower() not in seen:
            seen.append(name.lower())
    return seen


def inline(select_sql: str | exp.Expr, dialect: str,
           definitions: Mapping[str, str | exp.Query]) -> str:
    """Replace references to codebase objects (absent from the source) by their definitions,
    so the object can run on the source without creating anything there. The query and the
    definitions may come as trees already parsed (the planner's, parsed once per statement:
    re-parsing every view of a chain for each object reading it was quadratic in the chain);
    they are copied, never changed."""
    if not definitions:
        return select_sql if isinstance(select_sql, str) else select_sql.sql(dialect=dialect)
    try:
        tree = (sqlglot.parse_one(select_sql, read=dialect) if isinstance(select_sql, str)
                else select_sql)
        # Definitions are the SELECTs of views / CTAS objects: Query nodes.
        sources: dict[str, exp.Query] = {
            name: cast(exp.Query, sqlglot.parse_one(sql, read=dialect)
                       if isinstance(sql, str) else sql)
            for name, sql in definitions.items()}
        expanded = _expand(tree, sources, dialect)
        return expanded.sql(dialect=dialect)
    except RecursionError as exc:
        raise ParseFailed("the statement and the views it reads nest deeper than the parser "
                          "can follow (Python's recursion limit)") from exc


def _expand(tree: exp.Expr, sources: dict[str, exp.Query], dialect: str) -> exp.Expr:
    """sqlglot's exp.expand (each table read that names a source becomes that source as a
    subquery, expanded in turn), except for how the sources' names are normalised: exp.expand
    parses every name of the dict as SQL on each call, which for a view deep in a chain is the
    whole chain, for every object reading it. The names here are single table names (as
    `tables_read` gives them), so they are built as such, not parsed."""
    by_name = {exp.normalize_table_name(exp.table_(name), dialect=dialect): query
               for name, query in sources.items()}

    def swap(node: exp.Expr) -> exp.Expr:
        if isinstance(node, exp.Table):
            name = exp.normalize_table_name(node, dialect=dialect)
            source = by_name.get(name)
            if source is not None:
                subquery = source.subquery(node.alias or name)  # a copy: sources stay whole
                subquery.comments = [f"source: {name}"]
                return subquery.transform(swap, copy=False)
        return node

    return tree.transform(swap, copy=True)


def has_order_by(select: exp.Expr) -> bool:
    """Top-level ORDER BY (an ORDER BY inside a subquery or window does not order the result)."""
    return select.args.get("order") is not None


def order_columns(select: exp.Expr) -> list[str]:
    """Output column names the top-level ORDER BY sorts on (by name, alias or position)."""
    order = select.args.get("order")
    if order is None or not isinstance(select, exp.Select):
        return []
    outputs = select.named_selects
    names: list[str] = []
    for ordered in order.expressions:
        key = ordered.this
        if isinstance(key, exp.Literal) and key.is_int and 0 < int(key.name) <= len(outputs):
            names.append(outputs[int(key.name) - 1])
        elif isinstance(key, exp.Column) and key.name in outputs:
            names.append(key.name)
        else:
            # an expression that is not an output column: ties cannot be judged from the result
            return []
    return names


def transpile(sql: str, read: str, write: str, where: str = "",
              schema: dict[str, dict[str, str]] | None = None, semantics: bool = True,
              collations: dict[str, dict[str, str]] | None = None,
              enums: dict[str, dict[str, tuple[str, ...]]] | None = None,
              keys: dict[str, tuple[str, ...]] | None = None,
              applied: list[str] | None = None) -> str:
    """Translate one statement; raise Unsupported naming each construct sqlglot cannot carry.

    Before sqlglot writes the target dialect, the semantics library rewrites the constructs
    whose meaning differs between the two engines (tools/semantics), typed by `schema`
    (source table -> column -> canonical type) where the meaning depends on a type.
    `collations` (table -> column -> tools.semantics.collations label) says how the source's
    text columns compare; `enums` (table -> column -> members) names MySQL ENUM columns,
    `keys` (table -> primary key columns) the source's primary keys.
    `semantics=False` is plain sqlglot (the eval baseline). `applied`, when given, receives
    the rewrites made ('family.method'), for the attempt's reason."""
    # Imported here, not at the top: the semantics library costs ~0.6 s of start-up (it loads
    # several sqlglot dialects), and the many importers of this module that only parse or
    # split SQL (a `cutover diff`, the Spark adapter) never translate (issue 15).
    from tools import semantics as library

    prefix = f"{where}{': ' if where else ''}"
    try:
        trees = sqlglot.parse(strip_view_options(sql),
                              read=library.reading_dialect(read) if semantics else read)
        if len(trees) != 1 or trees[0] is None:
            raise ParseFailed(f"{prefix}expected one statement, found {len(trees)}")
        tree = trees[0]
        if semantics:
            made = library.apply(tree, library.SemanticsContext(read, write, schema or {},
                                                                collations or {}, enums or {},
                                                                keys or {}))
            if applied is not None:
                applied.extend(made)
        # the tree is this call's own: the generator may mutate it rather than a deep copy
        # (sqlglot.transpile does the same; the copy was a fifth of the library's cost)
        out = tree.sql(dialect=write, unsupported_level=ErrorLevel.RAISE, copy=False)
    except UnsupportedError as exc:
        raise Unsupported(f"{prefix}cannot translate from {read} to {write}: {exc}") from exc
    except Unsupported as exc:
        raise Unsupported(f"{prefix}{exc}") from exc
    except (ParseError, TokenError) as exc:
        raise ParseFailed(f"{prefix}cannot parse as {read} SQL: "
                          f"{str(exc).splitlines()[0]}") from exc
    except RecursionError as exc:
        raise Unsupported(f"{prefix}the statement nests deeper than the translator can follow "
                          f"(Python's recursion limit); flatten it") from exc
    _check_passthrough(out, read, write, where)
    return out


# Constructs sqlglot passes straight through although the target does not understand them.
_PASSTHROUGH = {
    "ROWNUM": "Oracle ROWNUM pseudo-column (use ROW_NUMBER() / LIMIT)",
    "NOLOCK": "T-SQL table hint WITH (NOLOCK)",
    "CONNECT BY": "Oracle hierarchical query CONNECT BY",
}


def _check_passthrough(sql: str, read: str, write: str, where: str) -> None:
    if read == write:
        return
    upper = sql.upper()
    found = [why for token, why in _PASSTHROUGH.items() if token in upper]
    if found:
        raise Unsupported(f"{where}{': ' if where else ''}cannot translate from {read} to "
                          f"{write}: " + "; ".join(found))
