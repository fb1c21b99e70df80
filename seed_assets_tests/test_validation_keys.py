"""The Arrow key helpers behind the integrity report, against plain-Python references."""

from __future__ import annotations

import itertools

import numpy as np
import pandas as pd
import pyarrow as pa
from hypothesis import given, settings
from hypothesis import strategies as st

from seed_assets.validation import keys

SMALL = st.sampled_from(["a", "b", "c", "d", None])


def _reference_lookup(child_rows, parent_rows):
    first = {}
    for i, row in enumerate(parent_rows):
        first.setdefault(row, i)
    positions, null = [], []
    for row in child_rows:
        is_null = any(v is None for v in row)
        null.append(is_null)
        positions.append(-1 if is_null else first.get(row, -1))
    return positions, null


@settings(max_examples=60, deadline=None)
@given(
    parent=st.lists(st.tuples(st.sampled_from("abc"), st.integers(0, 3)), max_size=12),
    child=st.lists(st.tuples(SMALL, st.one_of(st.none(), st.integers(0, 4))), max_size=30),
)
def test_composite_lookup_matches_a_dict(parent, child):
    p_cols = [
        pa.array([r[0] for r in parent], pa.large_string()),
        pa.array([r[1] for r in parent], pa.int64()),
    ]
    c_cols = [
        pa.array([r[0] for r in child], pa.large_string()),
        pa.array([r[1] for r in child], pa.int64()),
    ]
    if not child:
        return
    positions, null = keys.lookup(c_cols, p_cols)
    expected_positions, expected_null = _reference_lookup(child, parent)
    assert positions.tolist() == expected_positions
    assert null.tolist() == expected_null


@settings(max_examples=60, deadline=None)
@given(
    parent=st.lists(st.sampled_from("abcdef"), max_size=6, unique=True),
    child=st.lists(SMALL, min_size=1, max_size=3000),
)
def test_lookup_by_runs_equals_row_by_row(parent, child):
    child = sorted(child, key=lambda v: (v is None, v or ""))  # runs, as driving FKs come
    series = pd.Series(child, dtype=object)
    parent_array = pa.array(parent, pa.large_string())
    encoded = keys.runs(series)
    by_runs = keys.lookup_runs(encoded, parent_array)
    plain = keys.lookup([keys.to_arrow(series)], [parent_array])
    assert by_runs[0].tolist() == plain[0].tolist()
    assert by_runs[1].tolist() == plain[1].tolist()
    assert encoded.null_count == sum(v is None for v in child)
    if len(child) >= 1024:
        assert encoded.lengths is not None  # few distinct values in long runs: compressed


@settings(max_examples=80, deadline=None)
@given(st.lists(st.one_of(st.none(), st.integers(0, 6)), max_size=40), st.booleans())
def test_repeated_rows_are_pandas_duplicated_keep_first(values, composite):
    frame = pd.DataFrame(
        {"a": pd.array(values, dtype="Int64"), "b": [v is not None and v % 2 == 1 for v in values]}
    )
    columns = ["a", "b"] if composite else ["a"]
    arrays = [keys.to_arrow(frame[c]) for c in columns]
    got = keys.repeated_rows(arrays)
    present = frame[columns].notna().all(axis=1)
    expected = np.flatnonzero(frame[columns].duplicated(keep="first") & present)
    assert got.tolist() == expected.tolist()


def test_strictly_increasing_objects_prove_no_repeats_and_refuse_none():
    assert keys.increasing_objects(np.array(["A1", "A2", "B"], dtype=object))
    assert not keys.increasing_objects(np.array(["A1", "A1"], dtype=object))
    assert not keys.increasing_objects(np.array(["A1", None, "B"], dtype=object))


def test_lookup_refuses_keys_of_another_type():
    try:
        keys.lookup([pa.array([1, 2])], [pa.array(["1", "2"], pa.large_string())])
    except TypeError as exc:
        assert "cannot be looked up" in str(exc)
    else:
        raise AssertionError("an int FK against string keys must not look up")


@settings(max_examples=200, deadline=None)
@given(
    values=st.lists(st.one_of(st.none(), st.sampled_from(["a", "b", "ab", "", "é", "z" * 40]))),
    cuts=st.lists(st.integers(0, 60), max_size=4),
)
def test_repeated_text_rows_in_parts_equals_repeated_rows_of_the_whole(values, cuts):
    """The bounded-memory duplicate search over a streamed check's parts finds exactly the rows
    dictionary encoding of the whole column finds (every later occurrence, nulls never)."""
    whole = pa.array(values, type=pa.large_string())
    bounds = sorted({min(c, len(values)) for c in cuts} | {0, len(values)})
    parts = [whole.slice(a, b - a) for a, b in itertools.pairwise(bounds)] or [whole]
    found = keys.repeated_text_rows(parts)
    assert found.tolist() == keys.repeated_rows([whole]).tolist()
    expected = [i for i, v in enumerate(values) if v is not None and v in values[:i]]
    assert found.tolist() == expected
