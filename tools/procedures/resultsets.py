"""A read-only MySQL procedure as queries: one per result set it returns (a SELECT without
INTO, in order) and one row of its OUT / INOUT values, each over the parameter placeholders
(inline.PARAM), variables replaced by the expressions they hold (inline.Env).

    DECLARE v / SET v = e / SELECT ... INTO v   -> v's expression (a scalar subquery)
    CREATE TEMPORARY TABLE t (...); INSERT INTO t SELECT ...
                                                -> a CTE t over the inserted rows
    IF c THEN SELECT 'message'; LEAVE proc; END IF   (a guard clause)
                                                -> every later result is filtered by
                                                   NOT COALESCE(c, FALSE), and an OUT value
                                                   keeps NULL where c holds
    DROP [TEMPORARY] TABLE t                    -> nothing (the CTE ends with the query)

A guard's own message is not a model: the note says so, and the proof compares the number
of result sets the CALL returned, so an invocation that trips a guard is never at parity.
A procedure that writes a permanent table goes through setbased.rewrite instead; anything
else (loops, other IFs, cursors, handlers) leaves it `unsupported` with the reason.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

import sqlglot
from sqlglot import exp
from sqlglot.errors import SqlglotError

from tools import sql as sqltools
from tools.procedures.bodies import read_routine
from tools.procedures.inline import (
    SELECT_INTO,
    Env,
    Unsupported,
    cast_to,
    guarded,
    is_true,
    new_env,
)
from tools.procedures.parse import Routine
from tools.procedures.plpgsql import If, Node, NotStructured, Simple

_TEMP = re.compile(r"(?is)^create\s+temporary\s+table\s+(?:if\s+not\s+exists\s+)?"
                   r"`?(\w+)`?\s*(\((.*)\))?\s*(?:engine\s*=\s*\w+\s*)?(?:as\s+)?(select\b.*)?$")
_INSERT = re.compile(r"(?is)^insert\s+into\s+`?(\w+)`?\s*(?:\(([^)]*)\))?\s*(select\b.*)$")
_DROP = re.compile(r"(?is)^drop\s+(?:temporary\s+)?table\s+(?:if\s+exists\s+)?`?(\w+)`?$")
_WRITES = re.compile(r"(?is)^(insert|update|delete|replace|truncate|alter|create|drop)\b")


@dataclass
class ResultSets:
    routine: str
    results: list[str] = field(default_factory=list)
    """Each result set's query (source dialect, parameters as placeholders), in order."""
    out: str | None = None
    """`SELECT <expr> AS p, ...` over the OUT / INOUT parameters (None: the procedure has
    none)."""
    reads: list[str] = field(default_factory=list)
    """Permanent tables the queries read (what the scratch copy and the target need)."""
    notes: list[str] = field(default_factory=list)
    unsupported: str | None = None


def writes_tables(routine: Routine) -> list[str]:
    """The permanent tables a MySQL procedure writes (temporary tables excepted)."""
    try:
        body = read_routine(routine)
    except NotStructured:
        return []
    temps: set[str] = set()
    written: list[str] = []

    def visit(nodes: list[Node]) -> None:
        for node in nodes:
            if isinstance(node, Simple):
                text = node.text.strip()
                temp = _TEMP.match(text)
                if temp:
                    temps.add(temp.group(1).lower())
                    continue
                match = re.match(r"(?is)^(?:insert\s+(?:ignore\s+)?into|update|delete\s+from|"
                                 r"replace\s+into|truncate\s+(?:table\s+)?)\s*`?(\w+)`?", text)
                if match and match.group(1).lower() not in temps:
                    written.append(match.group(1).lower())
            elif isinstance(node, If):
                for _, branch in node.branches:
                    visit(branch)
                visit(node.otherwise)
            else:
                visit(getattr(node, "body", []))

    visit(body.statements)
    return list(dict.fromkeys(written))


