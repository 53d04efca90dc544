"""Loops that fold a query's rows into variables, rewritten as aggregates over that query (the
Aggify rewrite: Gupta, Purandare, Ramachandra, SIGMOD 2020), so a routine with a cursor loop
still becomes one expression per variable.

Recognised structurally, on the PL/pgSQL tree (never by routine name):
    FOR a, b IN (query) LOOP body END LOOP
    OPEN c; FETCH c INTO a, b; WHILE found LOOP body; FETCH c INTO a, b; END LOOP; [CLOSE c]
where the body, run once per row, only
    x := e(row)                      -> a per-row local (read later in the same iteration)
    acc := acc + t(row) [- u(row)]   -> acc + (SELECT SUM(t - u) ...), NULL once any term is
    IF c(row) THEN <folds> END IF    -> the folds over the rows where c is true
    IF e(row) > m THEN m := e; x := f(row); END IF
                                     -> m = the greatest e when it beats m's value before the
                                        loop, x = f of that row (argmax; `<` gives argmin)
Anything else in the body (a write, RETURN, a read of an accumulator, string concatenation,
whose result depends on the row order) leaves the routine unsupported with the reason. A
variable set per row holds the last row's value after the loop, which no aggregate gives
without an order: reading one after the loop is unsupported (`after_loop_read`).
"""

from __future__ import annotations

import itertools
import re
from dataclasses import dataclass, field, replace

from sqlglot import exp

from tools.procedures.inline import Env, Unsupported, cast_to, is_true, parse_query, rounds
from tools.procedures.plpgsql import If, Loop, Node, Simple
from tools.procedures.rounding import rounded_sum

AFTER_LOOP = "cutover_after_loop"
_ASSIGN = re.compile(r"(?is)^([A-Za-z_]\w*)\s*:=\s*(.+)$")
_FOR = re.compile(r"(?is)^([A-Za-z_]\w*(?:\s*,\s*[A-Za-z_]\w*)*)\s+in\s+(.+)$")
_FETCH = re.compile(r"(?is)^fetch\s+(?:next\s+from\s+|from\s+)?([A-Za-z_]\w*)\s+into\s+(.+)$")
_SELF = "__cutover_self__"
_MARK = "__cutover_var_{}__"
_aliases = itertools.count(1)


def cursor_loops(nodes: list[Node], cursors: dict[str, str]) -> list[Node]:
    """The OPEN / FETCH / WHILE found / FETCH walk over a declared cursor, as the FOR loop it
    is (kind 'cursor': FOUND is false after it). Other statements are kept as they are."""
    out: list[Node] = []
    at = 0
    while at < len(nodes):
        node = nodes[at]
        walk = _cursor_walk(nodes, at, cursors)
        if walk is not None:
            loop, at = walk
            out.append(loop)
            continue
        if isinstance(node, If):
            node = If([(c, cursor_loops(b, cursors)) for c, b in node.branches],
                      cursor_loops(node.otherwise, cursors))
        elif isinstance(node, Loop):
            node = Loop(node.kind, node.header, cursor_loops(node.body, cursors))
        out.append(node)
        at += 1
    return out


def _fetch(node: Node) -> tuple[str, str] | None:
    if not isinstance(node, Simple) or node.head != "FETCH":
        return None
    match = _FETCH.match(node.text.rstrip(";").strip())
    if match is None:
        return None
    return match.group(1).lower(), re.sub(r"\s+", "", match.group(2).lower())


def _cursor_walk(nodes: list[Node], at: int, cursors: dict[str, str]) -> tuple[Loop, int] | None:
    if at + 2 >= len(nodes):
        return None
    opened, first, loop = nodes[at], _fetch(nodes[at + 1]), nodes[at + 2]
    if not (isinstance(opened, Simple) and opened.head == "OPEN") or first is None:
        return None
    name = opened.text.rstrip(";").split()[-1].lower()
    if len(opened.text.split()) != 2 or name not in cursors or first[0] != name:
        return None
    if not (isinstance(loop, Loop) and loop.kind == "while"
            and loop.header.strip().lower() == "found"):
        return None
    fetches = [i for i, node in enumerate(loop.body) if _fetch(node) == first]
    if len(fetches) != 1:
        return None
    # the next row's FETCH, where it is: what follows it must not read what it fetched
    # (`r := f(row); FETCH c INTO row; RETURN NEXT r;` hands back the row fetched before)
    after = loop.body[fetches[0] + 1:]
    if any(_mentions(node, first[1].split(",")) for node in after):
        return None
    body = [*loop.body[:fetches[0]], *after]
    end = at + 3
    closing = nodes[end] if end < len(nodes) else None
    if isinstance(closing, Simple) and closing.head == "CLOSE" \
            and closing.text.rstrip(";").split()[-1].lower() == name:
        end += 1
    header = f"{first[1]} IN {cursors[name]}"
    return Loop("cursor", header, cursor_loops(body, cursors)), end


