"""What running the suite on pytest-xdist workers relies on: the file groups that must share a
worker name real files, and the fault tally survives the trip from the workers to the
controller."""

from __future__ import annotations

from collections import defaultdict
from pathlib import Path

import pytest

from tests.support import fault_tally
from tests.support.xdist_groups import GROUPS, scope

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize("group", sorted(GROUPS))
def test_every_grouped_file_exists(group: str) -> None:
    # a renamed file would silently leave its group and overlap with the others again
    missing = [path for path in GROUPS[group] if not (ROOT / path).is_file()]
    assert not missing, missing


def test_a_grouped_file_is_scheduled_with_its_group_and_others_by_file() -> None:
    first, second = GROUPS["scratch databases"][:2]
    assert scope(f"{first}::test_a[x]") == scope(f"{second}::test_b") == "group: scratch databases"
    assert scope("tests/unit/test_cli.py::test_x") == "tests/unit/test_cli.py"


def test_workers_tallies_add_up_on_the_controller(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(fault_tally, "TALLY", defaultdict(lambda: defaultdict(int)))
    fault_tally.merge({"kills": {"tried": 3, "resumed equal": 3}})
    fault_tally.merge({"kills": {"tried": 1, "lost": 1}, "canaries": {}})
    assert fault_tally.counts() == {"kills": {"tried": 4, "resumed equal": 3, "lost": 1},
                                    "canaries": {}}
    assert fault_tally.summary_lines()[0].split() == [
        "kills", "tried", "4", "resumed", "equal", "3", "lost", "1"]
