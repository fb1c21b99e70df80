"""Text columns as Arrow strings, Faker pools kept on disk, written chunks kept for children:
each a faster way to the same rows."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import pyarrow as pa
import pytest

from seed_assets.engine.frames import as_series, null_mask, with_nulls
from seed_assets.engine.keys import format_ids, sequence_numbers, text_order
from seed_assets.engine.regenerated import RegeneratedParents
from seed_assets.engine.run import TableStep, generate_all, iter_plan
from seed_assets.engine.text import TEXT_DTYPE, fixed_width_text, is_text, text_array
from seed_assets.providers.faker_pool import build_pool
from seed_assets.spec.loader import spec_from_dict
from seed_assets.spec.models import ColumnSpec, SequenceSpec
from seed_assets.targets.convert import Columns, EncodedRows, column_values, row_tuples


@pytest.fixture
def pool_folder(tmp_path, monkeypatch):
    folder = tmp_path / "pools"
    monkeypatch.setenv("SEED_ASSETS_POOL_CACHE", str(folder))
    return folder


def test_a_kept_pool_is_the_pool_faker_draws(pool_folder, monkeypatch):
    drawn = build_pool("name", {}, "en_US", 300, seed=3, distinct=False).tolist()
    files = list(pool_folder.iterdir())
    assert len(files) == 1
    assert build_pool("name", {}, "en_US", 300, seed=3, distinct=False).tolist() == drawn
    files[0].write_text('["not", "the", "pool"', encoding="utf-8")  # a torn file: drawn again
    assert build_pool("name", {}, "en_US", 300, seed=3, distinct=False).tolist() == drawn
    monkeypatch.setenv("SEED_ASSETS_POOL_CACHE", "off")
    assert build_pool("name", {}, "en_US", 300, seed=3, distinct=False).tolist() == drawn
    other_seed = build_pool("name", {}, "en_US", 300, seed=4, distinct=False).tolist()
    assert other_seed != drawn


def test_pools_json_cannot_hold_are_drawn_each_time(pool_folder):
    dates = build_pool("date_of_birth", {}, "en_US", 50, seed=1, distinct=False)
    assert all(isinstance(d, dt.date) for d in dates)
    assert not pool_folder.exists() or not list(pool_folder.iterdir())


def test_text_columns_are_arrow_strings(banking):
    tables = generate_all(banking, scale=0.2)
    for name, frame in tables.items():
        for column, spec in banking.tables[name].columns.items():
            if spec.type in ("string", "char", "text", "uuid", "json"):
                assert frame[column].dtype == TEXT_DTYPE, (name, column)
                assert is_text(frame[column].array)
                assert pa.types.is_large_string(pa.array(frame[column]).type)
    assert tables["transactions"]["transaction_id"].iloc[0] == "TXN0000000001"  # start: 1


def test_keys_written_into_arrow_match_python_format():
    numbers = np.array([0, 7, 42, 99_999, 123_456_789, 5])
    for fmt in ("CUST{:06d}", "C{}", "{:5d}|", "A\nB{:03d}", "X{:02d}Y", "{:>4}"):
        got = format_ids(fmt, numbers)
        assert is_text(got)
        assert got.tolist() == [fmt.format(int(v)) for v in numbers], fmt
    rows = np.frombuffer(b"ab12cd34", dtype=np.uint8).reshape(2, 4)
    assert fixed_width_text(rows).tolist() == ["ab12", "cd34"]
    assert fixed_width_text(np.zeros((0, 3), dtype=np.uint8)).tolist() == []


@pytest.mark.parametrize(
    ("fmt", "start", "step", "rows"),
    [
        ("CUST{:06d}", 1, 1, 1_000_200),
        ("C{:02d}", 0, 1, 300),
        ("X{}", 0, 7, 2_000),
        ("É{:03d}", 5, 3, 999),
    ],
)
def test_a_sequences_text_order_is_its_keys_sorted(fmt, start, step, rows):
    """Keys that stopped sorting as their numbers are put in key order arithmetically (the
    parent held whole at 100M rows): the same order as sorting the written keys."""
    seq = SequenceSpec(format=fmt, start=start, step=step)
    keys = format_ids(fmt, sequence_numbers(seq, np.arange(rows)))
    order = text_order(seq, rows)
    assert order.tolist() == pd.Series(keys).sort_values(kind="stable").index.tolist()
    assert text_order(SequenceSpec(format="{:5d}|"), 10) is None  # not covered: sorted as text


def test_missing_text_is_nan_in_frames_and_none_for_drivers():
    values = with_nulls(text_array(["a", "b", "c"]), np.array([False, True, False]))
    assert null_mask(values).tolist() == [False, True, False]
    series = as_series(values, ColumnSpec(type="string"))
    assert series.dtype == TEXT_DTYPE and series.isna().tolist() == [False, True, False]
    assert column_values(series, "string") == ["a", None, "c"]
    # read back from anywhere (object, None): the same dtype, so frames compare equal
    back = as_series(pd.Series(["a", None, "c"], dtype=object), ColumnSpec(type="string"))
    pd.testing.assert_series_equal(back, series)


def test_repeated_text_is_shared_for_drivers_and_unique_text_is_not():
    values = with_nulls(text_array(["gold-1", "silver-2"] * 600), np.arange(1200) % 7 == 0)
    repeated = as_series(values, ColumnSpec(type="string"))
    plain = column_values(repeated, "string")
    shared = column_values(repeated, "string", shared=True)
    assert shared == plain and shared[0] is None and shared[1] == "silver-2"
    assert shared[1] is shared[3] and plain[1] is not plain[3]  # one str per distinct value
    ids = as_series(text_array([f"id{i}" for i in range(1200)]), ColumnSpec(type="string"))
    assert column_values(ids, "string", shared=True) == column_values(ids, "string")


def test_columns_give_the_rows_of_row_tuples_and_halve_by_slicing(banking):
    frame = generate_all(banking, scale=0.1)["transactions"].iloc[:500]
    table = banking.tables["transactions"]
    columns = Columns.of(frame, table)
    assert list(columns.rows()) == row_tuples(frame, table) and len(columns) == 500
    batch = EncodedRows(list(frame.columns), columns)
    assert list(batch.iloc[100:200].rows.rows()) == row_tuples(frame.iloc[100:200], table)
    back = batch.iloc[7:8].to_frame()
    assert back.columns.tolist() == list(frame.columns)
    assert back.iloc[0]["transaction_id"] == frame.iloc[7]["transaction_id"]


def test_kept_chunks_give_the_rows_made_again(banking, monkeypatch):
    kept = generate_all(banking, scale=0.3)
    steps = [s for s in iter_plan(banking, scale=0.3) if isinstance(s, TableStep)]
    for step in steps:
        for _ in step.chunks:
            pass
    assert steps[0].generator.source.kept_chunks > 0
    monkeypatch.setattr(RegeneratedParents, "kept_bytes", 0)
    again = generate_all(banking, scale=0.3)
    for name, frame in kept.items():
        pd.testing.assert_frame_equal(frame, again[name], obj=name)


def test_a_step_keeps_no_chunk_its_children_read_in_another_process(banking):
    """The CLI makes invoices after transactions in the same process, so it keeps what
    invoices read of transactions' chunks; a Dagster step of transactions (``keeps_for``: its
    own tables) does not, as invoices are another step's."""
    whole = RegeneratedParents(banking, scale=0.3)
    step = RegeneratedParents(banking, scale=0.3, keeps_for={"transactions"})
    for source in (whole, step):
        rows = sum(len(f) for f in source.generator("transactions").frames())
        assert rows == whole.generator("transactions").total_rows > 0
    assert whole.kept_chunks > 0
    assert step.kept_chunks == 0