def _mentions(node: Node, names: list[str]) -> bool:
    """Whether the statement (or any inside it) names one of `names`, word for word."""
    if isinstance(node, Simple):
        text = node.text
    elif isinstance(node, If):
        return any(re.search(rf"(?i)\b{n}\b", c) for c, _ in node.branches for n in names) \
            or any(_mentions(x, names) for _, b in node.branches for x in b) \
            or any(_mentions(x, names) for x in node.otherwise)
    elif isinstance(node, Loop):
        text = node.header
        if any(_mentions(x, names) for x in node.body):
            return True
    else:
        return any(_mentions(x, names) for x in node.body)
    return any(re.search(rf"(?i)\b{n}\b", text) for n in names)


def after_loop_read(tree: exp.Expr) -> str | None:
    """The variable a rewritten expression reads after the loop that set it per row, if any."""
    for call in tree.find_all(exp.Anonymous):
        if str(call.this).lower() == AFTER_LOOP:
            return call.expressions[0].name if call.expressions else "?"
    return None


@dataclass
class _Sum:
    name: str
    term: exp.Expr
    where: list[exp.Expr]
    rounds_to: str | None = None
    """The variable's fixed-point type when adding the term rounds at each step: the sum is
    then of each term rounded, under a precondition the model checks (rounded_sum)."""


@dataclass
class _ArgBest:
    best: str
    """The variable holding the best value so far."""
    key: exp.Expr
    greatest: bool
    ties_take_last: bool
    where: list[exp.Expr]
    carried: dict[str, exp.Expr] = field(default_factory=dict)
    """Other variables set from the best row."""


