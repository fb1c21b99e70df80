"""Bounded memory without changing a row: output streamed from regenerated parents equals the
output made from parents handed over whole, whatever the frame size; checks aggregated per chunk
equal the checks of the whole frame fed at once; the gate still holds before commit, and the
Parquet output round-trips. (Memory and speed are measured by bench_scale.py.)"""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from dagster import materialize
from typer.testing import CliRunner

from seed_assets.assets import build_table_assets
from seed_assets.cli import app
from seed_assets.engine.keys import sequence_positions
from seed_assets.engine.parents import FrameParents
from seed_assets.engine.regenerated import RegeneratedParents
from seed_assets.engine.run import generate_all, iter_spec
from seed_assets.engine.table import TableGenerator
from seed_assets.errors import TargetError
from seed_assets.resources import GenerationResource, TargetResource
from seed_assets.sources.files import load_spec
from seed_assets.spec.graph import topological_order
from seed_assets.targets.base import Target
from seed_assets.targets.parquet import ParquetTarget
from seed_assets.validation import accumulators
from seed_assets.validation.frames import check_table, table_checker
from seed_assets.validation.stream import ParentCounts, TableChecker, check_frames
from seed_assets_tests.chunk_counting import chunks_made
from seed_assets_tests.conftest import BANKING, SHOP
from seed_assets_tests.dbcompare import assert_same_tables, read_all

GATE = SHOP.parent / "bank_gate.yaml"


def _with_chunks(spec, chunk_rows: int):
    return spec.model_copy(update={"chunk_rows": chunk_rows})


def _streamed(spec, **kwargs) -> dict[str, pd.DataFrame]:
    out = {}
    for generator, frames in iter_spec(spec, **kwargs):
        parts = list(frames)
        out[generator.name] = (
            pd.concat(parts, ignore_index=True) if parts else generator.empty_frame()
        )
    return out


def _handed_over(spec, scale: float = 1.0) -> dict[str, pd.DataFrame]:
    """Every table made from its parents' rows given whole, as frames (``FrameParents``): an
    independent route to the rows the streamed run regenerates slice by slice."""
    frames: dict[str, pd.DataFrame] = {}
    for name in topological_order(spec):
        frames[name] = TableGenerator(spec, name, frames, scale=scale).frame()
    return frames


def _figures(results) -> list[tuple]:
    return [(r.name, r.status, [m.to_dict() for m in r.measurements]) for r in results]


def _counts(results) -> list[dict]:
    ignore = {"sample_rows", "sample_every", "table_rows"}
    return [{k: v for k, v in r.counts.items() if k not in ignore} for r in results]


# -- the engine ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("path", "chunk_rows", "max_rows"),
    [(BANKING, 300, 97), (BANKING, 100_000, None), (SHOP, 13, 5), (GATE, 40, 64)],
)
def test_streamed_output_equals_whole_table_output(path, chunk_rows, max_rows):
    """iter_spec regenerates parents slice by slice; _handed_over gives them whole."""
    spec = _with_chunks(load_spec(path), chunk_rows)
    whole = _handed_over(spec, scale=0.5 if path == BANKING else 1)
    streamed = _streamed(spec, scale=0.5 if path == BANKING else 1, max_rows=max_rows)
    assert list(streamed) == list(whole)
    for name in whole:
        pd.testing.assert_frame_equal(streamed[name], whole[name])


def test_a_chunk_alone_and_any_subset_of_its_columns_equal_the_whole(banking):
    spec = _with_chunks(banking, 200)
    whole = generate_all(spec)["transactions"]
    source = RegeneratedParents(spec)
    generator = source.generator("transactions")
    chunk = generator.chunks[3]
    rows = slice(chunk.row_start, chunk.row_start + chunk.rows)
    alone = generator.chunk_frame(chunk)
    pd.testing.assert_frame_equal(alone, whole.iloc[rows].reset_index(drop=True))
    subset = generator.chunk_frame(chunk, columns=["transaction_date", "customer_id"])
    pd.testing.assert_frame_equal(
        subset, whole.iloc[rows][["customer_id", "transaction_date"]].reset_index(drop=True)
    )
    as_positions = generator.chunk_frame(
        chunk, columns=["transaction_id", "account_id"], positions=["transaction_id", "account_id"]
    )
    keys = source.keys_at("transactions", as_positions["transaction_id"].to_numpy())
    accounts = source.keys_at("accounts", as_positions["account_id"].to_numpy())
    assert list(keys) == list(whole["transaction_id"].iloc[rows])
    assert list(accounts) == list(whole["account_id"].iloc[rows])


