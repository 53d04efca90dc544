"""Diagnosis: the likely cause named from the evidence."""

from __future__ import annotations

import datetime as dt

import pyarrow as pa

from graph.context import Tolerance
from tools.diff.compare import compare


def tbl(**cols: object) -> pa.Table:
    return pa.table(cols)


def test_integer_division_source_truncates() -> None:
    s = tbl(id=[1, 2, 3], avg=[3, 2, 5])
    t = tbl(id=[1, 2, 3], avg=[3.5, 2.0, 5.25])
    r = compare(s, t)
    assert "integer_division" in r.causes()
    col = next(c for c in r.columns if c.name == "avg")
    assert col.mismatched == 2 and "integer division" in (col.diagnosis or "")


def test_integer_division_target_truncates() -> None:
    s = tbl(id=[1], avg=[3.5])
    t = tbl(id=[1], avg=[3])
    assert compare(s, t).causes() == {"integer_division"}


def test_constant_ratio() -> None:
    s = tbl(id=[1, 2, 3], v=[2.0, 4.0, 10.0])
    t = tbl(id=[1, 2, 3], v=[3.0, 6.0, 15.0])
    r = compare(s, t)
    assert r.causes() == {"ratio"}
    assert "x 1.5" in r.summary()


def test_rounding() -> None:
    s = tbl(id=[1, 2], v=[1.23456, 2.71828])
    t = tbl(id=[1, 2], v=[1.23, 2.72])
    r = compare(s, t)
    assert r.causes() == {"rounding"}
    assert "rounded to 2 decimals" in r.diagnosis[0].detail


def test_precision() -> None:
    s = tbl(id=[1, 2], v=[1.0, 2.0])
    t = tbl(id=[1, 2], v=[1.0 + 1e-10, 2.0 - 3e-10])
    strict = compare(s, t, default_float=Tolerance(0.0, 0.0))
    assert strict.causes() == {"precision"}
    assert compare(s, t).verdict == "parity_with_tolerance"


def test_plain_value_change() -> None:
    s = tbl(id=[1, 2], v=[10.0, 20.0])
    t = tbl(id=[1, 2], v=[10.0, 27.0])
    assert compare(s, t).causes() == {"values"}


def test_whitespace_and_case_in_missing_rows() -> None:
    s = tbl(code=["A1 ", "B2"], n=[1, 2])
    t = tbl(code=["A1", "B2"], n=[1, 2])
    r = compare(s, t)
    assert r.key == ["code"]
    assert {"whitespace", "missing_rows", "extra_rows"} <= r.causes()


def test_causes_set_matches_diagnosis_list() -> None:
    s = tbl(id=[1, 2], v=["a", None])
    t = tbl(id=[1, 2], v=["A", "x"])
    r = compare(s, t)
    assert r.causes() == {d.cause for d in r.diagnosis} == {"case", "nulls"}


def test_time_zone_shift() -> None:
    s = tbl(id=[1, 2], ts=pa.array([dt.datetime(2024, 1, 2, 10), dt.datetime(2024, 5, 1, 0, 30)]))
    t = tbl(id=[1, 2], ts=pa.array([dt.datetime(2024, 1, 2, 12), dt.datetime(2024, 5, 1, 2, 30)]))
    r = compare(s, t)
    assert r.verdict == "mismatch"
    assert "+2 h" in r.diagnosis[0].detail and "time zone" in r.diagnosis[0].detail


def test_json_key_order_is_explained() -> None:
    s = tbl(id=[1], doc=['{"a": 1, "b": 2}'])
    t = tbl(id=[1], doc=['{"b":2,"a":1}'])
    r = compare(s, t)
    assert r.verdict == "mismatch"  # strings are byte-exact; the diagnosis says why
    assert "equal as JSON" in r.diagnosis[0].detail


def test_empty_string_vs_null_detail() -> None:
    r = compare(tbl(id=[1], v=[""]), tbl(id=[1], v=pa.array([None], pa.string())))
    assert r.causes() == {"nulls"}
    assert "''" in r.diagnosis[0].detail