class _Fold:
    """One loop's body, read as folds over the rows of its query."""

    def __init__(self, env: Env, variables: list[str], query: exp.Query) -> None:
        self.env = env
        self.alias = f"cutover_loop_{next(_aliases)}"
        self.query = query
        self.columns = [f"c{i}" for i in range(len(variables))]
        # a FETCH / FOR target keeps the row's value as its declared type holds it
        self.row: dict[str, exp.Expr] = {
            v: cast_to(env.types.get(v), exp.column(c, self.alias), env.dialect)
            for v, c in zip(variables, self.columns, strict=True)}
        self.locals: list[str] = list(variables)
        self.sums: list[_Sum] = []
        self.bests: list[_ArgBest] = []
        self.state: set[str] = set()
        """Variables the body reads before it sets them in the same row: carried over."""


    def row_env(self, target: str | None = None) -> Env:
        values = {**self.env.values, **self.row}
        if target is not None:
            values[target] = exp.column(_SELF)
        return replace(self.env, values=values)

    def folded(self) -> set[str]:
        return {s.name for s in self.sums} | {b.best for b in self.bests} | {
            name for b in self.bests for name in b.carried}

    def read(self, text: str, target: str | None = None) -> exp.Expr:
        """An expression of the body; it may read the state the loop carries from row to row
        only where it folds it (`acc := acc + ...`, the IF of an argmax)."""
        carried = (_words(text) & self.state) - {target}
        if carried:
            raise Unsupported(f"the loop body reads {sorted(carried)[0]}, which it carries "
                              f"from one row to the next, outside a fold: not an aggregate")
        return self.row_env(target).expr(text)

    def body(self, nodes: list[Node], where: list[exp.Expr]) -> None:
        for node in nodes:
            if isinstance(node, Simple):
                self.simple(node, where)
            elif isinstance(node, If) and len(node.branches) == 1 and not node.otherwise:
                condition, inner = node.branches[0]
                if not self.arg_best(condition, inner, where):
                    self.body(inner, [*where, is_true(self.read(condition))])
            else:
                raise Unsupported("the loop body is not a fold over its rows (an IF with "
                                  "ELSE/ELSIF, a nested loop or block)")

    def simple(self, node: Simple, where: list[exp.Expr]) -> None:
        text = node.text.rstrip(";").strip()
        if node.head == "NULL" or (node.head == "RAISE" and len(text.split()) > 1 and
                                   text.split()[1].upper() in ("NOTICE", "INFO", "DEBUG", "LOG")):
            return  # no state: a message is not a result
        match = _ASSIGN.match(text)
        if match is None:
            raise Unsupported(f"the loop body's {node.head} statement ({text[:50]!r}) is not a "
                              f"fold over its rows")
        name = match.group(1).lower()
        if name not in self.env.values:
            raise Unsupported(f"the loop assigns {name}, which is not a declared variable")
        value = self.read(match.group(2), target=name)
        if not any(c.name == _SELF for c in value.find_all(exp.Column)):
            if where:
                raise Unsupported(f"{name} is set per row under a condition: its value after "
                                  f"a row depends on the rows before it")
            self.row[name] = cast_to(self.env.types.get(name), value, self.env.dialect)
            self.locals.append(name)
            return
        term = _sum_term(value)
        if term is None:
            raise Unsupported(f"{name} := {match.group(2).strip()[:50]}: not a sum over the "
                              f"rows (concatenation and the like depend on the row order)")
        if name in self.folded():
            raise Unsupported(f"{name} is folded twice in one iteration")
        declared = self.env.types.get(name, "")
        rounds_to = None
        if not _exact(term, declared, self):
            if not _exact(term, "", self, keeps=None):
                raise Unsupported(f"{name} is declared {declared}, which rounds at each step "
                                  f"of the loop, and what it adds has no known scale: a SUM "
                                  f"of each term rounded is not provably the same")
            rounds_to = declared
        self.sums.append(_Sum(name, term, where, rounds_to))

    def arg_best(self, condition: str, inner: list[Node], where: list[exp.Expr]) -> bool:
        """`IF e > m THEN m := e; x := f; ... END IF` (or `<`, `>=`, `<=`, `m < e`)."""
        marked = {n: exp.column(_MARK.format(n)) for n in self.env.values}
        tree = replace(self.env, values={**marked, **self.row}).expr(condition)
        while isinstance(tree, exp.Paren):
            tree = tree.this
        flips: dict[type[exp.Expr], type[exp.Expr]] = {
            exp.GT: exp.LT, exp.GTE: exp.LTE, exp.LT: exp.GT, exp.LTE: exp.GTE}
        if type(tree) not in flips:
            return False
        sides = [tree.this, tree.expression]
        for best_at in (1, 0):
            best = _marked(sides[best_at])
            if best is None or best in self.row:
                continue
            if (_words(condition) & self.state) - {best}:
                raise Unsupported("the loop's IF compares with state it carries other than "
                                  "the value it keeps: not an aggregate")
            op = type(tree) if best_at == 1 else flips[type(tree)]
            key = self.unmark(sides[1 - best_at])
            assigned: dict[str, exp.Expr] = {}
            for node in inner:
                match = _ASSIGN.match(node.text.rstrip(";").strip()) if isinstance(
                    node, Simple) else None
                if match is None:
                    return False
                assigned[match.group(1).lower()] = self.read(match.group(2))
            if best not in assigned or assigned.pop(best).sql() != key.sql():
                return False
            if not _exact(key, self.env.types.get(best, ""), self):
                raise Unsupported(f"{best} is declared {self.env.types[best]}, which rounds the "
                                  f"value each row is compared with")
            if self.query.args.get("order"):
                raise Unsupported("the loop's rows are ordered: which row wins a tie depends on "
                                  "that order, which an aggregate does not keep")
            for name in assigned:
                if name not in self.env.values:
                    raise Unsupported(f"the loop assigns {name}, not a declared variable")
            self.bests.append(_ArgBest(best, key, op in (exp.GT, exp.GTE), op in (
                exp.GTE, exp.LTE), where, assigned))
            return True
        return False

    def unmark(self, tree: exp.Expr) -> exp.Expr:
        """A tree read with markers, each marker back to its variable's value."""
        tree = tree.copy()
        for column in list(tree.find_all(exp.Column)):
            name = _marked(column)
            if name is not None:
                column.replace(exp.paren(self.env.values[name].copy()))
        return tree

    def rows(self, where: list[exp.Expr]) -> exp.Select:
        relation = exp.Subquery(this=self.query.copy(), alias=exp.TableAlias(
            this=exp.to_identifier(self.alias),
            columns=[exp.to_identifier(c) for c in self.columns]))
        select = exp.select().from_(relation)
        return select.where(exp.and_(*[w.copy() for w in where])) if where else select

    def results(self) -> dict[str, exp.Expr]:
        """Each folded variable's value after the loop, over its value before it."""
        bind = self.env.bind
        out: dict[str, exp.Expr] = {}
        for fold in self.sums:
            if fold.rounds_to is not None:
                out[fold.name] = rounded_sum(fold, self.rows, bind,
                                             self.env.values[fold.name].copy(),
                                             _scale(fold.rounds_to) or 0, self.env.dialect)
                continue
            total = self.rows(fold.where).select(exp.Case(
                ifs=[exp.If(this=exp.EQ(this=exp.func("COUNT", fold.term.copy()),
                                        expression=exp.Count(this=exp.Star())),
                            true=exp.func("COALESCE", exp.func("SUM", fold.term.copy()),
                                          exp.Literal.number(0)))]))
            out[fold.name] = exp.Add(this=exp.paren(self.env.values[fold.name].copy()),
                                     expression=bind(exp.Subquery(this=total)))
        for fold_best in self.bests:
            pick = exp.func("MAX" if fold_best.greatest else "MIN", fold_best.key.copy())
            best = bind(exp.Subquery(this=self.rows(fold_best.where).select(pick)))
            before = exp.paren(self.env.values[fold_best.best].copy())
            compare = {(True, False): exp.GT, (True, True): exp.GTE, (False, False): exp.LT,
                       (False, True): exp.LTE}[(fold_best.greatest, fold_best.ties_take_last)]
            taken = exp.func("COALESCE", compare(this=best.copy(), expression=before.copy()),
                             exp.false())
            out[fold_best.best] = exp.Case(ifs=[exp.If(this=taken.copy(), true=best.copy())],
                                      default=before.copy())
            for name, value in fold_best.carried.items():
                row = self.rows([*fold_best.where, exp.EQ(this=fold_best.key.copy(),
                                                     expression=best.copy())]).select(
                    value.copy()).limit(1)
                out[name] = exp.Case(ifs=[exp.If(this=taken.copy(),
                                                 true=bind(exp.Subquery(this=row)))],
                                     default=exp.paren(self.env.values[name].copy()))
        return out


