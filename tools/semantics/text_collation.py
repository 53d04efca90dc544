"""Text comparison under the source column's collation.

A SQLite column declared COLLATE NOCASE compares with ASCII case folded ('Ada' = 'ADA'), one
declared COLLATE RTRIM ignores trailing spaces; a MySQL/MariaDB column in utf8mb4_general_ci
ignores case, accents and trailing spaces ('Ada' = 'àda '), one in utf8mb4_bin only trailing
spaces. PostgreSQL, DuckDB and ClickHouse compare bytes. The rewrite folds both sides where a
labelled column is compared (=, <>, <, IN, BETWEEN), ordered (ORDER BY, MIN/MAX), grouped
(GROUP BY, DISTINCT) or counted (COUNT(DISTINCT)), with the fold of tools.semantics.collations,
and orders the folded values by bytes. A group's spelling is one of the values the source
treats as equal, which the source itself picks arbitrarily; the target shows the smallest.
Labels come from the source catalog (tools.semantics.collations.labels). Towards SQLite,
whose upper() maps ASCII only, a *_general_ci value is folded by the collation's own weight
table (tools.semantics.general_ci), and MIN/MAX take the extreme of key and value joined.

Towards MySQL/MariaDB, whose columns compare by their own (mostly _ci) collation, the text
columns of a byte-wise source (PostgreSQL, DuckDB) and the folded SQLite ones are compared
as BINARY. Known limit: MariaDB's subquery cache keys a correlated subquery by the outer
value under the column's collation, so a correlated comparison of outer values that differ
only in case or trailing spaces can still reuse a neighbour's result.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import ClassVar

from sqlglot import exp

from tools.errors import Unsupported
from tools.semantics import collations as coll
from tools.semantics import tree_walk
from tools.semantics.base import Family, SemanticsContext
from tools.semantics.explicit_collate import binary_collation

_BINARY_TYPE = exp.DataType.build("BINARY")  # built once: build() tokenizes its argument

_COLUMN = "the column's collation decides"
_BYTES = "bytes"
_FOLDS = (coll.NOCASE, coll.RTRIM, coll.CI, coll.PAD, coll.BYTES)
_COMPARISONS = (exp.EQ, exp.NEQ, exp.GT, exp.GTE, exp.LT, exp.LTE, exp.NullSafeEQ)
#: every node kind _work reads besides the SELECT itself (minOrNull/maxOrNull are Anonymous)
_CANDIDATES = (*_COMPARISONS, exp.In, exp.Between, exp.Ordered, exp.Min, exp.Max,
               exp.Anonymous, exp.Count, exp.Group)


class TextCollation(Family):
    name = "text_collation"
    why = "Text comparison, grouping and ordering under a column's collation"
    BEHAVIOUR: ClassVar[dict[str, str]] = {
        "sqlite": _COLUMN, "mysql": _COLUMN, "postgres": _BYTES, "duckdb": _BYTES,
        "clickhouse": _BYTES,
    }
    OVERRIDES: ClassVar[dict[tuple[str, str], str]] = {
        # SQLite's tables are BINARY text; the fold is the collation's own weight table
        ("mysql", "sqlite"): "fold_like_source",
        ("sqlite", "mysql"): "fold_like_source",
        # the SQLite target's tables are plain BINARY text
        ("postgres", "sqlite"): "same", ("duckdb", "sqlite"): "same",
    }
    REWRITES: ClassVar[dict[tuple[str, str], str]] = {
        (_COLUMN, _BYTES): "fold_like_source",
        (_BYTES, _COLUMN): "fold_like_source",
    }

    def nodes(self, tree: exp.Expr, ctx: SemanticsContext) -> list[exp.Expr]:
        if not ctx.collations and not (ctx.target == "mysql" and ctx.schema):
            return []
        return list(ctx.find(tree, exp.Select))

    def applies(self, node: exp.Expr, tree: exp.Expr, ctx: SemanticsContext) -> bool:
        columns = self._labels(tree, ctx)
        if self._refused(tree, ctx):
            # a collation the library refuses: _work raises at the first one it meets, in
            # its own order
            return bool(self._work(node, tree, ctx))
        # nothing can raise, so the order does not matter: this SELECT's candidates from
        # the families' one walk (no walk per SELECT); what each compares is kept for
        # fold_like_source, which reuses it if no rewrite changes this SELECT first
        explicit = self._read_labels(tree, ctx)[2]
        hows = {id(candidate): how
                for candidate in (node, *self._candidates(tree, ctx).get(id(node), ()))
                if (how := self._how(candidate, node, columns, ctx, explicit)) is not None}
        if hows:
            self._seen(ctx)[id(node)] = hows
        return bool(hows)

    @staticmethod
    def _seen(ctx: SemanticsContext) -> dict[int, dict[int, str]]:
        """id of a SELECT -> id of each of its own nodes that compares text -> its label, as
        applies() found them on the tree before any rewrite."""
        seen = getattr(ctx, "_text_work", None)
        if seen is None:
            seen = ctx._text_work = {}  # type: ignore[attr-defined]
        return seen

    @staticmethod
    def _candidates(tree: exp.Expr, ctx: SemanticsContext) -> dict[int, list[exp.Expr]]:
        """id of a SELECT -> its own nodes of the kinds that can compare text, in walk order
        (as _work meets them), for the tree before rewrites."""
        return ctx.owned(tree, *_CANDIDATES)

    def _labels(self, tree: exp.Expr, ctx: SemanticsContext) -> dict[str, dict[str, str]]:
        return self._read_labels(tree, ctx)[0]

    def _refused(self, tree: exp.Expr, ctx: SemanticsContext) -> bool:
        """Whether a column the statement reads compares under a collation the library
        refuses (asked for each SELECT: answered once)."""
        return self._read_labels(tree, ctx)[1]

    @staticmethod
    def _read_labels(tree: exp.Expr, ctx: SemanticsContext
                     ) -> tuple[dict[str, dict[str, str]], bool, bool]:
        """The statement's column labels; whether one is refused; whether the statement
        names a collation itself (`x = 'a' COLLATE utf8mb4_bin`: explicit_collate's rewrite
        of it keeps a mark the comparisons read)."""
        # one context serves one statement: its labels are read once
        cached = getattr(ctx, "_text_labels", None)
        if cached is None:
            root = tree.root()
            # the statement's tables as the families found them (first asked by applies(),
            # on the tree before any rewrite)
            tables = ctx.find(root, exp.Table)
            columns = coll.ColumnLabels(_bytes_labels(tables, ctx)) if ctx.target == "mysql" \
                else coll.column_labels(root, ctx.collations, tables)
            # a table read under several aliases holds one dict: each is looked at once
            distinct = {id(cols): cols for cols in columns.values()}.values()
            cached = (columns, any(label.startswith(coll.OTHER) for cols in distinct
                                   for label in cols.values()),
                      bool(ctx.find(root, exp.Collate)))
            ctx._text_labels = cached  # type: ignore[attr-defined]
        return cached

    def _work(self, select: exp.Expr, tree: exp.Expr, ctx: SemanticsContext,
              own: list[exp.Expr] | None = None) -> list[tuple[exp.Expr, str]]:
        """(construct, label) in this SELECT (not its subqueries) that compare a labelled
        column; `own`: its own nodes (tree_walk.own_nodes), when the caller has them."""
        columns, _, explicit = self._read_labels(tree, ctx)
        found: list[tuple[exp.Expr, str]] = []
        # one pass over this SELECT's own nodes: a nested SELECT is its own node; only the
        # node kinds below can compare text (the rest is skipped before any other test)
        for node in tree_walk.own_nodes(select) if own is None else own:
            if node is not select and not isinstance(node, _CANDIDATES):
                continue
            how = self._how(node, select, columns, ctx, explicit)
            if how is not None:
                found.append((node, how))
        return found

    @staticmethod
    def _how(node: exp.Expr, select: exp.Expr, columns: dict[str, dict[str, str]],
             ctx: SemanticsContext, explicit: bool) -> str | None:
        """The label under which `node`, one of `select`'s own nodes, compares text, or None
        if it compares no labelled text. `explicit`: whether the statement names a
        collation anywhere (if not, no side of `node` can)."""

        def label(node: exp.Expr | None) -> str | None:
            got = coll.of_column(node, columns) if node is not None else None
            if got is not None and got.startswith(coll.OTHER):
                raise Unsupported(f"text compared under collation {got[len(coll.OTHER):]} "
                                  f"cannot be carried from {ctx.source} to {ctx.target}: the "
                                  f"library reproduces *_general_ci and *_bin only")
            return got if got in _FOLDS else None

        def computed(*operands: exp.Expr) -> str | None:
            # a computed text (lower(col), a || b, a literal) has no collation on a byte-wise
            # source, but MySQL compares it under the column's or connection's _ci one
            if ctx.target != "mysql" or not any(_computed_text(o) for o in operands):
                return None
            return coll.BYTES if all(_computed_text(o) or label(o) for o in operands) else None

        how = _explicit(node) if explicit else None
        if how == coll.BYTES:
            return None  # `= 'a' COLLATE binary`: bytes, as the target compares
        if how is not None:
            pass  # `= 'a' COLLATE utf8mb4_bin` wins over the column's collation
        elif isinstance(node, _COMPARISONS):
            how = label(node.this) or label(node.expression) or computed(
                node.this, node.expression)
        elif isinstance(node, exp.In) and not node.args.get("query"):
            how = label(node.this) or next(
                (h for e in node.expressions if (h := label(e))), None) or computed(
                node.this, *node.expressions)
        elif isinstance(node, exp.Between):
            how = label(node.this) or computed(node.this, node.args["low"],
                                               node.args["high"])
        elif isinstance(node, exp.Ordered) or isinstance(node, (exp.Min, exp.Max)):
            how = label(node.this)
        elif _or_null_extreme(node):
            how = label(node.expressions[0])
        elif isinstance(node, exp.Count) and isinstance(node.this, exp.Distinct):
            how = next((h for e in node.this.expressions if (h := label(e))), None)
        elif isinstance(node, exp.Group):
            how = next((h for e in node.expressions if (h := label(e))), None)
        elif node is select and select.args.get("distinct") and not select.args.get(
                "group"):
            how = next((h for e in select.expressions if (h := label(e.unalias()))), None)
        return how

    def fold_like_source(self, select: exp.Expr, ctx: SemanticsContext) -> exp.Expr:
        columns = self._labels(select, ctx)
        target = ctx.target

        def label(node: exp.Expr) -> str | None:
            got = coll.of_column(node, columns)
            return got if got in _FOLDS else None

        def replaced(node: exp.Expr, how: str, beside: exp.Expr | None = None) -> exp.Expr:
            # the fold takes the place of `node`: a column or a literal goes into it as is;
            # anything larger is copied, as a node of this list inside it must stay behind
            return coll.fold(node, how, target,
                             owned=isinstance(node, (exp.Column, exp.Literal)), beside=beside)

        hows = self._seen(ctx).get(id(select)) if id(select) not in ctx.touched else None
        # the SELECT's own tables, for _group: the folds below add none and remove none (a
        # fold's own subquery, SQLite's character map, reads its tables in a nested SELECT)
        tables: Sequence[exp.Expr]
        if hows is None:
            own = tree_walk.own_nodes(select)
            tables = [t for t in own if isinstance(t, exp.Table)]
            work = self._work(select, select, ctx, own)
        else:
            # an untouched SELECT's own nodes are those applies() saw, in walk order (the
            # SELECT itself first, as in its own walk)
            tables = ctx.owned(select, exp.Table).get(id(select), [])
            work = [(node, hows[id(node)])
                    for node in (select, *self._candidates(select, ctx).get(id(select), ()))
                    if id(node) in hows]
        for node, how in work:
            if isinstance(node, _COMPARISONS):
                this, other = node.this, node.expression
                node.set("this", replaced(this, how, other))
                node.set("expression", replaced(other, how, this))
                if not isinstance(node, (exp.EQ, exp.NEQ, exp.NullSafeEQ)):
                    node.set("this", coll.bytewise(node.this, target))
            elif isinstance(node, exp.In):
                this = node.this
                node.set("this", replaced(this, how))
                node.set("expressions", [replaced(e, how, this) for e in node.expressions])
            elif isinstance(node, exp.Between):
                this = node.this
                node.set("this", coll.bytewise(replaced(this, how), target))
                node.set("low", replaced(node.args["low"], how, this))
                node.set("high", replaced(node.args["high"], how, this))
            elif isinstance(node, exp.Count):
                node.this.set("expressions", [replaced(e, label(e) or "") if label(e) else e
                                              for e in node.this.expressions])
            elif isinstance(node, (exp.Min, exp.Max)) or _or_null_extreme(node):
                node.replace(self._extreme(node, how, target))
            elif isinstance(node, exp.Ordered):
                node.set("this", coll.bytewise(replaced(node.this, how), target))
            elif isinstance(node, exp.Group):
                self._group(select, node, label, ctx, tables)
            elif node is select:
                group = exp.Group(expressions=[tree_walk.copy(e.unalias())
                                               for e in select.expressions])
                select.set("distinct", None)
                select.set("group", group)
                self._group(select, group, label, ctx, tables)
        return select

    @staticmethod
    def _extreme(node: exp.Expr, how: str, target: str) -> exp.Expr:
        """MIN/MAX under the source's order: the value whose folded form is smallest/largest."""
        argument = node.expressions[0] if _or_null_extreme(node) else node.this
        value, key = argument.copy(), coll.fold(argument, how, target)
        smallest = isinstance(node, exp.Min) or _or_null_extreme(node) == "minOrNull"
        if target == "mysql" and how != coll.BYTES:
            # MySQL has no arg_min: the extreme of key || 0x00 || value (a key that is a
            # prefix of another sorts first, as alone), and the value after the first 0x00
            tagged = type(node)(this=exp.func("CONCAT", key, exp.Unhex(
                this=exp.Literal.string("00")), exp.Cast(this=value, to=_BINARY_TYPE.copy())))
            picked = exp.Substring(this=tagged, start=exp.Add(
                this=exp.func("LOCATE", exp.Unhex(this=exp.Literal.string("00")), tagged.copy()),
                expression=exp.Literal.number(1)))
            return exp.Anonymous(this="CONVERT", expressions=[exp.Var(
                this=f"{picked.sql('mysql')} USING utf8mb4")])
        if target == "mysql":
            # the smallest bytes, shown as text again
            return exp.Anonymous(this="CONVERT", expressions=[exp.Var(
                this=f"{type(node)(this=key).sql('mysql')} USING utf8mb4")])
        if target == "postgres":
            ordered = exp.Ordered(this=coll.bytewise(key, target), desc=not smallest,
                                  nulls_first=False)
            agg = exp.ArrayAgg(this=exp.Order(this=value, expressions=[ordered]))
            return exp.Bracket(this=exp.paren(agg, copy=False),
                               expressions=[exp.Literal.number(1)], offset=1)
        if target == "sqlite":
            # no arg_min: the extreme of key || U+0001 || value, cut after the separator
            # (U+0001 sorts below any character a key holds, so a shorter key still wins)
            tagged = exp.DPipe(this=exp.DPipe(this=key, expression=exp.Literal.string("\x01")),
                               expression=value)
            extreme = type(node)(this=tagged)
            cut = exp.Add(this=exp.StrPosition(this=extreme.copy(),
                                               substr=exp.Literal.string("\x01")),
                          expression=exp.Literal.number(1))
            return exp.Substring(this=extreme, start=cut)
        name = {"clickhouse": "argMin" if smallest else "argMax"}.get(
            target, "arg_min" if smallest else "arg_max")
        if _or_null_extreme(node):
            name += "OrNull"  # keeps empty_aggregates' NULL over no rows
        return exp.Anonymous(this=name, expressions=[value, key])

    @classmethod
    def _group(cls, select: exp.Expr, group: exp.Expr, label, ctx: SemanticsContext,
               tables: Sequence[exp.Expr]) -> None:
        """GROUP BY the folded key; a grouped labelled column shows one spelling of its group
        (tools.semantics.text_collation._spelling). `tables`: the ones this SELECT reads
        itself (not its subqueries), in walk order."""
        target = ctx.target
        # each output read once, and again only after this loop changed it (every key reads
        # them all); a SELECT inside an aggregate's argument has its outputs' columns in it
        outputs: dict[int, _Output] = {}
        in_aggregate = select.find_ancestor(exp.AggFunc) is not None

        def read(item: exp.Expr) -> _Output:
            known = outputs.get(id(item))
            if known is None or known.item is not item:  # the entry holds the item: no id reuse
                known = outputs[id(item)] = _Output.read(item, in_aggregate)
            return known

        # the tables' names and columns in lower case, read at the first labelled key
        readers: list[tuple[exp.Expr, str, dict[str, str]]] = []
        for key in list(group.expressions):
            how = label(key)
            if how is None or not isinstance(key, exp.Column):
                continue
            # columns compared by name, not by sqlglot's tree equality (a hash walk each)
            named = (key.table.lower(), key.name.lower())
            if not readers:
                readers = [(t, t.alias_or_name.lower(), ctx.lower_columns(t.name.lower()) or {})
                           for t in tables]
            spelling = cls._spelling(key, readers, ctx)
            if target == "clickhouse" and not key.table and spelling.args.get("table"):
                # ClickHouse would read a bare name in GROUP BY as the output alias
                key = key.replace(exp.column(key.name, table=spelling.args["table"]))
            # the key goes into its fold as is (Expr.replace would detach it from the fold)
            index = key.index  # read before the fold takes the key as its own child
            group.set("expressions", coll.fold(key, how, target, owned=True), index)
            for item in list(select.expressions):
                output = read(item)
                if output.bare == named:
                    # the shown value is new: alias_ need not copy it
                    item.replace(exp.alias_(cls._shown(item.unalias(), spelling, target),
                                            item.alias_or_name, copy=False))
                    continue
                # UPPER(name) under GROUP BY name: a function of the group's spelling
                if named not in output.outside:
                    continue
                grouped = [c for c, name, outside in output.columns
                           if name == named and outside]
                if spelling is not key and spelling.name != named[1] and not output.aggregates:
                    # the whole expression on the group's first row, as MySQL evaluates it
                    # (and SQLite cannot take an aggregate into the subquery of a rewrite)
                    shown = cls._shown(item.unalias(), spelling, target)
                    item.replace(exp.alias_(shown, item.alias, copy=False)
                                 if isinstance(item, exp.Alias) else shown)
                    continue
                for column in grouped:
                    column.replace(cls._shown(column, spelling, target))
                del outputs[id(item)]  # its columns changed
            # ORDER BY CASE WHEN name IS NULL ... (how MySQL sorts NULLs last): the same; a
            # bare `ORDER BY name` is folded like the key by the Ordered rewrite instead
            order = select.args.get("order")
            for ordered in order.expressions if order else []:
                if isinstance(ordered.this, exp.Column):
                    continue
                for column in tree_walk.find_all(ordered.this, exp.Column):
                    if (column.table.lower(), column.name.lower()) == named and \
                            not column.find_ancestor(exp.AggFunc):
                        column.replace(cls._shown(column, spelling, target))

    @staticmethod
    def _spelling(column: exp.Column, readers: Sequence[tuple[exp.Expr, str, dict[str, str]]],
                  ctx: SemanticsContext) -> exp.Expr:
        """The primary key column that orders a MySQL group's spellings (a Column, table set to
        the alias), or the column itself when unknown. MariaDB shows the spelling of the
        first row it reads: in a table scan, or through an index on the column, that is the
        primary key's order ('Bob ' id 3 before 'BOB' id 6). Other sources keep the smallest
        spelling (their choice is arbitrary). `readers`: this SELECT's own tables, each with
        its alias or name and its catalog columns, in lower case."""
        qualifier, name = column.table.lower(), column.name.lower()
        holders = [t for t, alias, columns in readers
                   if (qualifier == alias if qualifier else name in columns)]
        if len(holders) != 1:
            return column
        table = holders[0]
        keys = {t.lower(): k for t, k in ctx.keys.items()}.get(table.name.lower()) or ()
        # SQLite's spelling sorts the key as fixed-width text: integer keys only
        if ctx.source != "mysql" or len(keys) != 1 or (ctx.target == "sqlite" and (
                ctx.lower_columns(table.name.lower()) or {}).get(keys[0].lower()) != "int"):
            return exp.column(column.name, table=table.alias_or_name) \
                if ctx.target == "clickhouse" else column
        return exp.column(keys[0], table=table.alias_or_name)

    @staticmethod
    def _shown(column: exp.Expr, order: exp.Expr, target: str) -> exp.Expr:
        """The group's spelling: the value at the smallest `order`, or MIN(column) when the
        order is the column itself."""
        value = tree_walk.copy(column)
        if isinstance(order, exp.Column) and isinstance(column, exp.Column) and \
                order.name.lower() == column.name.lower() or target == "mysql":
            return exp.Min(this=value)
        if target == "postgres":
            agg = exp.ArrayAgg(this=exp.Order(this=value, expressions=[
                exp.Ordered(this=tree_walk.copy(order), nulls_first=False)]))
            return exp.Bracket(this=exp.paren(agg, copy=False),
                               expressions=[exp.Literal.number(1)], offset=1)
        if target == "sqlite":
            # no arg_min: MIN over a fixed-width sortable key (negatives first) + the value
            sortable = exp.Case(ifs=[exp.If(
                this=exp.LT(this=tree_walk.copy(order), expression=exp.Literal.number(0)),
                true=exp.Anonymous(this="printf", expressions=[
                    exp.Literal.string("-%020d"),
                    exp.Add(this=tree_walk.copy(order),
                            expression=exp.Literal.number(9223372036854775807))]))],
                default=exp.Anonymous(this="printf", expressions=[
                    exp.Literal.string("%021d"), tree_walk.copy(order)]))
            return exp.Substring(this=exp.Min(this=exp.DPipe(this=sortable, expression=value)),
                                 start=exp.Literal.number(22))
        name = "argMin" if target == "clickhouse" else "arg_min"
        return exp.Anonymous(this=name, expressions=[value, tree_walk.copy(order)])


