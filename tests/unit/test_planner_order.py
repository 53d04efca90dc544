"""The planner's dependency order (Kahn's algorithm by waves): each wave in file order, a
dependency always before its dependants, cycles left out, in linear time on long chains."""

from __future__ import annotations

from agents.planner import _topological
from tools.codebase import FoundObject


def _view(name: str, *reads: str) -> FoundObject:
    return FoundObject(name, "view", "sql/a.sql", 1, "", reads=list(reads))


def _order(found: list[FoundObject]) -> tuple[list[str], list[str]]:
    return _topological(found, {o.name: o for o in found})


def test_waves_keep_file_order_and_put_dependencies_first() -> None:
    found = [_view("c", "b"), _view("a"), _view("b", "a"), _view("d"), _view("e", "a", "d")]
    order, cyclic = _order(found)
    assert order == ["a", "d", "b", "e", "c"]
    assert cyclic == []


def test_a_cycle_is_left_out_and_blocks_only_what_reads_it() -> None:
    found = [_view("x", "y"), _view("y", "x"), _view("free"), _view("reader", "x"),
             _view("self", "self", "free")]  # reading itself is not a dependency
    order, cyclic = _order(found)
    assert order == ["free", "self"]
    assert cyclic == ["x", "y", "reader"]  # in file order


def test_a_long_chain_written_backwards_is_ordered() -> None:
    # 5,000 views, each reading the next one in the file: the rescan per level this replaced
    # was quadratic here (minutes); the order must still put every dependency first.
    n = 5_000
    found = [_view(f"v{i}", f"v{i + 1}") for i in range(n - 1)] + [_view(f"v{n - 1}")]
    order, cyclic = _order(found)
    assert cyclic == []
    assert order == [f"v{i}" for i in reversed(range(n))]