@pytest.mark.parametrize(
    ("values", "packed"),
    [
        (np.array([12.34, 0.01, -5.0, 1e6 + 0.5]), True),
        (np.array([0.1 + 0.2, 1.0]), False),  # not a whole number of cents
        (np.array([-0.0, 1.25]), False),  # -0.0 would come back as 0.0
        (np.array([np.nan, 1.0]), False),
        (np.array([3e7, 1.0]), False),  # more cents than an int32 holds
        (np.array(["2024-01-01T10:00:00", "2026-02-28T23:59:59"], dtype="datetime64[s]"), True),
        (np.array(["2024-01-01", "NaT"], dtype="datetime64[s]"), False),
        (np.array(["1900-01-01", "2100-01-01"], dtype="datetime64[s]"), False),
        (np.array([3, 4], dtype=np.int64), False),
    ],
)
def test_kept_columns_are_packed_only_when_they_come_back_exact(values, packed):
    from seed_assets.engine.packed import pack

    series = pd.Series(values, name="c")
    kept = pack(series)
    assert (kept.nbytes == 4 * len(values)) is packed
    back = kept.series("c")
    pd.testing.assert_series_equal(back, series)
    assert back.to_numpy().view(np.uint8).tobytes() == values.view(np.uint8).tobytes()
    text = pd.Series(text_array(["a", None]), name="t")
    pd.testing.assert_series_equal(pack(text).series("t"), text)


def test_unique_text_beyond_the_pool_stays_unique():
    spec = spec_from_dict(
        {
            "name": "people",
            "seed": 3,
            "tables": {
                "people": {
                    "rows": 900,
                    "primary_key": "id",
                    "columns": {
                        "id": {"type": "string", "sequence": "P{}"},
                        "email": {
                            "type": "string",
                            "length": 60,
                            "faker": "email",
                            "unique": True,
                            "pool_size": 100,
                        },
                        "code": {
                            "type": "string",
                            "faker": "word",
                            "unique": True,
                            "pool_size": 50,
                        },
                    },
                }
            },
        }
    )
    frame = generate_all(spec)["people"]
    assert frame["email"].is_unique and frame["code"].is_unique
    assert frame["email"].str.fullmatch(r"[^@\s]+@[^@\s]+").all()
    assert frame["code"].str.contains(r" #\d+$").sum() > 0