def _bytes_labels(tables: Sequence[exp.Expr], ctx: SemanticsContext
                  ) -> dict[str, dict[str, str]]:
    """alias or table name (lower case) -> column (lower case) -> label, towards MySQL: a
    text column without a folding collation compares as bytes on the source. For the tables
    the statement reads (not the whole catalog), each labelled once, from the catalog's
    lower-cased columns the other families share (SemanticsContext.lower_columns)."""
    per_table: dict[str, dict[str, str]] = {}
    declared: dict[str, dict[str, str]] | None = None
    out: dict[str, dict[str, str]] = {}
    for table in tables:
        name = table.name.lower()
        labels = per_table.get(name)
        if labels is None:
            types = ctx.lower_columns(name)
            if types is None:
                continue
            if declared is None:  # a later spelling of one name wins, as in lower_columns
                declared = {t.lower(): {c.lower(): how for c, how in cols.items()}
                            for t, cols in ctx.collations.items()}
            own = declared.get(name, {})
            labels = per_table[name] = {c: own.get(c) or coll.BYTES
                                        for c, kind in types.items() if kind == "text"}
        out[table.alias_or_name.lower()] = labels  # a later alias of one name wins
    return out


def _or_null_extreme(node: exp.Expr) -> str | None:
    """ClickHouse's minOrNull/maxOrNull, as empty_aggregates writes a whole-set MIN/MAX
    (it runs first, on the deeper node): still a MIN/MAX under the column's collation."""
    if isinstance(node, exp.Anonymous) and node.name in ("minOrNull", "maxOrNull"):
        return node.name
    return None


