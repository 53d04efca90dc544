"""A procedure rewritten set-based: one query per table it writes, giving the table's content
after the procedure ran, built as a chain of CTEs over the prior state.

    INSERT INTO t SELECT ...        -> t_n = t_(n-1) UNION ALL the inserted rows
    UPDATE t SET c = e WHERE p      -> t_n = SELECT ..., CASE WHEN p THEN e ELSE c END AS c ...
    DELETE FROM t WHERE p           -> t_n = SELECT * FROM t_(n-1) WHERE NOT COALESCE(p, FALSE)
    CREATE TEMP TABLE x AS SELECT   -> x = that SELECT (ephemeral: no model of its own)
A later statement reading t reads t_n. Parameters become `{{ var('p') }}` in dbt, or the
invocation's literal when proving. What has no set-based form (dynamic SQL, loops, conditionals,
row-by-row side effects, transaction control, error handlers) makes the whole procedure
`unsupported` with the reason: a partial rewrite would claim a parity it does not have.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Mapping
from dataclasses import dataclass, field

import sqlglot
from sqlglot import exp
from sqlglot.errors import SqlglotError
from sqlglot.tokens import Token, TokenType

from tools.procedures.aggify import after_loop_read, cursor_loops, fold_loop
from tools.procedures.bodies import PROCEDURAL, read_routine
from tools.procedures.inline import Env, Unsupported, guarded, is_true
from tools.procedures.loopwrites import set_based_write, writes_per_row
from tools.procedures.parse import Routine
from tools.procedures.plpgsql import If, Loop, Node, NotStructured, Simple
from tools.procedures.random_stream import bind_draws

_UNSUPPORTED = {
    "EXECUTE": "dynamic SQL (EXECUTE) has no static set-based form",
    "LOOP": "a loop runs row by row", "FOR": "a loop runs row by row",
    "WHILE": "a loop runs row by row", "FOREACH": "a loop runs row by row",
    "IF": "conditional control flow (IF) is not one query per table",
    "CASE": "conditional control flow (CASE statement) is not one query per table",
    "RAISE": "RAISE is a row-by-row side effect", "PERFORM": "PERFORM calls a function for its "
    "side effect", "COMMIT": "transaction control", "ROLLBACK": "transaction control",
    "EXCEPTION": "an error-handling block", "DECLARE": "local variables (DECLARE) are state the "
    "rewrite does not carry", "RETURN": "RETURN inside a procedure body",
    "CALL": "calls another procedure", "SELECT": "SELECT ... INTO a variable",
    "GET": "GET DIAGNOSTICS", "OPEN": "a cursor", "FETCH": "a cursor", "CLOSE": "a cursor",
}


@dataclass
class SetBased:
    """The rewrite of one procedure (source dialect)."""

    routine: str
    tables: dict[str, str] = field(default_factory=dict)
    """table written -> query giving its content after the procedure (params as placeholders)."""
    reads: list[str] = field(default_factory=list)
    """Permanent tables the procedure reads or writes (what a scratch copy needs)."""
    temp_tables: list[str] = field(default_factory=list)
    params: list[str] = field(default_factory=list)
    unsupported: str | None = None


def _var(name: str) -> str:
    return f"__cutover_var_{name}__"


def var_name(routine: str, param: str) -> str:
    """The dbt var of a routine's parameter: namespaced, so two procedures with a parameter
    of the same name each keep their own value."""
    return f"{routine}__{param}"


def with_params(sql: str, params: list[str], values: dict[str, str] | None,
                routine: str = "") -> str:
    """Parameter placeholders (identifiers no SQL uses) -> `{{ var('<routine>__p') }}` when
    `values` is None, else the given SQL literals; a numbered draw (random_stream) -> the dbt
    macro, else the proof's deterministic stream."""
    for name in params:
        sql = sql.replace(_var(name), values[name] if values is not None else
                          f"{{{{ var('{var_name(routine, name) if routine else name}') }}}}")
    return bind_draws(sql, proof=values is not None)  # numbered random() draws, if any


