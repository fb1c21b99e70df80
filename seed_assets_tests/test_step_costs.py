"""What a Dagster step no longer spends, each saving shown to keep its check as strong: sequence
keys located in Arrow (no Python str per row) still refuse every key that is not exactly one of
the parent's, parent chunks a child chunk straddles are made once for every reader. (The time is
measured by benchmarks/bench_dagster.py.)"""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np
import pandas as pd
import pyarrow as pa
import pytest

from seed_assets.engine.keys import padded_numbers, sequence_positions
from seed_assets.engine.regenerated import RegeneratedParents
from seed_assets.spec.models import SequenceSpec
from seed_assets.validation.stream import TableChecker
from seed_assets_tests.chunk_counting import chunks_made

# Not one of CUST{:06d}'s keys among 1,000 rows, each for its own reason: too few digits, too
# many, out of range, zero (the sequence starts at 1), another prefix, a sign, spaces, a suffix.
NOT_KEYS = ["CUST1", "CUST0000001", "CUST001001", "CUST000000", "ACC000001", "CUST-00001"]
NOT_KEYS += ["CUST 00001", "CUST000001 ", "", "X"]


@pytest.mark.parametrize("as_arrow", [False, True])
def test_sequence_keys_are_located_exactly_from_objects_or_arrow(banking, as_arrow):
    column = banking.tables["customers"].columns["customer_id"]
    found = ["CUST000001", "CUST000042", "CUST001000", None, *NOT_KEYS]
    given = pa.array(found, pa.large_string()) if as_arrow else np.array(found, dtype=object)
    positions = sequence_positions(column, given, 1000)
    assert positions.tolist() == [0, 41, 999] + [-1] * (1 + len(NOT_KEYS))


def test_arrow_chunked_and_plain_strings_are_located_alike(banking):
    column = banking.tables["customers"].columns["customer_id"]
    found = ["CUST000007", "CUST7", None, "CUST000999"]
    chunked = pa.chunked_array([pa.array(found[:2]), pa.array(found[2:])])  # string, not large
    assert sequence_positions(column, chunked, 1000).tolist() == [6, -1, -1, 998]


def _checked(spec, name: str, scale: float, damage) -> dict:
    """`name` made from regenerated parents, each frame passed through `damage(frame, offset)`
    and fed to its checks: the orphan check's counts and its samples' rows."""
    source = RegeneratedParents(spec, scale=scale)
    generator = source.generator(name)
    checker = TableChecker(spec, name, source, scale=scale, expected_rows=generator.total_rows)
    offset = 0
    for frame in generator.frames(max_rows=500):
        frame = damage(frame.copy(), offset)
        offset += len(frame)
        checker.add(frame)
    (orphans,) = [r for r in checker.conclude() if r.rule == "orphan_fks"]
    return {"counts": orphans.counts, "rows": sorted(s["row"] for s in orphans.samples)}


def test_a_driving_fk_that_parses_to_a_parent_but_is_not_its_key_is_an_orphan(banking):
    """transactions.account_id comes in runs (one lookup per run, in Arrow): a key written with
    too few digits (``ACC1``: parses to row 0), one past the last account, a run broken in the
    middle; each is an orphan at its own row."""
    bad = {700: "ACC1", 1201: "ACC99999999", 1400: "ACC00000001 "}
    damage = _writing("account_id", bad)
    got = _checked(banking, "transactions", 0.05, damage)
    assert got["counts"]["orphans: account_id -> accounts"] == len(bad)
    assert got["rows"] == sorted(bad)
    clean = _checked(banking, "transactions", 0.05, lambda frame, offset: frame)
    assert clean["counts"]["orphans: account_id -> accounts"] == 0


def test_an_fk_not_in_runs_with_a_wrong_key_is_an_orphan(banking):
    """invoices.transaction_id (about one invoice for three transactions: no runs), every row's
    key parsed in Arrow: one too many digits, or another table's prefix, is an orphan."""
    bad = {3: "TXN00000000001", 400: "INV0000000001"}
    got = _checked(banking, "invoices", 0.05, _writing("transaction_id", bad))
    assert got["counts"]["orphans: transaction_id -> transactions"] == len(bad)
    assert got["rows"] == sorted(bad)