#: functions whose value is a text computed from their arguments (text_case writes lower()
#: towards MySQL as nested REPLACE calls)
_TEXT_FUNCTIONS = (exp.Lower, exp.Upper, exp.Trim, exp.Substring, exp.DPipe, exp.Concat,
                   exp.Left, exp.Right, exp.Initcap)
_TEXT_CALLS = {"replace", "concat", "lower", "upper", "lcase", "ucase", "trim", "substr"}


def _computed_text(node: exp.Expr) -> bool:
    """A string literal or a text function's value (not a column: its label decides)."""
    while isinstance(node, exp.Paren):
        node = node.this
    if isinstance(node, exp.Literal):
        return node.is_string
    if isinstance(node, exp.Anonymous):
        return node.name.lower() in _TEXT_CALLS
    return isinstance(node, _TEXT_FUNCTIONS)


def _explicit(node: exp.Expr) -> str | None:
    """The label of a binary collation one side of a comparison (or an ORDER BY key) names:
    in MySQL it wins over the column's (tools.semantics.explicit_collate)."""
    if not isinstance(node, (*_COMPARISONS, exp.In, exp.Between, exp.Ordered)):
        return None
    sides = [node.args.get(k) for k in ("this", "expression", "low", "high")]
    sides += node.args.get("expressions") or [] if isinstance(node, exp.In) else []
    return next((how for side in sides if (how := binary_collation(side))), None)