def _statements(body: str, dialect: str) -> list[tuple[str, list[Token]]]:
    tokens = sqlglot.tokenize(body, read=dialect)
    if tokens and tokens[0].text.upper() == "BEGIN":
        tokens = tokens[1:]
    if tokens and tokens[-1].token_type == TokenType.SEMICOLON:
        tokens = tokens[:-1]
    if tokens and tokens[-1].text.upper() == "END":
        tokens = tokens[:-1]
    out: list[tuple[str, list[Token]]] = []
    current: list[Token] = []
    for token in [*tokens, None]:
        if token is None or token.token_type == TokenType.SEMICOLON:
            if current:
                out.append((body[current[0].start:current[-1].end + 1], current))
            current = []
        else:
            current.append(token)
    return out


def _reason(tokens: list[Token]) -> str | None:
    head = tokens[0].text.upper()
    if head in _UNSUPPORTED:
        return _UNSUPPORTED[head]
    if any(t.text.upper() == "RETURNING" for t in tokens):
        return "RETURNING feeds a variable"
    return None


class _Chain:
    """The CTE chain: each step a named CTE; `current[t]` is t's latest state's name."""

    def __init__(self, params: list[str], columns: dict[str, list[str]], dialect: str,
                 defaults: Mapping[str, Collection[str]] | None = None) -> None:
        self.steps: list[tuple[str, exp.Expr]] = []
        self.current: dict[str, str] = {}
        self.params, self.columns, self.dialect = params, columns, dialect
        self.defaults = defaults
        self.reads: list[str] = []

    def _bind(self, tree: exp.Expr) -> exp.Expr:
        """Tables -> their latest CTE; parameters -> placeholders."""
        ctes = {c.alias_or_name.lower() for c in tree.find_all(exp.CTE)}
        ctes |= {name for name, _ in self.steps}  # bound already (a variable's value)
        for table in tree.find_all(exp.Table):
            if isinstance(table.this, exp.Func):
                called = table.this.name or table.this.sql()[:60]
                raise _Unsupported(f"reads the table function {called}(), which the rewrite "
                                   f"does not expand")
            name = table.name.lower()
            if name in ctes:
                continue
            if name not in self.current and name not in self.reads:
                self.reads.append(name)
            if name in self.current:
                alias = table.alias or table.name
                table.set("this", exp.to_identifier(self.current[name]))
                table.set("db", None)
                table.set("alias", exp.TableAlias(this=exp.to_identifier(alias)))
        for column in list(tree.find_all(exp.Column)):
            if not column.table and column.name.lower() in self.params:
                column.replace(exp.to_identifier(_var(column.name.lower())))
        return tree

    def freeze(self, tree: exp.Expr) -> exp.Expr:
        """_bind, and a table nothing wrote yet -> a snapshot of it (`t__0`): a condition or
        a variable evaluated now keeps reading this state after later writes to the table
        (`IF NOT EXISTS (SELECT ... FROM t) THEN INSERT INTO t ... ELSE UPDATE t ...`: the
        ELSE's guard must not see the row the INSERT added)."""
        tree = self._bind(tree)
        steps = {name for name, _ in self.steps}
        ctes = {c.alias_or_name.lower() for c in tree.find_all(exp.CTE)}
        for table in list(tree.find_all(exp.Table)):
            name = table.name.lower()
            if name in steps or name in ctes:
                continue
            snapshot = f"{name}__0"
            if snapshot not in steps:
                self.steps.insert(0, (snapshot, exp.select("*").from_(exp.to_identifier(name))))
                steps.add(snapshot)
            alias = table.alias or table.name
            table.set("this", exp.to_identifier(snapshot))
            table.set("db", None)
            table.set("alias", exp.TableAlias(this=exp.to_identifier(alias)))
        return tree

    def step(self, table: str, query: exp.Expr) -> None:
        n = sum(1 for name, _ in self.steps if name.startswith(f"{table}__")) + 1
        name = f"{table}__{n}"
        self.steps.append((name, query))
        self.current[table] = name

    def prior(self, table: str) -> str:
        if table not in self.current and table not in self.reads:
            self.reads.append(table)
        return self.current.get(table, table)

    def cols(self, table: str) -> list[str]:
        if table not in self.columns:
            raise _Unsupported(f"the columns of {table} are unknown (not a source table)")
        return self.columns[table]