class _Walk:
    def __init__(self, routine: Routine, env: Env, dialect: str) -> None:
        self.routine, self.env, self.dialect = routine, env, dialect
        self.temps: dict[str, list[exp.Query]] = {}
        self.columns: dict[str, list[str]] = {}
        self.types: dict[str, dict[str, str]] = {}  # a temporary table's declared types
        self.stops: list[exp.Expr] = []  # guard conditions: later statements run where none holds
        self.found = ResultSets(routine.name)
        env.bind = self._with_temps

    def run(self, nodes: list[Node]) -> None:
        for node in nodes:
            if isinstance(node, If):
                self._guard(node)
            elif isinstance(node, Simple):
                self._simple(node)
            else:
                raise Unsupported("a loop or a nested block in a procedure returning results")

    def _guard(self, node: If) -> None:
        """`IF c THEN [SELECT 'message';] LEAVE proc; END IF` -> a stop condition."""
        if len(node.branches) != 1 or node.otherwise:
            raise Unsupported("conditional control flow (IF with ELSE / ELSEIF) in a "
                              "procedure returning results")
        cond, body = node.branches[0]
        if not body or body[-1] != Simple("RETURN", "RETURN") or any(
                s.head != "SELECT" or SELECT_INTO.match(s.text) for s in body[:-1]
                if isinstance(s, Simple)) or not all(isinstance(s, Simple) for s in body):
            raise Unsupported("an IF that is not a guard clause (IF c THEN [SELECT "
                              "'message';] LEAVE the procedure; END IF)")
        self.stops.append(is_true(self.env.expr(cond)))
        messages = [s.text[len("select"):].strip() for s in body[:-1] if isinstance(s, Simple)]
        self.found.notes.append(
            f"when {cond.strip()} it stops" + (f" returning {', '.join(messages)}"
                                               if messages else "")
            + ": its later results are filtered by NOT that condition")

    def _guard_now(self) -> list[exp.Expr]:
        return [exp.not_(s.copy()) for s in self.stops]

    def _simple(self, node: Simple) -> None:
        text = node.text.strip()
        temp, insert, drop = _TEMP.match(text), _INSERT.match(text), _DROP.match(text)
        if node.head == "SELECT" and SELECT_INTO.match(text):
            self.env.select_into(text, self._guard_now())
        elif node.head == "SELECT":
            self.found.results.append(self._result(text))
        elif temp:
            name = temp.group(1).lower()
            self.temps[name] = []
            if temp.group(4):
                self.temps[name].append(self._query(temp.group(4)))
            elif temp.group(3):
                defined = [c for c in _columns(temp.group(3)) if not re.match(
                    r"(?i)^(primary|key|index|unique|constraint)\b", c.strip())]
                self.columns[name] = [c.split()[0].strip("`").lower() for c in defined]
                self.types[name] = dict(zip(self.columns[name], [_type(c) for c in defined],
                                            strict=True))
        elif insert and insert.group(1).lower() in self.temps:
            name = insert.group(1).lower()
            query = self._query(insert.group(3))
            names = ([c.strip().strip("`").lower() for c in insert.group(2).split(",")]
                     if insert.group(2) else self.columns.get(name))
            if names and isinstance(query, exp.Select):
                if len(names) != len(query.expressions):
                    raise Unsupported(f"INSERT INTO {name}: the columns do not match")
                # an integer or fixed-point column rounds what is inserted, as it does there
                types = self.types.get(name, {})
                query.set("expressions", [
                    exp.alias_(cast_to(types.get(n), e.unalias(), self.dialect), n)
                    for e, n in zip(query.expressions, names, strict=True)])
            if self.stops:  # a guard that fired inserted nothing
                query = exp.select("*").from_(query.subquery("guarded")).where(
                    guarded(self._guard_now()))
            self.temps[name].append(query)
        elif drop and drop.group(1).lower() in self.temps:
            pass  # the CTE ends with the query that reads it
        elif node.head in ("SET",) or re.match(r"(?is)^\w+\s*:=", text):
            match = re.match(r"(?is)^(\w+)\s*:=\s*(.+)$", text)
            if match is None:
                raise Unsupported(f"{text[:50]!r} has no expression form")
            self.env.assign(match.group(1), self.env.expr(match.group(2)), self._guard_now())
        elif _WRITES.match(text):
            raise Unsupported(f"{node.head} of a permanent table ({text[:50]!r}) in a "
                              f"procedure returning results")
        else:
            raise Unsupported(f"{node.head} statement ({text[:50]!r}) in a procedure "
                              f"returning results")

    def _query(self, text: str) -> exp.Query:
        try:
            tree = sqlglot.parse_one(text, read=self.dialect)
        except SqlglotError as exc:
            raise Unsupported(f"cannot parse {text.strip()[:60]!r}") from exc
        if not isinstance(tree, exp.Query):
            raise Unsupported(f"not a query: {text.strip()[:60]!r}")
        tree = self.env.substitute(tree)
        tree = self._with_temps(tree)
        assert isinstance(tree, exp.Query)  # both replace names inside, never the query
        return tree

    def _result(self, text: str) -> str:
        query = self._query(text)
        if self.stops:
            if not isinstance(query, exp.Select):
                raise Unsupported("a guarded result set that is a set operation")
            query = query.where(guarded(self._guard_now()))
        return query.sql(dialect=self.dialect)

    def _with_temps(self, tree: exp.Expr) -> exp.Expr:
        """Each temporary table `tree` reads as a CTE of the rows inserted into it."""
        for select in [tree, *tree.find_all(exp.Query)]:
            if not isinstance(select, exp.Query) or isinstance(select, exp.Subquery):
                continue  # a scalar subquery's CTEs go inside its parentheses
            read = {t.name.lower() for t in select.find_all(exp.Table)}
            for name in [n for n in self.temps if n in read]:
                parts = self.temps[name]
                if not parts:
                    raise Unsupported(f"reads the temporary table {name} before a row is "
                                      f"inserted")
                union: exp.Query = parts[0].copy()
                for part in parts[1:]:
                    union = exp.union(union, part.copy(), distinct=False)
                select.with_(name, as_=union, copy=False)
            break  # the outermost query holds the CTEs
        return tree


