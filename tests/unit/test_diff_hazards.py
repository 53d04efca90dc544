"""The differ's hazards, each both ways: an equal pair finds nothing, one planted change is found
exactly (one row, the right column, the right cause)."""

from __future__ import annotations

import datetime as dt
import unicodedata
from decimal import Decimal

import pyarrow as pa
import pytest

from graph.context import Tolerance
from tools.diff.compare import compare


def tbl(**cols: object) -> pa.Table:
    return pa.table(cols)


def assert_one_change(r, column: str, cause: str | None = None) -> None:
    assert r.verdict == "mismatch", r.summary()
    assert r.changed_count == 1
    assert r.only_in_source_count == r.only_in_target_count == 0
    assert [c.name for c in r.columns if c.mismatched] == [column]
    assert [c["column"] for c in r.changed] == [column]
    if cause:
        assert cause in r.causes(), r.diagnosis


# --- floats -----------------------------------------------------------------------------------


def test_float_noise_within_tolerance_is_parity_with_tolerance() -> None:
    s = tbl(id=[1, 2], x=[0.1 + 0.2, 1.0])
    t = tbl(id=[1, 2], x=[0.3, 1.0])
    r = compare(s, t)
    assert r.verdict == "parity_with_tolerance"
    assert r.rows_matched == 2 and r.score == 1.0
    assert compare(s, s).verdict == "parity"


def test_float_change_beyond_tolerance_is_found() -> None:
    s = tbl(id=[1, 2], x=[0.3, 1.0])
    t = tbl(id=[1, 2], x=[0.3, 1.01])
    r = compare(s, t)
    assert_one_change(r, "x")
    assert r.changed[0]["key"] == {"id": 2}
    assert r.columns[1].max_abs_diff == pytest.approx(0.01)


def test_per_column_tolerance_overrides_default() -> None:
    s, t = tbl(id=[1], x=[100.0]), tbl(id=[1], x=[100.4])
    assert compare(s, t).verdict == "mismatch"
    loose = compare(s, t, tolerances={"X": Tolerance(abs_tol=0.5)})
    assert loose.verdict == "parity_with_tolerance"


def test_nan_inf_and_negative_zero_compare_equal() -> None:
    s = tbl(id=[1, 2, 3], x=[float("nan"), float("inf"), -0.0])
    t = tbl(id=[1, 2, 3], x=[float("nan"), float("inf"), 0.0])
    assert compare(s, t).verdict == "parity"
    t2 = tbl(id=[1, 2, 3], x=[float("nan"), 1e308, 0.0])
    assert_one_change(compare(s, t2), "x")


def test_int_vs_float_compares_by_value() -> None:
    s, t = tbl(id=[1, 2], v=[3, 4]), tbl(id=[1, 2], v=[3.0, 4.0])
    r = compare(s, t)
    assert r.verdict == "parity"
    assert r.type_differences == {"v": ("int64", "double")}
    assert_one_change(compare(s, tbl(id=[1, 2], v=[3.0, 4.5])), "v")


# --- exact numerics ---------------------------------------------------------------------------


def dec(values: list[str | None], p: int, s: int) -> pa.Array:
    return pa.array([Decimal(v) if v is not None else None for v in values], pa.decimal128(p, s))


def test_decimal_scale_compares_by_value() -> None:
    s = tbl(id=[1, 2, 3], amt=dec(["1.50", "2.00", "-0.50"], 10, 2))
    t = tbl(id=[1, 2, 3], amt=dec(["1.5", "2", "-0.5"], 12, 1))
    r = compare(s, t)
    assert r.verdict == "parity"
    assert "amt" in r.type_differences
    planted = compare(s, tbl(id=[1, 2, 3], amt=dec(["1.5", "2.01", "-0.5"], 12, 2)))
    assert_one_change(planted, "amt")
    assert planted.changed[0]["source"] == "2.00"  # JSON-able: Decimal as exact text