class _Unsupported(Exception):
    pass


def _guard_where(tree: exp.Expr, guard: exp.Expr | None) -> None:
    """A statement run under an IF: its WHERE gains the (scalar) condition."""
    if guard is None:
        return
    where = tree.args.get("where")
    tree.set("where", exp.Where(this=exp.and_(where.this, guard) if where is not None
                                else guard))


def _insert(chain: _Chain, tree: exp.Insert, guard: exp.Expr | None = None) -> None:
    if tree.args.get("conflict") is not None:
        raise _Unsupported("INSERT ... ON CONFLICT (upsert) is an incremental merge; not "
                           "rewritten yet")
    target = tree.this
    cols_given = None
    if isinstance(target, exp.Schema):
        cols_given = [c.name.lower() for c in target.expressions]
        target = target.this
    table = target.name.lower()
    query = chain._bind(_defaults_as_null(chain, table, cols_given, tree.expression.copy()))
    if guard is not None:
        query = exp.select("*").from_(exp.Subquery(
            this=query, alias=exp.TableAlias(this=exp.to_identifier("cutover_guarded")))
        ).where(guard)
    all_cols = chain.cols(table)
    given = cols_given or all_cols
    inserted = exp.select(*[
        exp.column(c, "ins") if c in given else exp.null().as_(c)
        for c in all_cols]).from_(exp.Subquery(this=query, alias=exp.TableAlias(
            this=exp.to_identifier("ins"), columns=[exp.to_identifier(c) for c in given])))
    prior = exp.select(*[exp.column(c) for c in all_cols]).from_(chain.prior(table))
    chain.step(table, exp.union(prior, inserted, distinct=False))


def _defaults_as_null(chain: _Chain, table: str, given: list[str] | None,
                      rows: exp.Expr) -> exp.Expr:
    """`VALUES (1, DEFAULT)`: DEFAULT is the column's default, NULL for a column the source
    declares none for; a real default (a sequence, now()) is not rewritten."""
    if not isinstance(rows, exp.Values):
        return rows
    names = given or chain.cols(table)
    for row in rows.expressions:
        for at, value in enumerate(row.expressions):
            if not (isinstance(value, exp.Var) and value.name.upper() == "DEFAULT"):
                continue
            column = names[at] if at < len(names) else "?"
            if chain.defaults is None or column in chain.defaults.get(table, ()):
                raise _Unsupported(f"DEFAULT for {table}.{column}: its default value is not "
                                   f"rewritten (only a column without one, as NULL)")
            value.replace(exp.null())
    return rows


def _update(chain: _Chain, tree: exp.Update, guard: exp.Expr | None = None) -> None:
    if tree.args.get("from") or tree.args.get("from_"):
        raise _Unsupported("UPDATE ... FROM (a join update) is not rewritten yet")
    table = tree.this.name.lower()
    tree = tree.copy()
    _guard_where(tree, guard)
    bound = chain._bind(tree)
    where = bound.args.get("where")
    sets = {e.this.name.lower(): e.expression for e in bound.expressions}
    cols = []
    for col in chain.cols(table):
        if col in sets:
            value = (exp.Case(ifs=[exp.If(this=where.this.copy(), true=sets[col].copy())],
                              default=exp.column(col)) if where is not None else sets[col].copy())
            cols.append(exp.alias_(value, col))
        else:
            cols.append(exp.column(col))
    alias = tree.this.alias or table
    chain.step(table, exp.select(*cols).from_(exp.Table(
        this=exp.to_identifier(chain.prior(table)), alias=exp.TableAlias(
            this=exp.to_identifier(alias)))))


