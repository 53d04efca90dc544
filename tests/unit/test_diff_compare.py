"""compare(): columns, keys, modes, ordering, report shape."""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal

import pyarrow as pa
import pytest

from graph.context import Tolerance
from tools.diff.compare import compare
from tools.diff.report import DiffReport


def tbl(**cols: object) -> pa.Table:
    return pa.table(cols)


def test_columns_match_case_insensitively_in_source_order() -> None:
    s = tbl(ID=[1, 2], Name=["a", "b"])
    t = tbl(name=["a", "b"], id=[1, 2])
    r = compare(s, t)
    assert r.verdict == "parity"
    assert [c.name for c in r.columns] == ["ID", "Name"]
    assert r.columns_target == ["name", "id"]


def test_missing_and_extra_columns() -> None:
    s = tbl(id=[1], a=[1], c=[3])
    t = tbl(id=[1], a=[1], d=[4])
    r = compare(s, t)
    assert r.verdict == "mismatch"
    assert r.missing_columns == ["c"] and r.extra_columns == ["d"]
    assert "columns" in r.causes()
    assert r.rows_matched == 1  # the common columns still compared
    assert compare(s, s).missing_columns == []


def test_key_inference_skips_floats_and_prefers_ids() -> None:
    s = tbl(score=[1.5, 2.5, 3.5], region=["n", "s", "e"], id=[10, 20, 30])
    r = compare(s, s)
    assert r.mode == "keyed" and r.key == ["region"] and r.key_inferred
    s2 = tbl(
        score=[1.5, 2.5],
        total=pa.array([Decimal("1.0"), Decimal("2.0")], pa.decimal128(5, 1)),
        id=[10, 20],
    )
    assert compare(s2, s2).key == ["id"]  # ints before decimals


def test_key_inference_falls_back_to_first_two_columns_then_multiset() -> None:
    s = tbl(a=[1, 1, 2], b=["x", "y", "x"], v=[1.0, 2.0, 3.0])
    r = compare(s, s)
    assert r.key == ["a", "b"] and r.key_inferred
    s2 = tbl(a=[1, 1, 1], b=["x", "x", "y"], v=[1.0, 2.0, 3.0])
    r2 = compare(s2, s2)
    assert r2.mode == "multiset" and r2.key is None and not r2.key_inferred
    assert r2.verdict == "parity"


def test_key_must_be_unique_on_both_sides_to_be_inferred() -> None:
    s = tbl(id=[1, 2, 3], v=["a", "b", "c"])
    t = tbl(id=[1, 2, 2], v=["a", "b", "c"])
    r = compare(s, t)
    assert r.key == ["v"]  # id repeats in the target
    assert_one = [c for c in r.columns if c.mismatched]
    assert [c.name for c in assert_one] == ["id"]


def test_given_key_with_duplicates_is_reported() -> None:
    s = tbl(k=[1, 1, 2], v=["a", "b", "c"])
    t = tbl(k=[1, 2], v=["a", "c"])
    r = compare(s, t, key=["K"])
    assert r.mode == "keyed" and r.key == ["k"] and not r.key_inferred
    assert r.only_in_source == [{"k": 1, "v": "b"}]
    assert r.changed_count == 0
    assert {"duplicates", "missing_rows"} <= r.causes()


def test_unknown_key_is_a_clear_error() -> None:
    s = tbl(id=[1])
    with pytest.raises(ValueError, match="nope"):
        compare(s, s, key=["nope"])


def test_ordered_detects_wrong_order_only_when_content_is_equal() -> None:
    s = tbl(id=[1, 2, 3], v=["a", "b", "c"])
    assert compare(s, s, ordered=True).verdict == "parity"
    r = compare(s, tbl(id=[3, 2, 1], v=["c", "b", "a"]), ordered=True)
    assert r.mode == "ordered" and r.verdict == "mismatch"
    assert r.causes() == {"ordering"}
    assert r.changed and r.changed[0]["key"] == {"#": 0}
    unordered = compare(s, tbl(id=[3, 2, 1], v=["c", "b", "a"]))
    assert unordered.verdict == "parity"


def test_ordered_identical_rows_permuted_are_not_an_ordering_difference() -> None:
    s = tbl(v=["a", "a", "b"], n=[1, 1, 2])
    assert compare(s, tbl(v=["a", "a", "b"], n=[1, 1, 2]), ordered=True).verdict == "parity"


def test_ordered_ties_on_order_by_are_nondeterministic_not_wrong() -> None:
    s = tbl(name=["x", "y", "z"], score=[10, 10, 5])
    t = tbl(name=["y", "x", "z"], score=[10, 10, 5])
    r = compare(s, t, ordered=True, order_by=["score"])
    assert r.nondeterministic and r.verdict == "parity"
    assert "nondeterministic" in r.causes()
    wrong = compare(
        s, tbl(name=["z", "x", "y"], score=[5, 10, 10]), ordered=True, order_by=["score"]
    )
    assert wrong.verdict == "mismatch" and "ordering" in wrong.causes()