def test_decimal_gets_no_float_tolerance_by_default() -> None:
    s = tbl(id=[1], amt=dec(["1.0000000000001"], 20, 13))
    t = tbl(id=[1], amt=dec(["1.0000000000000"], 20, 13))
    assert compare(s, t).verdict == "mismatch"


def test_integers_beyond_2_pow_53_stay_exact() -> None:
    big = 2**53 + 1
    s = tbl(id=[1, 2], v=[big, 2**62 + 3])
    assert compare(s, tbl(id=[1, 2], v=[big, 2**62 + 3])).verdict == "parity"
    # 2**53 and 2**53 + 1 are the same double: a float-based compare would miss this.
    r = compare(s, tbl(id=[1, 2], v=[2**53, 2**62 + 3]))
    assert_one_change(r, "v")
    big_dec = tbl(id=[1, 2], v=pa.array([Decimal(big), Decimal(2**62 + 3)], pa.decimal128(38, 0)))
    assert compare(s, big_dec).verdict == "parity"


def test_bool_vs_int() -> None:
    s = tbl(id=[1, 2, 3], flag=[True, False, None])
    t = tbl(id=[1, 2, 3], flag=[1, 0, None])
    r = compare(s, t)
    assert r.verdict == "parity"
    assert r.type_differences["flag"] == ("bool", "int64")
    assert_one_change(compare(s, tbl(id=[1, 2, 3], flag=[1, 1, None])), "flag")


# --- NULLs and strings ------------------------------------------------------------------------


def test_null_vs_empty_vs_null_text() -> None:
    s = tbl(id=[1, 2, 3], v=[None, "", "NULL"])
    assert compare(s, tbl(id=[1, 2, 3], v=[None, "", "NULL"])).verdict == "parity"
    r = compare(s, tbl(id=[1, 2, 3], v=["", "", "NULL"]))
    assert_one_change(r, "v", "nulls")
    assert r.columns[1].null_mismatches == 1
    r2 = compare(s, tbl(id=[1, 2, 3], v=[None, "", None]))
    assert_one_change(r2, "v", "nulls")
    assert "'NULL'" in r2.columns[1].diagnosis
    r3 = compare(s, tbl(id=[1, 2, 3], v=[None, "NULL", "NULL"]))
    assert_one_change(r3, "v")


def test_trailing_spaces() -> None:
    s = tbl(id=[1, 2], v=["abc", "x"])
    assert compare(s, tbl(id=[1, 2], v=["abc", "x"])).verdict == "parity"
    assert_one_change(compare(s, tbl(id=[1, 2], v=["abc  ", "x"])), "v", "whitespace")


def test_case_is_significant() -> None:
    s = tbl(id=[1, 2], v=["Paris", "x"])
    assert compare(s, tbl(id=[1, 2], v=["Paris", "x"])).verdict == "parity"
    assert_one_change(compare(s, tbl(id=[1, 2], v=["PARIS", "x"])), "v", "case")


def test_unicode_normalisation_is_byte_exact_and_explained() -> None:
    nfc = unicodedata.normalize("NFC", "café")
    nfd = unicodedata.normalize("NFD", "café")
    s = tbl(id=[1, 2], v=[nfc, "x"])
    assert compare(s, tbl(id=[1, 2], v=[nfc, "x"])).verdict == "parity"
    r = compare(s, tbl(id=[1, 2], v=[nfd, "x"]))
    assert_one_change(r, "v")
    assert any("unicode normalisation" in d.detail for d in r.diagnosis)


def test_truncated_text() -> None:
    s = tbl(id=[1], v=["abcdef"])
    assert_one_change(compare(s, tbl(id=[1], v=["abc"])), "v", "truncation")


# --- dates and times --------------------------------------------------------------------------