def test_reference_fks_and_unordered_parents_stream_too(shop):
    """order_items picks products uniformly over all of them (a sequence key, computed from
    positions); shipments reads order_items, whose composite key is not a sequence (kept whole)."""
    spec = _with_chunks(shop, 11)
    source = RegeneratedParents(spec)
    assert source.key_column("products") == "sku"
    assert source.key_column("order_items") is None
    whole = _handed_over(spec)
    for name in ("order_items", "shipments"):
        got = source.generator(name).frame()
        pd.testing.assert_frame_equal(got, whole[name])


def test_sequence_keys_are_located_arithmetically_and_exactly(banking):
    column = banking.tables["customers"].columns["customer_id"]
    found = np.array(
        ["CUST000001", "CUST000042", "CUST1", "CUST001001", "CUST000000", None, "X", "CUST00004"],
        dtype=object,
    )
    assert list(sequence_positions(column, found, 1000)) == [0, 41, -1, -1, -1, -1, -1, -1]


def test_parent_counts_grow_their_integers_when_needed():
    counts = ParentCounts(5)
    counts.add(np.array([1] * 200 + [3]))
    counts.add(np.array([1] * 100 + [0, 4, 4]))  # 300 children: more than a uint8 holds
    assert counts.counts.tolist() == [1, 300, 0, 1, 2]
    counts.add(np.array([4, 0, -1]))  # scattered positions; -1 (no parent) is not counted
    assert counts.counts.tolist() == [2, 300, 0, 1, 3]


def test_parent_counts_add_partitions_counts_block_by_block(monkeypatch):
    """A partition's counts added at its first parent, in blocks of 3 here: uint8 while the
    sums fit, 8 bytes once one does not, in whichever block it comes."""
    monkeypatch.setattr(accumulators, "ADD_BLOCK", 3)
    counts = ParentCounts(8)
    counts.add_at(2, np.array([1, 2, 3, 4, 5], dtype=np.uint8))
    counts.add_at(0, np.array([7, 7, 7, 7], dtype=np.uint8))
    assert counts.counts.dtype == np.uint8
    assert counts.counts.tolist() == [7, 7, 8, 9, 3, 4, 5, 0]
    counts.add_at(6, np.array([200, 1], dtype=np.uint8))
    counts.add_at(6, np.array([100, 1], dtype=np.uint8))
    assert counts.counts.dtype == np.int64
    assert counts.counts.tolist() == [7, 7, 8, 9, 3, 4, 305, 2]


# -- checks per chunk -----------------------------------------------------------------------------


@pytest.mark.parametrize(("path", "step"), [(BANKING, 997), (SHOP, 77), (GATE, 250)])
def test_checks_per_chunk_equal_the_whole_frame_checks(path, step):
    """Fed in chunks, or the whole frame at once; parents as frames, or made again: the same
    results and plots."""
    spec = load_spec(path)
    scale = 0.15 if path == BANKING else 1
    frames = generate_all(spec, scale=scale)
    for name, frame in frames.items():
        whole = check_table(spec, name, frame, frames, scale=scale)
        chunks = [frame.iloc[i : i + step] for i in range(0, len(frame), step)]
        one = table_checker(spec, name, frame, frames, scale=scale)  # the whole frame at once
        one.conclude()
        profile = one.profile(seed=3)
        for source in (FrameParents(spec, frames), RegeneratedParents(spec, scale=scale)):
            checker = TableChecker(spec, name, source, scale=scale, expected_rows=len(frame))
            for chunk in chunks:
                checker.add(chunk)
            streamed = checker.conclude()
            assert _figures(streamed) == _figures(whole), name
            assert _counts(streamed) == _counts(whole), name
            # The HTML report's plots: the same from chunks as from the whole frame.
            assert checker.profile(seed=3) == profile, name
        assert all(r.passed for r in whole), name
        assert not profile["errors"], name