def _type(definition: str) -> str:
    """`customer_id SMALLINT UNSIGNED NOT NULL PRIMARY KEY` -> `SMALLINT` (UNSIGNED only
    narrows the range: a negative value fails there, which no cast here reproduces)."""
    match = re.match(r"(?is)^\S+\s+(\w+(?:\s*\([^)]*\))?)", definition.strip())
    return match.group(1) if match else ""


def _columns(text: str) -> list[str]:
    parts, depth, start = [], 0, 0
    for i, ch in enumerate(text):
        depth += {"(": 1, ")": -1}.get(ch, 0)
        if ch == "," and depth == 0:
            parts.append(text[start:i])
            start = i + 1
    parts.append(text[start:])
    return [p.strip() for p in parts if p.strip()]


def result_sets(routine: Routine, dialect: str = "mysql") -> ResultSets:
    """The procedure's result sets and OUT row as queries; `unsupported` says why not."""
    try:
        body = read_routine(routine)
        env = new_env(routine, dialect)
    except (NotStructured, Unsupported) as exc:
        return ResultSets(routine.name, unsupported=str(exc))
    outputs = [p.name for p in routine.params if p.mode in ("OUT", "INOUT")]
    for p in routine.params:
        if p.mode == "OUT":  # an OUT parameter starts NULL, whatever the caller passed
            env.values[p.name] = exp.null()
    walk = _Walk(routine, env, dialect)
    try:
        walk.run(body.statements)
        if outputs:
            walk.found.out = exp.select(*[exp.alias_(env.values[n].copy(), n)
                                          for n in outputs]).sql(dialect=dialect)
    except (Unsupported, SqlglotError) as exc:
        return ResultSets(routine.name, unsupported=str(exc).splitlines()[0])
    if not walk.found.results and not outputs:
        return ResultSets(routine.name, unsupported="returns no result set and no OUT value")
    reads: list[str] = []
    for query in [*walk.found.results, *([walk.found.out] if walk.found.out else [])]:
        try:
            tree = sqlglot.parse_one(query, read=dialect)
        except SqlglotError as exc:
            return ResultSets(routine.name, unsupported=f"its rewrite does not parse back: "
                              f"{str(exc).splitlines()[0]}")
        reads += [t for t in sqltools.tables_read(tree) if t not in reads]
    walk.found.reads = reads
    return walk.found
