"""PostgreSQL's COPY batches: Arrow string columns go to CSV as they are, with the same bytes
the Python-object path writes, and come back from the server unchanged."""

from __future__ import annotations

import pandas as pd
import sqlalchemy as sa

from seed_assets.spec.loader import spec_from_dict
from seed_assets.targets.base import Target
from seed_assets.targets.dialects.postgres import csv_bytes

AWKWARD = ["plain", "", None, 'say "hi"', "a,b", "two\nlines", "back\\slash", "ünïcode ✓", " "]


def _spec():
    return spec_from_dict(
        {
            "name": "copytext",
            "seed": 1,
            "tables": {
                "notes": {
                    "rows": len(AWKWARD),
                    "primary_key": "id",
                    "columns": {
                        "id": {"type": "integer", "sequence": {"start": 1}},
                        "body": {"type": "text", "nullable": True, "constant": "x"},
                    },
                }
            },
        }
    )


def _frame(dtype) -> pd.DataFrame:
    return pd.DataFrame({"id": range(1, len(AWKWARD) + 1), "body": pd.Series(AWKWARD, dtype=dtype)})


def test_arrow_strings_encode_as_python_strings_do():
    table = _spec().tables["notes"]
    expected = csv_bytes(_frame(object), table)
    for dtype in ("str", pd.StringDtype("python"), pd.StringDtype("pyarrow")):
        assert csv_bytes(_frame(dtype), table) == expected, dtype
    sliced = _frame("str").iloc[3:]  # a batch cut from a frame
    assert csv_bytes(sliced, table) == csv_bytes(_frame(object).iloc[3:], table)


def test_arrow_strings_round_trip_through_copy(pg_url):
    spec = _spec()
    target = Target.for_url(pg_url)
    try:
        result = target.write_table(spec, "notes", [_frame("str")], seed=1, scale=1.0)
        assert result.committed and result.rows == len(AWKWARD)
        with target.engine.connect() as conn:
            back = conn.execute(sa.text("SELECT body FROM notes ORDER BY id")).scalars().all()
    finally:
        target.dispose()
    assert back == AWKWARD  # "" stays empty, None stays NULL
