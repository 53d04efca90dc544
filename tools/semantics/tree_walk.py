"""Walks over a sqlglot tree in exactly the order of Expr.walk() (breadth first), as lists,
and a copy of a tree equal to Expr.copy().

The library walks each statement many times (every family's candidates, each SELECT's own
nodes, the tables a statement reads); sqlglot's generator-based walk costs about twice
these loops, which is a fifth of the library's time on TPC-DS. The order is sqlglot's, so a
family that rewrites nodes in walk order writes the same SQL either way.
"""

from __future__ import annotations

from copy import deepcopy
from typing import Any, TypeVar, overload

from sqlglot import exp

E = TypeVar("E", bound=exp.Expr)

_Expr = exp.Expr
_Select = exp.Select


def nodes(root: exp.Expr) -> list[exp.Expr]:
    """Every node under `root` (itself first), in root.walk() order."""
    queue = [root]
    append = queue.append
    i = 0
    while i < len(queue):
        for value in queue[i].args.values():
            if isinstance(value, list):
                for item in value:
                    if isinstance(item, _Expr):
                        append(item)
            elif isinstance(value, _Expr):
                append(value)
        i += 1
    return queue


def own_nodes(select: exp.Expr) -> list[exp.Expr]:
    """The nodes of `select` that belong to it, not to a SELECT nested in it: the walk
    root.walk(prune=<a nested Select>) yields, with the nested SELECTs themselves left out."""
    queue = [select]
    append = queue.append
    own: list[exp.Expr] = []
    i = 0
    while i < len(queue):
        node = queue[i]
        i += 1
        if node is not select and isinstance(node, _Select):
            continue
        own.append(node)
        for value in node.args.values():
            if isinstance(value, list):
                for item in value:
                    if isinstance(item, _Expr):
                        append(item)
            elif isinstance(value, _Expr):
                append(value)
    return own


@overload
def find_all(root: exp.Expr, kind: type[E], /) -> list[E]: ...


@overload
def find_all(root: exp.Expr, *types: type[exp.Expr]) -> list[exp.Expr]: ...


def find_all(root: exp.Expr, *types: type[exp.Expr]) -> list[Any]:
    """The nodes under `root` of these types, in root.find_all(*types) order."""
    return [node for node in nodes(root) if isinstance(node, types)]


#: meta values a shallow copy of the dict shares safely (deepcopy returns them as they are)
_ATOMS = frozenset({str, int, float, bool, type(None)})


def copy(root: E) -> E:
    """A copy of `root` equal to root.copy(): the same classes, args, comments, type and
    meta, linked to their new parents alike. sqlglot's copy sends every node's meta (an
    identifier's token position) through copy.deepcopy's per-value dispatch, which makes a
    column's copy cost as much as a dozen new nodes; here a meta of plain values is copied
    as a dict. Cached hashes are not carried over (recomputed when asked for)."""
    top = _twin(root)
    stack: list[tuple[exp.Expr, exp.Expr]] = [(root, top)]
    while stack:
        node, twin = stack.pop()
        args = twin.args
        for key, value in node.args.items():
            if isinstance(value, _Expr):
                child = _twin(value)
                child.parent, child.arg_key = twin, key
                args[key] = child
                stack.append((value, child))
            elif type(value) is list:
                items: list[Any] = []
                args[key] = items
                for item in value:
                    if isinstance(item, _Expr):
                        child = _twin(item)
                        child.parent, child.arg_key, child.index = twin, key, len(items)
                        stack.append((item, child))
                        item = child
                    items.append(item)
            else:
                args[key] = value
    return top


def _twin(node: E) -> E:
    """A node of `node`'s class with copies of its comments, type and meta, and no args."""
    twin = node.__class__()
    if node.comments is not None:
        twin.comments = deepcopy(node.comments)
    if node._type is not None:
        twin._type = deepcopy(node._type)
    meta = node._meta
    if meta is not None:
        twin._meta = dict(meta) if all(type(v) in _ATOMS for v in meta.values()) \
            else deepcopy(meta)
    return twin