def _delete(chain: _Chain, tree: exp.Delete, guard: exp.Expr | None = None) -> None:
    if tree.args.get("using"):
        raise _Unsupported("DELETE ... USING (a join delete) is not rewritten yet")
    table = tree.this.name.lower()
    tree = tree.copy()
    _guard_where(tree, guard)
    bound = chain._bind(tree)
    where = bound.args.get("where")
    alias = tree.this.alias or table
    query = exp.select(*[exp.column(c) for c in chain.cols(table)]).from_(exp.Table(
        this=exp.to_identifier(chain.prior(table)), alias=exp.TableAlias(
            this=exp.to_identifier(alias))))
    keep = (exp.not_(exp.func("COALESCE", where.this.copy(), exp.false()))
            if where is not None else exp.false())
    chain.step(table, query.where(keep))


def rewrite(routine: Routine, columns: dict[str, list[str]], dialect: str = "postgres",
            defaults: Mapping[str, Collection[str]] | None = None) -> SetBased:
    """The set-based form of a procedure. `columns`: each source table's columns, in order;
    `defaults`: the columns that have a default, per table (None: not known)."""
    params = [p.name for p in routine.params]
    out = SetBased(routine.name, params=params)
    if routine.language not in ("sql", *PROCEDURAL):
        out.unsupported = f"language {routine.language} is not SQL"
        return out
    chain = _Chain(params, {k.lower(): [c.lower() for c in v] for k, v in columns.items()},
                   dialect, defaults)
    walker = _Walker(chain, dialect)
    try:
        if routine.language == "sql":
            nodes: list[Node] = [Simple(text, tokens[0].text.upper())
                                 for text, tokens in _statements(routine.body, dialect)]
        else:
            body = read_routine(routine)  # a MySQL body reads into the same tree
            for decl in body.declared:
                if decl.cursor_query is not None:
                    walker.env.cursors[decl.name] = decl.cursor_query
                else:
                    walker.env.types[decl.name] = decl.type
                    walker.env.values[decl.name] = exp.null()
                    if decl.default is not None:
                        walker.env.assign(decl.name, walker.env.expr(decl.default), [])
            nodes = cursor_loops(body.statements, walker.env.cursors)
        try:
            walker.walk(nodes, [])
        except _Stop:
            pass
    except (NotStructured, Unsupported) as exc:
        out.unsupported = str(exc)
        return out
    except _Unsupported as exc:
        out.unsupported = str(exc)
        return out
    temps = walker.temps
    if not chain.current:
        out.unsupported = ("writes no table (its only effects are messages or variables): "
                           "nothing to build")
        return out
    out.temp_tables = temps
    out.reads = [t for t in chain.reads if t not in temps]
    for table, last in chain.current.items():
        if table in temps:
            continue
        query = exp.select("*").from_(last)
        for name, step in chain.steps:
            query = query.with_(name, as_=step)
        unknown = after_loop_read(query)
        if unknown is not None:
            out.unsupported = (f"reads {unknown} after the loop that set it per row (the last "
                               f"row's value has no aggregate form)")
            out.tables.clear()
            return out
        out.tables[table] = query.sql(dialect=dialect)
        if table not in out.reads:
            out.reads.append(table)
    return out


_MESSAGE_LEVELS = ("NOTICE", "INFO", "DEBUG", "LOG", "WARNING")


