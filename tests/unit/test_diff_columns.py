"""Column figures: the datacompy path and the DuckDB path agree."""

from __future__ import annotations

from decimal import Decimal

import pyarrow as pa
import pytest

from tools.diff.compare import compare


def pair() -> tuple[pa.Table, pa.Table]:
    n = 200
    ids = list(range(n))
    s = pa.table(
        {
            "id": ids,
            "price": [i * 1.25 for i in ids],
            "qty": ids,
            "amt": pa.array([Decimal(i) / 4 for i in ids], pa.decimal128(12, 2)),
            "name": [f"n{i}" for i in ids],
            "note": [None if i % 10 == 0 else "x" for i in ids],
        }
    )
    price = [i * 1.25 + (0.5 if i in (3, 7) else 1e-12) for i in ids]
    qty = [i + (1 if i == 5 else 0) for i in ids]
    amt = [Decimal(i) / 4 + (Decimal("0.01") if i == 9 else 0) for i in ids]
    name = [f"N{i}" if i == 11 else f"n{i}" for i in ids]
    note = [None if i % 10 == 0 or i == 13 else ("x" if i != 21 else "y") for i in ids]
    t = pa.table(
        {
            "id": ids,
            "price": price,
            "qty": qty,
            "amt": pa.array(amt, pa.decimal128(12, 2)),
            "name": name,
            "note": note,
        }
    )
    return s, t


FIELDS = ("name", "compared", "mismatched", "match_rate", "null_mismatches", "max_rel_diff")


def test_datacompy_and_duckdb_paths_agree() -> None:
    s, t = pair()
    via_dc = compare(s, t)
    via_db = compare(s, t, datacompy_max_rows=0)
    assert via_dc.engine == "duckdb+datacompy" and via_db.engine == "duckdb"
    for a, b in zip(via_dc.columns, via_db.columns, strict=True):
        for f in FIELDS:
            assert getattr(a, f) == getattr(b, f), (a.name, f)
        if a.max_abs_diff is None:
            assert b.max_abs_diff is None
        else:
            assert a.max_abs_diff == pytest.approx(b.max_abs_diff)
    figures = {c.name: (c.mismatched, c.null_mismatches) for c in via_db.columns}
    assert figures == {
        "id": (0, 0),
        "price": (2, 0),
        "qty": (1, 0),
        "amt": (1, 0),
        "name": (1, 0),
        "note": (2, 1),
    }
    assert via_dc.changed_count == via_db.changed_count == 7
    assert via_dc.model_dump(exclude={"engine", "seconds", "columns"}) == via_db.model_dump(
        exclude={"engine", "seconds", "columns"}
    )


def test_paths_agree_at_parity() -> None:
    s, _ = pair()
    a, b = compare(s, s), compare(s, s, datacompy_max_rows=0)
    assert a.verdict == b.verdict == "parity"
    assert [c.model_dump() for c in a.columns] == [c.model_dump() for c in b.columns]
    assert all(c.match_rate == 1.0 and c.compared == 200 for c in a.columns)
