"""The differ's verdicts stay honest where engines differ in representation only, and never
where the data changed: decimals that differ in scale within a configured tolerance, one-row
results paired by position, a target text column that mixes date and timestamp renderings."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pyarrow as pa

from tools.diff.compare import compare
from tools.records import Tolerance


def _decimals(values: list[str], scale: int) -> pa.Array:
    return pa.array([Decimal(v) for v in values], pa.decimal128(38, scale))


def test_decimals_differing_only_in_scale_meet_the_configured_tolerance():
    # MySQL's 10.00 / 3 keeps 6 digits, PostgreSQL's 16
    source = pa.table({"id": [1, 2], "third": _decimals(["3.333333", "0.500000"], 6)})
    target = pa.table({"id": [1, 2],
                       "third": _decimals(["3.3333333333333333", "0.5000000000000000"], 16)})
    tolerated = compare(source, target, tolerances={"third": Tolerance(1e-6, 0)})
    assert tolerated.verdict == "parity_with_tolerance"
    assert compare(source, target).verdict == "mismatch"  # decimals are exact by default
    beyond = compare(source, target, tolerances={"third": Tolerance(1e-8, 0)})
    assert beyond.verdict == "mismatch"


def test_a_one_row_decimal_result_is_not_keyed_on_its_value():
    source = pa.table({"avg_units": _decimals(["4.1429"], 4)})
    target = pa.table({"avg_units": _decimals(["4.1428571428571429"], 16)})
    report = compare(source, target, tolerances={"avg_units": Tolerance(1e-4, 0)})
    assert report.verdict == "parity_with_tolerance"


def test_one_row_results_are_compared_positionally():
    source = pa.table({"n": [3], "total": [10]})
    target = pa.table({"n": [4], "total": [10]})
    report = compare(source, target)
    assert report.verdict == "mismatch"
    # the row changed; it is not one row missing and another extra
    assert report.only_in_source_count == 0 and report.only_in_target_count == 0
    assert [(c["column"], c["source"], c["target"]) for c in report.changed] == [("n", 3, 4)]
    assert compare(source, pa.table({"n": [3], "total": [10]})).verdict == "parity"


def test_a_text_column_mixing_date_renderings_into_timestamps_is_a_mismatch():
    source = pa.table({"at": pa.array([dt.datetime(2024, 1, 1), dt.datetime(2024, 1, 2, 10)])})
    mixed = pa.table({"at": ["2024-01-01", "2024-01-02 10:00:00"]})
    assert compare(source, mixed).verdict == "mismatch"
    rendered = pa.table({"at": ["2024-01-01 00:00:00", "2024-01-02 10:00:00"]})
    assert compare(source, rendered).verdict == "parity"  # the same instants, as text


def test_a_source_date_text_still_equals_a_target_date():
    source = pa.table({"d": ["2024-01-01", "2024-02-29"]})
    target = pa.table({"d": pa.array([dt.date(2024, 1, 1), dt.date(2024, 2, 29)])})
    assert compare(source, target).verdict == "parity"


def _float32_sum(values: list[float]) -> float:
    """A sum accumulated in single precision, rounding at every row (PostgreSQL's sum(real))."""
    import struct

    total = 0.0
    for v in values:
        total = struct.unpack("f", struct.pack("f", total + v))[0]
    return total


def test_a_single_precision_source_is_compared_at_single_precision():
    weights = [0.1, 0.2, 1.3, 2.7]
    single = [_float32_sum([w]) for w in weights]  # the stored real values
    source = pa.table({"total": pa.array([_float32_sum(single)], pa.float32())})
    target = pa.table({"total": pa.array([sum(single)], pa.float64())})  # summed in double
    assert source.column(0)[0].as_py() != target.column(0)[0].as_py()
    assert compare(source, target).verdict in ("parity", "parity_with_tolerance")
    # the same deviation from a double-precision source is a real difference
    as_double = pa.table({"total": pa.array([source.column(0)[0].as_py()], pa.float64())})
    assert compare(as_double, target).verdict == "mismatch"
    # and a single-precision source still sees a change in its own digits
    changed = pa.table({"total": pa.array([4.301], pa.float64())})
    assert compare(source, changed).verdict == "mismatch"
    # a tolerance the user set for the column wins
    strict = compare(source, target, tolerances={"total": Tolerance(0, 1e-12)})
    assert strict.verdict == "mismatch"