def test_date_vs_iso_string() -> None:
    s = tbl(id=[1, 2], d=["2024-01-02", "2024-02-29"])  # SQLite keeps dates as text
    t = tbl(id=[1, 2], d=pa.array([dt.date(2024, 1, 2), dt.date(2024, 2, 29)]))
    r = compare(s, t)
    assert r.verdict == "parity"
    assert r.type_differences["d"] == ("string", "date32[day]")
    t2 = tbl(id=[1, 2], d=pa.array([dt.date(2024, 1, 2), dt.date(2024, 3, 1)]))
    assert_one_change(compare(s, t2), "d")


def test_timestamp_vs_iso_string_and_utc() -> None:
    s = tbl(id=[1, 2], ts=["2024-01-02 10:00:00", "2024-01-02 10:00:00.5"])
    naive = pa.array([dt.datetime(2024, 1, 2, 10), dt.datetime(2024, 1, 2, 10, 0, 0, 500000)])
    assert compare(s, tbl(id=[1, 2], ts=naive)).verdict == "parity"
    plus2 = dt.timezone(dt.timedelta(hours=2))
    aware = pa.array(
        [
            dt.datetime(2024, 1, 2, 12, tzinfo=plus2),
            dt.datetime(2024, 1, 2, 12, 0, 0, 500000, tzinfo=plus2),
        ],
        pa.timestamp("us", tz="+02:00"),
    )
    assert compare(s, tbl(id=[1, 2], ts=aware)).verdict == "parity"
    off = pa.array([dt.datetime(2024, 1, 2, 10), dt.datetime(2024, 1, 2, 10, 0, 1)])
    assert_one_change(compare(s, tbl(id=[1, 2], ts=off)), "ts")


# --- rows -------------------------------------------------------------------------------------


def test_empty_vs_empty_is_vacuous_parity() -> None:
    s = tbl(id=pa.array([], pa.int64()), v=pa.array([], pa.string()))
    r = compare(s, s)
    assert r.verdict == "parity" and r.vacuous and r.score == 1.0
    one = compare(s, tbl(id=[1], v=["a"]))
    assert one.verdict == "mismatch" and not one.vacuous
    assert one.only_in_target_count == 1 and "extra_rows" in one.causes()


def test_keyless_duplicates_are_counted() -> None:
    s = tbl(x=[1, 1, 2], y=["a", "a", "b"])
    r = compare(s, tbl(x=[2, 1, 1], y=["b", "a", "a"]))
    assert r.mode == "multiset" and r.verdict == "parity"
    r2 = compare(s, tbl(x=[1, 2, 2], y=["a", "b", "b"]))
    assert r2.mode == "multiset" and r2.verdict == "mismatch"
    assert r2.only_in_source == [{"x": 1, "y": "a"}]
    assert r2.only_in_target == [{"x": 2, "y": "b"}]
    assert {"duplicates", "missing_rows", "extra_rows"} <= r2.causes()


def test_keyless_float_noise_and_planted_change() -> None:
    s = tbl(g=["a", "a", "b"], v=[0.1 + 0.2, 5.0, 1.0])
    noisy = compare(s, tbl(g=["a", "b", "a"], v=[5.0, 1.0, 0.3]))
    assert noisy.mode == "multiset" and noisy.verdict == "parity_with_tolerance"
    r = compare(s, tbl(g=["a", "b", "a"], v=[5.0, 2.5, 0.3]))
    assert_one_change(r, "v", "values")
    assert r.changed[0]["key"] == {"g": "b"}


def test_missing_rows_that_differ_by_case_are_diagnosed_as_case() -> None:
    # What a case-insensitive LIKE on one engine and a case-sensitive one on the other give.
    s = tbl(name=["Apple pie", "apricot", "avocado"], n=[3, 1, 2])
    t = tbl(name=["apple pie", "apricot", "avocado"], n=[3, 1, 2])
    r = compare(s, t)
    assert r.key == ["name"] and r.verdict == "mismatch"
    assert r.only_in_source_count == r.only_in_target_count == 1
    assert {"case", "missing_rows", "extra_rows"} <= r.causes()
    case = next(d for d in r.diagnosis if d.cause == "case")
    assert case.columns == ["name"]
    assert compare(s, s).verdict == "parity"