def test_parent_chunks_a_read_straddles_are_made_once_for_every_reader(banking):
    """An invoices chunk whose transactions straddle two chunks: its generator reads both,
    making transactions reads accounts, then each check reads both again. Keeping only a
    table's latest chunk made both again for every reader (46 transactions chunks made for 5
    at 10M rows)."""
    spec = banking.model_copy(update={"chunk_rows": 50})  # transactions: several chunks
    source = RegeneratedParents(spec, scale=0.2)
    source.cached_bytes = 1  # always over the bound: only the per-table rule keeps anything
    made = chunks_made(source, ["transactions", "accounts"])
    boundary = source.generator("transactions").chunks[1].row_start
    for column in ("transaction_date", "amount", "transaction_date"):  # generator, checks
        source.rows("transactions", [column], boundary - 5, boundary + 5)
        source.rows("accounts", ["opened_date"], 0, 10)
    assert made.count(("transactions", 0)) == 2  # once per column asked: never made again
    assert made.count(("transactions", 1)) == 2
    # Reads moved past the first chunk: it is no longer kept on that account, the second is.
    source.rows("transactions", ["transaction_date"], boundary + 5, boundary + 10)
    source.rows("accounts", ["opened_date"], 0, 10)
    source.rows("transactions", ["transaction_date"], boundary + 5, boundary + 10)
    assert made.count(("transactions", 1)) == 2
    source.rows("transactions", ["transaction_date"], boundary - 5, boundary)
    assert made.count(("transactions", 0)) == 3


def _outgrown_parent():
    """c's key C{:02d} passes 99 (C100 sorts before C11): c is held in key order whole."""
    from seed_assets.spec.loader import spec_from_dict

    return spec_from_dict(
        {
            "name": "outgrown",
            "chunk_rows": 30,
            "tables": {
                "c": {
                    "rows": 150,
                    "primary_key": "id",
                    "columns": {"id": {"type": "string", "sequence": "C{:02d}"}},
                },
                "a": {
                    "primary_key": "aid",
                    "columns": {
                        "aid": {"type": "string", "sequence": "A{:05d}"},
                        "cid": {"type": "string"},
                    },
                    "foreign_keys": [
                        {"columns": "cid", "references": "c(id)", "cardinality": "poisson(2)"}
                    ],
                },
            },
        }
    )


def test_keys_of_a_parent_held_in_key_order_are_located_without_an_index_of_them():
    """Past its format's width, a sequence key is located from its text and the order the
    numbers sort in (no index of every key: 230 MB for banking's 2.4M customers at 100M
    rows): the same places as its rows' in key order, and a key it never made is none."""
    spec = _outgrown_parent()
    source = RegeneratedParents(spec)
    assert source.key_column("c") is None and source.locates_arithmetically("c", ["id"])
    keys = source.rows("c", ["id"], 0, 150)["id"]
    assert list(keys.iloc[:4]) == ["C01", "C02", "C03", "C04"] and "C100" in set(keys.iloc[4:])
    found = np.array([*keys.iloc[::-1], "C1", "C151", "C00", "C001", None], dtype=object)
    positions = source.locate("c", ["id"], [found])
    assert positions.tolist() == list(range(149, -1, -1)) + [-1] * 5
    arrow = source.locate("c", ["id"], [pa.array(found, pa.large_string())])
    assert arrow.tolist() == positions.tolist()


def test_an_orphan_of_a_parent_held_in_key_order_is_caught():
    spec = _outgrown_parent()

    def damage(frame, offset):
        if offset <= 5 < offset + len(frame):
            frame.loc[5 - offset, "cid"] = "C1"  # C01 written without its zero
        return frame

    got = _checked(spec, "a", 1.0, damage)
    assert got["counts"]["orphans: cid -> c"] == 1 and got["rows"] == [5]
    assert _checked(spec, "a", 1.0, lambda frame, offset: frame)["counts"]["orphans: cid -> c"] == 0


def test_relations_read_nulls_from_the_frame_and_still_catch_wrong_shares():
    """The relations check takes a column's nulls from the frame (Arrow's validity), not from
    its values made objects: a case's null share and a logit's events are still measured
    exactly, and broken ones fail."""
    from seed_assets.engine.run import generate_all
    from seed_assets.spec.loader import spec_from_dict
    from seed_assets.validation.frames import check_table

    spec = spec_from_dict(
        {
            "name": "shares",
            "tables": {
                "t": {
                    "rows": 6000,
                    "primary_key": "id",
                    "columns": {
                        "id": {"type": "integer", "sequence": True},
                        "kind": {"type": "string", "choice": {"a": 0.5, "b": 0.5}},
                        "v": {
                            "type": "float",
                            "distribution": "normal(0, 1)",
                            "when": {"column": "kind", "cases": {"a": {"null_fraction": 0.3}}},
                        },
                        "flag": {"type": "boolean", "rate": 0.1, "logit": "2 * (kind == 'a')"},
                    },
                }
            },
        }
    )
    frame = generate_all(spec)["t"]

    def relations(data):
        (result,) = [r for r in check_table(spec, "t", data, {"t": data}) if r.rule == "relations"]
        return {m.subject: m for m in result.measurements}

    clean = relations(frame)
    assert all(m.passed for m in clean.values()), [m for m in clean.values() if not m.passed]
    a = frame["kind"] == "a"
    share = clean["v | kind = a: null share"]
    assert share.value == frame.loc[a, "v"].isna().mean()
    broken = frame.copy()
    broken.loc[a, "v"] = np.nan  # every `a` row null: share 1 against 0.3
    broken["flag"] = broken["flag"].astype("boolean")
    broken.loc[~a, "flag"] = True  # every `b` row an event
    broken.loc[a, "flag"] = pd.NA  # and no `a` row measured
    got = relations(broken)
    assert got["v | kind = a: null share"].value == 1.0
    assert not got["v | kind = a: null share"].passed
    deciles = [m for s, m in got.items() if s.startswith("flag: rate in score decile")]
    assert deciles and not all(m.passed for m in deciles)