def test_a_sampled_profile_counts_every_child_and_plots_the_samples_gaps():
    spec = load_spec(GATE)
    frames = generate_all(spec)
    frame = frames["transactions"]
    one = table_checker(spec, "transactions", frame, frames)
    one.conclude()
    whole = one.profile()
    checker = TableChecker(
        spec, "transactions", FrameParents(spec, frames), expected_rows=len(frame), sample_limit=500
    )
    for i in range(0, len(frame), 700):
        checker.add(frame.iloc[i : i + 700])
    checker.conclude()
    sampled = checker.profile()
    assert sampled["fks"] == whole["fks"]  # children per parent: every row, not the sample
    every = -(-len(frame) // 500)
    (gap,) = sampled["gaps"]
    assert gap["every"] == every and whole["gaps"][0]["every"] == 1
    assert gap["rows"] == len(range(0, len(frame), every)) < whole["gaps"][0]["rows"]


def _damaged(gate_frames):
    frame = gate_frames["transactions"].copy()
    n = len(frame)
    frame.loc[n - 10, "account_id"] = "ACC99999999"  # an orphan in the last chunk
    frame.loc[n - 20, "transaction_id"] = frame.loc[5, "transaction_id"]  # repeats chunk 0
    frame.loc[n - 30, "transaction_date"] = pd.Timestamp("2019-01-01")
    owner = frame.loc[n - 40, "customer_id"]
    frame.loc[n - 40, "customer_id"] = "CUST000001" if owner != "CUST000001" else "CUST000002"
    frame.loc[100:400, "is_fraud"] = True
    return frame


def test_failures_in_late_chunks_are_counted_as_the_whole_frame_counts_them():
    spec = load_spec(GATE)
    frames = generate_all(spec)
    frames["transactions"] = broken = _damaged(frames)
    whole = check_table(spec, "transactions", broken, frames)
    chunks = [broken.iloc[i : i + 500] for i in range(0, len(broken), 500)]
    streamed = check_frames(
        spec, "transactions", chunks, FrameParents(spec, frames), expected_rows=len(broken)
    )
    assert _figures(streamed) == _figures(whole)
    failed = {r.rule for r in streamed if not r.passed}
    assert {"orphan_fks", "duplicate_keys", "temporal", "denormalised_fks", "rare_events"} <= failed
    orphans = next(r for r in streamed if r.rule == "orphan_fks")
    assert orphans.counts["orphans: account_id -> accounts"] == 1
    assert orphans.samples[0]["row"] == len(broken) - 10  # the row number in the table


def test_pandera_and_gx_run_on_a_bounded_sample_and_say_so():
    spec = load_spec(GATE)
    frames = generate_all(spec)
    frame = frames["transactions"]
    chunks = [frame.iloc[i : i + 700] for i in range(0, len(frame), 700)]
    results = check_frames(
        spec,
        "transactions",
        chunks,
        FrameParents(spec, frames),
        expected_rows=len(frame),
        sample_limit=1000,
    )
    by_rule = {r.rule: r for r in results}
    every = -(-len(frame) // 1000)
    for rule in ("pandera_schema", "gx_suite"):
        sampled = by_rule[rule]
        assert sampled.passed, sampled.failures()
        assert sampled.counts["sample_every"] == every
        assert sampled.counts["sample_rows"] == len(range(0, len(frame), every)) <= 1000
        assert sampled.counts["table_rows"] == len(frame)
        assert f"every {every:,}th row" in sampled.description
    assert by_rule["null_rates"].counts["rows"] == len(frame)  # integrity: every row


# -- the gate, streamed ----------------------------------------------------------------------------


def _late_orphan(spec):
    """A hook breaking one row of the last chunk of transactions only."""
    last = RegeneratedParents(spec).generator("transactions").chunks[-1]
    seen = {"rows": 0}

    def hook(name, frame):
        if name != "transactions":
            return frame
        start = seen["rows"]
        seen["rows"] += len(frame)
        if start <= last.row_start < start + len(frame):
            frame = frame.copy()
            frame.loc[last.row_start - start, "account_id"] = "ACC99999999"
        return frame

    return hook


@pytest.mark.parametrize("kind", ["sqlite", "parquet", "postgresql"])
def test_an_orphan_in_a_late_chunk_is_caught_and_nothing_is_committed(kind, tmp_path, request):
    spec = _with_chunks(load_spec(GATE), 60)  # transactions: 7 chunks
    url = {
        "sqlite": f"sqlite:///{tmp_path / 'bank.sqlite'}",
        "parquet": f"parquet://{tmp_path / 'out'}",
    }.get(kind) or request.getfixturevalue("pg_url")
    resources = {"target": TargetResource(url=url), "generation": GenerationResource()}
    parents = ["customers", "accounts"]
    assets = build_table_assets(spec, frame_hook=_late_orphan(spec))
    assert materialize(assets, selection=parents, resources=resources).success
    result = materialize(
        assets, selection=["transactions"], resources=resources, raise_on_error=False
    )
    assert not result.success
    checks = {e.asset_check_key.name: e for e in result.get_asset_check_evaluations()}
    orphans = checks["transactions_orphan_fks"]
    assert not orphans.passed
    assert orphans.metadata["orphans: account_id -> accounts"].value == 1
    last = RegeneratedParents(spec).generator("transactions").chunks[-1]
    assert orphans.metadata["failing_samples"].value[0]["row"] == last.row_start
    db = Target.for_url(url)
    try:
        assert "transactions" not in db.status()
        if kind == "parquet":
            assert db.files(spec, "transactions") == []
            assert not list((tmp_path / "out").rglob("*.tmp"))  # no half-written file left
        else:
            assert db.row_counts(["transactions"])["transactions"] in (None, 0)
    finally:
        db.dispose()


# -- Parquet ---------------------------------------------------------------------------------------


def test_parquet_round_trip_and_ranges_equal_the_generated_frames(shop, tmp_path):
    target = ParquetTarget(f"parquet://{tmp_path}")
    for generator, frames in iter_spec(shop, max_rows=40):
        result = target.write_table(shop, generator.name, frames, seed=shop.seed, scale=1.0)
        assert result.committed and result.rows == generator.total_rows
    whole = generate_all(shop)
    for name, frame in whole.items():
        pd.testing.assert_frame_equal(target.read_columns(shop, name, list(frame.columns)), frame)
        part = target.read_range(shop, name, list(frame.columns), 7, 123)
        pd.testing.assert_frame_equal(part, frame.iloc[7:123].reset_index(drop=True))
    assert (tmp_path / "shop" / "orders.parquet").is_file()
    assert target.status()["orders"].status == "complete"


def test_parquet_keeps_nothing_when_not_approved_and_never_overwrites_others(banking, tmp_path):
    target = ParquetTarget(f"parquet://{tmp_path}")
    frames = generate_all(banking)
    result = target.write_table(
        banking, "customers", [frames["customers"]], seed=42, scale=1.0, approve=lambda: False
    )
    assert not result.committed
    assert list(tmp_path.rglob("*.parquet")) == []
    (tmp_path / "banking").mkdir(exist_ok=True)
    (tmp_path / "banking" / "accounts.parquet").write_bytes(b"someone else's file")
    with pytest.raises(TargetError, match="not written by seed-assets"):
        target.write_table(banking, "accounts", [frames["accounts"]], seed=42, scale=1.0)
    assert (tmp_path / "banking" / "accounts.parquet").read_bytes() == b"someone else's file"
    target.write_table(banking, "customers", [frames["customers"]], seed=42, scale=1.0)
    with pytest.raises(TargetError, match="--if-exists replace"):
        target.write_table(banking, "customers", [frames["customers"]], seed=42, scale=1.0)


def test_cli_generates_to_parquet(tmp_path):
    url = f"parquet://{tmp_path / 'out'}"
    done = CliRunner().invoke(app, ["generate", str(SHOP), "--target", url])
    assert done.exit_code == 0, done.output
    shop = load_spec(SHOP)
    target = ParquetTarget(url)
    for name, frame in generate_all(shop).items():
        pd.testing.assert_frame_equal(target.read_columns(shop, name, list(frame.columns)), frame)


def test_cli_validates_parquet_and_finds_an_orphan_written_there(tmp_path):
    url = f"parquet://{tmp_path / 'out'}"
    done = CliRunner().invoke(app, ["generate", str(GATE), "--target", url, "--validate"])
    assert done.exit_code == 0, done.output
    report = tmp_path / "out" / "seed_assets.report.json"
    assert '"approved": true' in report.read_text()
    assert (tmp_path / "out" / "seed_assets.report.html").exists()
    # An orphan written into the file behind the tool's back: validate reads the files.
    path = tmp_path / "out" / "bank_gate" / "transactions.parquet"
    table = pq.read_table(path)
    accounts = table.column("account_id").to_pylist()
    accounts[-1] = "ACC99999999"
    pq.write_table(table.set_column(1, "account_id", pa.array(accounts)), path)
    checked = CliRunner().invoke(app, ["validate", str(GATE), "--target", url])
    assert checked.exit_code == 1, checked.output
    assert "orphan" in checked.output and "transactions" in checked.output


@pytest.mark.parametrize("name", ["hr_cycle", "league_cycle"])
def test_fk_cycles_go_to_parquet_filled_and_checked(name, tmp_path):
    """Nullable cycles: the file is rewritten with the links filled; NOT NULL ones: all files."""
    path = SHOP.parent / f"{name}.yaml"
    url = f"parquet://{tmp_path / 'out'}"
    done = CliRunner().invoke(app, ["generate", str(path), "--target", url, "--validate"])
    assert done.exit_code == 0, done.output
    spec = load_spec(path)
    target = ParquetTarget(url)
    assert {e.status for e in target.status().values()} == {"complete"}
    for table, frame in generate_all(spec).items():
        pd.testing.assert_frame_equal(target.read_columns(spec, table, list(frame.columns)), frame)
    # The same through Dagster's links and cycle assets.
    again = f"parquet://{tmp_path / 'dagster'}"
    resources = {"target": TargetResource(url=again), "generation": GenerationResource()}
    assert materialize(build_table_assets(spec), resources=resources).success
    for table, frame in generate_all(spec).items():
        written = ParquetTarget(again).read_columns(spec, table, list(frame.columns))
        pd.testing.assert_frame_equal(written, frame)


def test_keys_that_outgrow_their_format_still_stream_identically():
    """C{:02d} past 99 rows no longer sorts as numbers: the parent is put in key order whole
    (only the columns children read), and the streamed children equal the in-memory ones."""
    from seed_assets.spec.loader import spec_from_dict

    spec = spec_from_dict(
        {
            "name": "wide",
            "chunk_rows": 7,
            "tables": {
                "c": {
                    "rows": 120,
                    "primary_key": "id",
                    "columns": {
                        "id": {"type": "string", "sequence": "C{:02d}"},
                        "d": {"type": "date", "between": ["2020-01-01", "2021-01-01"]},
                    },
                },
                "a": {
                    "primary_key": "aid",
                    "columns": {
                        "aid": {"type": "string", "sequence": "A{:05d}"},
                        "cid": {"type": "string"},
                        "o": {"type": "date", "after": "c.d", "until": "2022-01-01"},
                    },
                    "foreign_keys": [
                        {"columns": "cid", "references": "c(id)", "cardinality": "poisson(2)"}
                    ],
                },
            },
        }
    )
    assert not RegeneratedParents(spec).generator("c").in_key_order
    whole = _handed_over(spec)
    streamed = _streamed(spec, max_rows=5)
    for name in whole:
        pd.testing.assert_frame_equal(streamed[name], whole[name])


def _outgrown_spec():
    from seed_assets.spec.loader import spec_from_dict

    return spec_from_dict(
        {
            "name": "outgrown",
            "chunk_rows": 40,
            "tables": {
                "c": {
                    "rows": 300,
                    "primary_key": "id",
                    "columns": {"id": {"type": "string", "sequence": "C{:02d}"}},
                }
            },
        }
    )


@pytest.mark.parametrize("step", [1, 37, 300])
def test_a_key_past_its_format_width_is_unique_chunk_by_chunk(step):
    """C99 sorts after C100 as text: the streamed check follows the sequence's numbers instead
    (at 100M banking rows, CUST{:06d} passes 999,999 and was taken for repeated keys)."""
    spec = _outgrown_spec()
    frame = generate_all(spec)["c"]
    chunks = [frame.iloc[i : i + step] for i in range(0, len(frame), step)]
    results = check_frames(spec, "c", chunks, FrameParents(spec, {}), expected_rows=len(frame))
    keys = next(r for r in results if r.rule == "duplicate_keys")
    assert keys.passed, keys.failures()
    # A real repeat past the width is still one.
    broken = frame.copy()
    broken.loc[250, "id"] = broken.loc[120, "id"]
    chunks = [broken.iloc[i : i + step] for i in range(0, len(broken), step)]
    results = check_frames(spec, "c", chunks, FrameParents(spec, {}), expected_rows=len(frame))
    keys = next(r for r in results if r.rule == "duplicate_keys")
    assert not keys.passed
    assert keys.counts["duplicates: id"] == 1
    assert [s["row"] for s in keys.samples] == [250]


def test_children_per_parent_statistics_need_no_copy_of_the_counts(monkeypatch):
    """The histogram and variance of per-parent counts, computed a slice at a time, equal
    NumPy's on the whole array (70M parents would otherwise cost 560 MB of copies)."""
    from seed_assets.validation import integrity

    monkeypatch.setattr(integrity, "HISTOGRAM_SLICE", 1000)
    counts = np.random.default_rng(1).poisson(3.0, 10_007).astype(np.uint8)
    counts[-1] = 40  # the largest count in the last slice only
    histogram = integrity.count_histogram(counts)
    assert histogram.tolist() == np.bincount(counts).tolist()
    assert integrity.histogram_variance(histogram) == pytest.approx(float(counts.var()))


def test_database_judged_checks_stream_the_same_in_dagster_and_the_cli(tmp_path):
    """A CHECK only the database understands drops parent rows chunk by chunk; their children
    are made from the surviving parents only (the filter runs again on each parent chunk made
    for them), in Dagster as in the CLI, with small chunks."""
    from seed_assets.spec.loader import spec_from_dict

    spec = spec_from_dict(
        {
            "name": "judged",
            "chunk_rows": 25,
            "tables": {
                "p": {
                    "rows": 200,
                    "primary_key": "id",
                    "checks": ["abs(v - 50) > 3"],  # not in the engine's grammar: opaque
                    "columns": {
                        "id": {"type": "integer", "sequence": True},
                        "v": {"type": "integer", "distribution": "uniform(0, 100)"},
                    },
                },
                "c": {
                    "primary_key": "cid",
                    "columns": {
                        "cid": {"type": "integer", "sequence": True},
                        "p_id": {"type": "integer"},
                        "v": {"type": "integer", "distribution": "uniform(0, 9)"},
                    },
                    "foreign_keys": [
                        {"columns": "p_id", "references": "p(id)", "cardinality": "fixed(2)"}
                    ],
                },
            },
        }
    )
    cli_url = f"sqlite:///{tmp_path / 'cli.sqlite'}"
    dagster_url = f"sqlite:///{tmp_path / 'dagster.sqlite'}"
    spec_path = tmp_path / "judged.json"
    spec_path.write_text(json.dumps(spec.model_dump(mode="json", exclude_none=True)))
    result = CliRunner().invoke(app, ["generate", str(spec_path), "--target", cli_url])
    assert result.exit_code == 0, result.output
    resources = {"target": TargetResource(url=dagster_url), "generation": GenerationResource()}
    assert materialize(build_table_assets(spec), resources=resources).success
    cli, dagster = read_all(spec, cli_url), read_all(spec, dagster_url)
    assert_same_tables(dagster, cli)
    parents = cli["p"]
    assert 150 < len(parents) < 200 and ((parents["v"] - 50).abs() > 3).all()
    assert set(cli["c"]["p_id"]) == set(parents["id"]) and len(cli["c"]) == 2 * len(parents)


def test_a_tables_latest_parent_chunk_outlives_reads_of_other_parents(banking):
    """Checking invoices reads a transactions chunk, then an accounts chunk (GX's sample joins
    it), then the same transactions chunk again for the next invoices chunk: over the byte bound
    the cache must still keep each table's latest chunk, not make transactions again each time
    (it did: invoices at 10M rows spent most of its step regenerating them)."""
    source = RegeneratedParents(banking, scale=0.2)
    source.cached_bytes = 1  # always over the bound: only the per-table rule keeps anything
    made = chunks_made(source, ["transactions", "accounts"])  # (table, chunk index)
    for _ in range(3):
        source.rows("transactions", ["transaction_date"], 0, 10)
        source.rows("accounts", ["opened_date"], 0, 10)
    assert sorted(made) == [("accounts", 0), ("transactions", 0)]  # each made once
    source.rows("transactions", ["amount"], 0, 10)  # another column of the kept chunk
    assert made.count(("transactions", 0)) == 2  # only the column it did not hold was made