def carried_state(body: list[Node]) -> set[str]:
    """Variables a loop body reads before it sets them in the same row: the state it carries
    from one row to the next (an assignment's own target is not a read of it)."""
    targets = {m.group(1).lower() for text in _texts(body)
               if (m := _ASSIGN.match(text.rstrip(";").strip()))}
    state: set[str] = set()
    set_here: set[str] = set()
    for node in body:
        m = _ASSIGN.match(node.text.rstrip(";").strip()) if isinstance(node, Simple) else None
        state |= (_words(m.group(2) if m else " ".join(_texts([node]))) & targets) - set_here
        if m:
            set_here.add(m.group(1).lower())
    return state


def _words(text: str) -> set[str]:
    return {w.lower() for w in re.findall(r"[A-Za-z_]\w*", re.sub(r"'[^']*'", "", text))}


def _texts(nodes: list[Node]) -> list[str]:
    """Every statement's and condition's text, inside IFs and loops too."""
    out: list[str] = []
    for node in nodes:
        if isinstance(node, Simple):
            out.append(node.text)
        elif isinstance(node, If):
            for condition, branch in node.branches:
                out += [condition, *_texts(branch)]
            out += _texts(node.otherwise)
        elif isinstance(node, Loop):
            out += [node.header, *_texts(node.body)]
        else:
            out += _texts(node.body)
    return out


def _marked(tree: exp.Expr) -> str | None:
    """The variable a side of the comparison is, when it is one (read with markers)."""
    while isinstance(tree, exp.Paren):
        tree = tree.this
    match = re.fullmatch(_MARK.format("(.+)"), tree.name) if isinstance(tree, exp.Column) \
        else None
    return match.group(1) if match else None


def _scale(declared: str) -> int | None:
    """The decimal places a rounding type keeps: 0 for integers, s for numeric(p, s)."""
    match = re.search(r"\(\s*\d+\s*(?:,\s*(\d+)\s*)?\)", declared)
    if match:
        return int(match.group(1) or 0)
    return 0 if rounds(declared) else None


def _exact(term: exp.Expr, declared: str, fold: _Fold, keeps: int | None | str = "declared"
           ) -> bool:
    """Whether adding `term` to a variable of type `declared` rounds nothing: each leaf of
    the + / - chain is an integer literal, a COUNT column of the loop's query, or a value cast
    (a typed loop variable) to no more decimal places than the variable keeps. `keeps=None`:
    whether the term is fixed-point at all (+, - and * over leaves of a known scale, so its
    value is exact)."""
    if keeps == "declared":
        keeps = _scale(declared)
        if keeps is None:
            return True
    while isinstance(term, exp.Paren):
        term = term.this
    if isinstance(term, exp.Add | exp.Sub):
        return _exact(term.this, declared, fold, keeps) and _exact(
            term.expression, declared, fold, keeps)
    if keeps is None and isinstance(term, exp.Mul):
        return _exact(term.this, declared, fold, None) and _exact(
            term.expression, declared, fold, None)
    if keeps is None and isinstance(term, exp.Neg):
        return _exact(term.this, declared, fold, None)
    if isinstance(term, exp.Literal):
        return term.is_int if keeps is not None else term.is_number
    if isinstance(term, exp.Cast):
        scale = _scale(term.to.sql(dialect="postgres"))
        return scale is not None and (keeps is None or scale <= int(keeps))
    if isinstance(term, exp.Column) and term.table == fold.alias:
        return isinstance(fold.query.selects[fold.columns.index(term.name)].unalias(),
                          exp.Count)
    return False