def test_gx_compares_dates_with_their_bounds_in_nanoseconds_and_still_fails_one_outside(banking):
    """Dates reach GX in nanoseconds (it compares those with bounds vectorised, seconds value
    by value): a date outside the spec's `between` still fails its range, and one GX cannot
    hold in nanoseconds is compared as it was."""
    from seed_assets.engine.run import generate_all
    from seed_assets.validation.frames import check_table
    from seed_assets.validation.gx_suite import relational_frame
    from seed_assets.validation.inputs import TableData

    frames = generate_all(banking, scale=0.05)
    customers = frames["customers"]
    assert customers["registration_date"].dtype == "M8[s]"
    joined = relational_frame(TableData(banking, "customers", customers, {}))
    assert joined["registration_date"].dtype == "M8[ns]"

    def gx_range(frame):
        (gx,) = [
            r for r in check_table(banking, "customers", frame, frames) if r.rule == "gx_suite"
        ]
        (found,) = [m for m in gx.measurements if m.subject == "registration_date: range"]
        return found

    assert gx_range(customers).passed
    for outside in ("2019-12-31", "1500-01-01"):  # the second: no nanosecond for it
        broken = customers.copy()
        broken.loc[7, "registration_date"] = pd.Timestamp(outside).as_unit("s")
        found = gx_range(broken)
        assert not found.passed and found.value == 1, (outside, found)


def _writing(column: str, bad: dict[int, str]):
    """A chunk hook writing `bad` (table row -> key) into `column` where those rows fall."""

    def damage(frame, offset):
        for row, key in bad.items():
            if offset <= row < offset + len(frame):
                frame.loc[row - offset, column] = key
        return frame

    return damage


def _reference(seq: SequenceSpec, values: list, total: int) -> list[int]:
    """Each value looked up among every key the format writes: the slow, obvious answer."""
    keys = {seq.format.format(seq.start + i * seq.step): i for i in range(total)}
    return [keys.get(v, -1) for v in values]


@pytest.mark.parametrize(
    "prefix, width, suffix, start, step",
    [("CUST", 6, "", 1, 1), ("A", 4, "-x", 10, 5), ("", 8, "", 0, 1)],
)
def test_keys_of_one_width_are_read_from_their_bytes_exactly(prefix, width, suffix, start, step):
    """Keys all written at the format's width are parsed from the bytes (no regex, no
    formatting back), and still located exactly: before the first key, past the last, off the
    step, in a slice of the array; one byte wrong anywhere sends the whole array the general
    way, with the same answers."""
    fmt = f"{prefix}{{:0{width}d}}{suffix}"
    seq = SequenceSpec(format=fmt, start=start, step=step)
    column = SimpleNamespace(sequence=seq)
    total = 1000
    numbers = np.random.default_rng(3).integers(0, start + step * (total + 5), 3000)
    values = [fmt.format(int(v)) for v in numbers]
    keys = pa.array(values, pa.large_string())
    assert padded_numbers(keys, prefix, suffix, width).tolist() == numbers.tolist()  # the fast way
    narrow = pa.array(values[:100], pa.string())  # 32-bit offsets, as a frame's text may come
    assert padded_numbers(narrow, prefix, suffix, width).tolist() == numbers[:100].tolist()
    expected = _reference(seq, values, total)
    assert 0 < expected.count(-1) < len(expected)  # keys and not keys alike
    assert sequence_positions(column, keys, total).tolist() == expected
    assert sequence_positions(column, keys.slice(17, 400), total).tolist() == expected[17:417]
    for at in range(len(values[0])):
        for byte in "/:Z ":
            wrong = values[0][:at] + byte + values[0][at + 1 :]
            given = pa.array([wrong, *values[1:50]], pa.large_string())
            assert padded_numbers(given, prefix, suffix, width) is None
            got = sequence_positions(column, given, total)
            assert got.tolist() == _reference(seq, given.to_pylist(), total), wrong