@dataclass(slots=True)
class _Output:
    """What TextCollation._group reads of one output of the SELECT it rewrites."""

    item: exp.Expr
    bare: tuple[str, str] | None
    """(table, name) in lower case when the output is a column (aliased or not)"""
    columns: list[tuple[exp.Column, tuple[str, str], bool]]
    """its columns in walk order: (column, (table, name) in lower case, outside an aggregate?);
    none for an output that is an aggregate (all of them are inside it)"""
    outside: set[tuple[str, str]]
    """the names of its columns outside an aggregate"""
    aggregates: bool

    @classmethod
    def read(cls, item: exp.Expr, in_aggregate: bool) -> _Output:
        """`item`, an output of a SELECT that is inside an aggregate's argument or not."""
        bare = item.unalias()
        if isinstance(bare, exp.AggFunc):
            # SUM(x) AS total: each of its columns is inside an aggregate, which is all
            # _group asks of them (no walk)
            return cls(item, None, [], set(), True)
        nodes = tree_walk.nodes(item)  # one walk: its columns and whether it aggregates
        aggregates = any(isinstance(n, exp.AggFunc) for n in nodes)
        # with no aggregate in it or above its SELECT, every column is outside one
        plain = not aggregates and not in_aggregate
        columns = [(c, (c.table.lower(), c.name.lower()),
                    plain or c.find_ancestor(exp.AggFunc) is None)
                   for c in nodes if isinstance(c, exp.Column)]
        return cls(item, (bare.table.lower(), bare.name.lower())
                   if isinstance(bare, exp.Column) else None, columns,
                   {name for _, name, outside in columns if outside}, aggregates)