def _sum_term(value: exp.Expr) -> exp.Expr | None:
    """`self + a - b` -> `a - b`: the self reference must be the leftmost leaf of a chain of
    + and -, and appear once; `a + self` (a sum, so the same as `self + a`) -> `a`."""
    selves = [c for c in value.find_all(exp.Column) if c.name == _SELF]
    if len(selves) != 1:
        return None
    unwrapped = value
    while isinstance(unwrapped, exp.Paren):
        unwrapped = unwrapped.this
    right = unwrapped.expression if isinstance(unwrapped, exp.Add) else None
    while isinstance(right, exp.Paren):
        right = right.this
    if right is selves[0]:
        return unwrapped.this.copy()
    node: exp.Expr = selves[0]
    while node is not value:
        parent = node.parent
        if isinstance(parent, exp.Paren):
            node = parent
            continue
        if not isinstance(parent, exp.Add | exp.Sub) or parent.this is not node:
            return None
        node = parent
    if value is selves[0]:
        return None
    term = value.copy()
    self_ref = next(c for c in term.find_all(exp.Column) if c.name == _SELF)
    node = self_ref
    while isinstance(node.parent, exp.Paren):
        node = node.parent
    parent = node.parent
    if isinstance(parent, exp.Add):  # `self + a` -> `a`
        rest = parent.expression
        if parent is term:
            return rest
        parent.replace(rest)
    else:  # `self - a` -> `0 - a`
        node.replace(exp.Literal.number(0))
    return term


def walked_query(loop: Loop, env: Env, does: str | None = None
                 ) -> tuple[list[str], exp.Expr, str]:
    """(the loop's variables, the query it walks, that query's text) for a FOR or cursor loop;
    Unsupported for any other loop. `does` says what the caller's loop does, for the reason."""
    if loop.kind not in ("for", "cursor"):
        raise Unsupported(f"a {loop.kind.upper()} loop runs row by row (it walks no query)"
                          if does is None else
                          f"a {loop.kind.upper()} loop that {does} runs row by row")
    match = _FOR.match(loop.header)
    if match is None or re.match(r"(?s)^\s*-?\d", match.group(2)):
        raise Unsupported(f"a FOR loop over {loop.header[:40]!r} "
                          + ("is not a walk over a query" if does is None
                             else f"{does} row by row"))
    variables = [v.strip().lower() for v in match.group(1).split(",")]
    query_text = match.group(2).strip()
    while query_text.startswith("(") and query_text.endswith(")"):
        query_text = query_text[1:-1].strip()
    return variables, parse_query(env, query_text), query_text


def fold_loop(loop: Loop, env: Env, guard: list[exp.Expr]) -> None:
    """Apply the loop to `env`: each folded variable holds its aggregate, each variable set per
    row is marked unreadable (its last-row value has no aggregate form)."""
    variables, query, query_text = walked_query(loop, env)
    if not isinstance(query, exp.Query):  # parse_query gives one; said for the type checker
        raise Unsupported(f"the loop walks no query: {query_text[:40]!r}")
    if any(isinstance(s, exp.Star) or (isinstance(s, exp.Column) and s.is_star)
           for s in query.selects) or len(query.selects) != len(variables):
        raise Unsupported(f"the loop's query gives {len(query.selects)} columns for "
                          f"{len(variables)} variables")
    fold = _Fold(env, variables, query)
    fold.state = carried_state(loop.body)
    fold.body(loop.body, [])
    results = fold.results()
    exists = env.bind(exp.Exists(this=query.copy()))
    for name, value in results.items():
        env.assign(name, value, guard)
    for name in fold.locals:
        if name in env.values and name not in results:
            env.values[name] = exp.Anonymous(this=AFTER_LOOP,
                                             expressions=[exp.Literal.string(name)])
    if "found" in env.values:  # FOUND: whether the FOR loop ran once; false after a FETCH walk
        env.assign("found", exp.false() if loop.kind == "cursor" else exists, guard)