class _Walker:
    """Runs a procedure's statements symbolically: variables hold expressions (bound to the
    tables' state when assigned), IF branches guard the statements inside them, a RETURN under
    a condition guards all that follows, and each write is one step of the CTE chain."""

    def __init__(self, chain: _Chain, dialect: str) -> None:
        self.chain, self.dialect = chain, dialect
        self.env = Env(dialect=dialect)
        self.env.values["found"] = exp.false()
        self.alive: list[exp.Expr] = []
        """Conditions under which no earlier RETURN has left the procedure."""
        self.temps: list[str] = []
        self.opened: dict[str, exp.Expr] = {}

    def bound(self, tree: exp.Expr) -> exp.Expr:
        """Tables -> their state now, frozen; parameters -> placeholders."""
        return self.chain.freeze(tree)

    def condition(self, text: str) -> exp.Expr:
        return is_true(self.bound(self.env.expr(text)))

    def walk(self, nodes: list[Node], guard: list[exp.Expr]) -> None:
        for node in nodes:
            if isinstance(node, If):
                conditions = [self.condition(c) for c, _ in node.branches]
                for at, (_, body) in enumerate(node.branches):
                    self.walk(body, [*guard, *[exp.not_(c.copy()) for c in conditions[:at]],
                                     conditions[at]])
                self.walk(node.otherwise, [*guard, *[exp.not_(c.copy()) for c in conditions]])
            elif isinstance(node, Loop) and writes_per_row(node):
                # a loop writing once per row: the one statement over its query it amounts to
                self.write(set_based_write(node, self.env, self.dialect, self.chain.params),
                           guarded([*guard, *self.alive]), str(node.header)[:60])
            elif isinstance(node, Loop):
                # a loop folding rows into variables is aggregates (Aggify); any other raises
                self.env.bind = self.bound
                fold_loop(node, self.env, [*guard, *self.alive])
            elif isinstance(node, Simple):
                self.simple(node, guard)
            else:
                raise _Unsupported("a nested block")

    def simple(self, node: Simple, guard: list[exp.Expr]) -> None:
        text = node.text.rstrip(";").strip()
        effective = [*guard, *self.alive]
        head = node.head
        if head == "RETURN":
            if text.upper() != "RETURN":
                raise _Unsupported(f"RETURN of a value from a procedure: {text[:60]}")
            condition = guarded(effective)
            if condition is None:  # an unconditional RETURN: nothing after it runs
                raise _Stop
            self.alive.append(exp.not_(condition))
            return
        if head == "NULL":
            return
        if head == "RAISE":
            if text.split()[1].upper() in _MESSAGE_LEVELS:
                return  # a message: no table changes
            raise _Unsupported(f"RAISE EXCEPTION is error handling (the procedure fails, "
                               f"its writes roll back): {text[:60]}")
        if head == "SELECT":
            self.env.bind = self.bound
            self.env.select_into(text, effective)
            return
        match = re.match(r"(?is)^([A-Za-z_]\w*)\s*:=\s*(.+)$", text)
        if match:
            name = match.group(1).lower()
            if name not in self.env.values and name in self.chain.params:
                self.env.values[name] = exp.column(name)  # a parameter assigned to
            self.env.assign(match.group(1), self.bound(self.env.expr(match.group(2))),
                            effective)
            return
        reason = _UNSUPPORTED.get(head)
        if reason and head not in ("SELECT", "RETURN"):
            raise _Unsupported(f"{reason}: {text[:80]}")
        if any(w.upper() == "RETURNING" for w in text.split()):
            raise _Unsupported("RETURNING feeds a variable")
        try:
            tree = sqlglot.parse_one(text, read=self.dialect)
        except SqlglotError as exc:
            raise _Unsupported(f"cannot parse {text[:80]!r}: {exc}") from exc
        self.write(self.env.substitute(tree), guarded(effective), text)

    def write(self, tree: exp.Expr, condition: exp.Expr | None, text: str) -> None:
        """One statement as a step of the chain (under `condition`)."""
        if isinstance(tree, exp.Insert):
            _insert(self.chain, tree, condition)
        elif isinstance(tree, exp.Update):
            _update(self.chain, tree, condition)
        elif isinstance(tree, exp.Delete):
            _delete(self.chain, tree, condition)
        elif isinstance(tree, exp.Create) and tree.expression is not None and \
                tree.kind == "TABLE":
            if condition is not None:
                raise _Unsupported("a temporary table created under a condition")
            name = tree.this.this.name.lower() if isinstance(tree.this, exp.Schema) \
                else tree.this.name.lower()
            self.chain.step(name, self.chain._bind(tree.expression.copy()))
            self.chain.columns[name] = [s.alias_or_name.lower()
                                        for s in tree.expression.selects]
            self.temps.append(name)
        elif isinstance(tree, exp.Drop) and all(
                d.name.lower() in self.temps for d in tree.args.get("tables") or []):
            return
        else:
            raise _Unsupported(f"{type(tree).__name__} statement: {text[:80]}")


class _Stop(Exception):
    """An unconditional RETURN: the rest of the body never runs."""
