"""graph/wave_pool.py: the pool a wave's objects run in. A stop drops what is queued without
running it, and no result reaches the graph after the stop; the run through LangGraph uses it.
(The CLI's behaviour on a signal is tests/faults/test_stop_large_run.py.)"""

from __future__ import annotations

import threading
import time
from typing import Annotated, Any

from langgraph.graph import START, StateGraph
from langgraph.types import Send
from typing_extensions import TypedDict

from graph.wave_pool import WavePool


def test_at_most_workers_tasks_run_at_once_and_every_result_is_delivered() -> None:
    pool = WavePool(2)
    running, peak, lock = [0], [0], threading.Lock()

    def task(i: int) -> int:
        with lock:
            running[0] += 1
            peak[0] = max(peak[0], running[0])
        time.sleep(0.01)
        with lock:
            running[0] -= 1
        return i * i

    futures = [pool.submit(task, i) for i in range(12)]
    assert [f.result(timeout=10) for f in futures] == [i * i for i in range(12)]
    assert peak[0] == 2
    pool.close(1.0)


def test_a_stop_drops_the_queue_and_delivers_nothing_more() -> None:
    stopped = threading.Event()
    pool = WavePool(1, stopped=stopped.is_set)
    release, started = threading.Event(), []

    def task(i: int) -> int:
        started.append(i)
        release.wait(5)
        return i

    futures = [pool.submit(task, i) for i in range(50)]
    while not started:
        time.sleep(0.001)
    stopped.set()
    assert pool.stop() == 49  # all but the one at work
    release.set()
    pool.close(5.0)
    assert started == [0]  # nothing queued ever ran
    assert not any(f.done() for f in futures)  # not even the one in flight was delivered


def _merge(old: dict[int, str], new: dict[int, str]) -> dict[int, str]:
    return {**old, **new}


class Wave(TypedDict, total=False):
    items: list[int]
    done: Annotated[dict[int, str], _merge]


def test_langgraph_runs_a_wave_of_sends_in_the_pool() -> None:
    def work(item: dict[str, int]) -> dict[str, Any]:
        return {"done": {item["i"]: threading.current_thread().name}}

    g = StateGraph(Wave)
    g.add_node("work", work)
    g.add_conditional_edges(START, lambda s: [Send("work", {"i": i}) for i in s["items"]])
    pool = WavePool(3)
    out = g.compile().invoke({"items": list(range(9))},
                             {"configurable": pool.runner_config(), "max_concurrency": 3})
    pool.close(1.0)
    assert sorted(out["done"]) == list(range(9))
    assert set(out["done"].values()) <= {f"cutover-worker-{n}" for n in (1, 2, 3)}