def test_ordered_with_content_difference_reports_the_content() -> None:
    s = tbl(id=[1, 2, 3], v=["a", "b", "c"])
    r = compare(s, tbl(id=[1, 2, 3], v=["a", "B", "c"]), ordered=True)
    assert r.verdict == "mismatch" and "ordering" not in r.causes()
    assert r.changed == [{"key": {"id": 2}, "column": "v", "source": "b", "target": "B"}]


def test_report_is_json_able_and_summarised() -> None:
    s = tbl(
        id=[1, 2],
        d=pa.array([dt.date(2024, 1, 1), dt.date(2024, 1, 2)]),
        amt=pa.array([Decimal("1.50"), Decimal("2.50")], pa.decimal128(5, 2)),
    )
    t = tbl(
        id=[1, 3],
        d=pa.array([dt.date(2024, 1, 1), dt.date(2024, 1, 3)]),
        amt=pa.array([Decimal("1.50"), Decimal("2.50")], pa.decimal128(5, 2)),
    )
    r = compare(s, t, sample_rows=5)
    dumped = json.loads(r.model_dump_json())
    assert dumped["only_in_source"] == [{"id": 2, "d": "2024-01-02", "amt": "2.50"}]
    assert DiffReport.model_validate(dumped) == r
    assert r.summary().startswith("mismatch: 2 vs 2 rows")
    assert "1 only in source" in r.summary()
    assert r.score == 0.5 and r.rows_matched == 1


def test_samples_are_capped_and_counts_are_total() -> None:
    n = 50
    s = tbl(id=list(range(n)), v=[float(i) for i in range(n)])
    t = tbl(id=list(range(n)), v=[float(i) + 1 for i in range(n)])
    r = compare(s, t, sample_rows=7)
    assert r.changed_count == n - 0 and len(r.changed) == 7
    assert "ratio" not in r.causes()  # +1 is not a constant ratio


def test_big_table_uses_duckdb_only_path() -> None:
    n = 1000
    s = tbl(id=list(range(n)), v=[i * 0.5 for i in range(n)])
    r = compare(s, s, datacompy_max_rows=100)
    assert r.engine == "duckdb" and r.verdict == "parity"
    assert compare(s, s).engine == "duckdb+datacompy"


def test_ordered_limit_cutting_ties_is_nondeterministic() -> None:
    # ORDER BY score DESC LIMIT 3 over scores 9, 7, 5, 5: either 5 may be kept.
    s = tbl(name=["a", "b", "c"], score=[9, 7, 5])
    t = tbl(name=["a", "b", "d"], score=[9, 7, 5])
    r = compare(s, t, ordered=True, order_by=["score"])
    assert r.nondeterministic and "nondeterministic" in r.causes()
    assert r.verdict == "mismatch"  # the data differ; the flag tells the caller why
    wrong = compare(s, tbl(name=["a", "b", "d"], score=[9, 7, 4]), ordered=True, order_by=["score"])
    assert not wrong.nondeterministic


def test_keyless_pairing_keeps_unchanged_rows_paired() -> None:
    # No key (every column repeats); one float changed among rows of the same group must
    # give one changed cell, not a cascade of mispaired rows.
    s = tbl(g=["a", "a", "a", "a"], v=[1.0, 2.0, 3.0, 1.0])
    t = tbl(g=["a", "a", "a", "a"], v=[1.0, 20.0, 3.0, 1.0])
    r = compare(s, t)
    assert r.mode == "multiset"
    assert r.changed_count == 1
    assert r.changed == [{"key": {"g": "a"}, "column": "v", "source": 2.0, "target": 20.0}]


def test_keyless_noise_across_a_rounding_boundary_still_pairs() -> None:
    # 0.1234567895 rounds up at 9 significant digits, the noisy copy rounds down.
    s = tbl(g=["a", "a"], v=[0.1234567895, 7.0])
    t = tbl(g=["a", "a"], v=[7.0, 0.12345678949999])
    r = compare(s, t, default_float=Tolerance(1e-12, 0.0))
    assert r.verdict == "parity_with_tolerance"


def test_keyless_all_float_columns() -> None:
    s = tbl(x=[1.5, 1.5, 2.5], y=[0.1, 0.1, 0.2])
    assert compare(s, tbl(x=[2.5, 1.5, 1.5], y=[0.2, 0.1, 0.1])).verdict == "parity"
    r = compare(s, tbl(x=[2.5, 1.5, 1.5], y=[0.2, 0.1, 0.7]))
    assert r.verdict == "mismatch" and r.changed_count == 1
