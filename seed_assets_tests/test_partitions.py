"""Partitioned tables: any partition made alone, anywhere, equals those rows of the whole table;
written in its own transaction; the union is the unpartitioned table; whole-table checks after."""

from __future__ import annotations

import sqlite3

import pandas as pd
import pytest
from dagster import DagsterInstance, execute_job, instance_for_test, materialize, reconstructable

from seed_assets.assets import build_table_assets
from seed_assets.definitions import TARGET_ENV, build_definitions
from seed_assets.engine.partitions import chunk_range, partition_keys, plan_partition
from seed_assets.engine.regenerated import RegeneratedParents
from seed_assets.engine.run import generate_all
from seed_assets.errors import SpecError
from seed_assets.resources import GenerationResource, TargetResource
from seed_assets.sources.files import load_spec
from seed_assets.spec.loader import spec_from_dict
from seed_assets.targets.base import Target
from seed_assets_tests.conftest import BANK_PARTS
from seed_assets_tests.dbcompare import assert_same_tables, read_all

PARENTS = ["customers", "accounts"]


@pytest.fixture(scope="module")
def parts():
    return load_spec(BANK_PARTS)


@pytest.fixture(scope="module")
def whole(parts):
    return generate_all(parts)


def _resources(url: str) -> dict:
    return {"target": TargetResource(url=url), "generation": GenerationResource()}


def _materialize(assets, url, instance, selection, key=None):
    return materialize(
        assets,
        selection=selection,
        partition_key=key,
        resources=_resources(url),
        instance=instance,
        raise_on_error=False,
    )


def _build_all(parts, url, instance, *, order=None):
    """Parents, every partition (in `order`), then each table's whole-table check."""
    assets = build_table_assets(parts)
    assert _materialize(assets, url, instance, PARENTS).success
    for table in ("transactions", "invoices"):
        keys = partition_keys(parts.tables[table].partitions)
        for key in order(keys) if order else keys:
            assert _materialize(assets, url, instance, [table], key).success, (table, key)
        checked = _materialize(assets, url, instance, [f"{table}_checked"])
        assert checked.success, table
        assert all(e.passed for e in checked.get_asset_check_evaluations())
    return assets


# -- the plan -------------------------------------------------------------------------------------


@pytest.mark.parametrize(("n_chunks", "count"), [(10, 4), (3, 3), (2, 5), (0, 3), (101, 7)])
def test_partitions_cover_every_chunk_once_in_order(n_chunks, count):
    covered = [c for p in range(count) for c in chunk_range(n_chunks, count, p)]
    assert covered == list(range(n_chunks))


def test_the_union_of_partitions_is_the_table(parts, whole):
    source = RegeneratedParents(parts)
    for table in ("transactions", "invoices"):
        generator = source.generator(table)
        count = parts.tables[table].partitions
        plans = [plan_partition(generator, count, p) for p in range(count)]
        assert [p.row_start for p in plans[1:]] == [p.row_stop for p in plans[:-1]]
        made = [
            pd.concat(list(generator.frames(chunks=p.chunks)), ignore_index=True) for p in plans
        ]
        pd.testing.assert_frame_equal(pd.concat(made, ignore_index=True), whole[table])
        key = parts.tables[table].primary_key[0]
        for plan, frame in zip(plans, made, strict=True):  # each is the key range it deletes
            assert (plan.key_range.low, plan.key_range.high) == (
                frame[key].iloc[0],
                frame[key].iloc[-1],
            )


def test_partitions_need_a_sequence_key_or_a_driving_fk_to_one():
    with pytest.raises(SpecError, match="`partitions` needs a primary key") as info:
        spec_from_dict(
            {
                "name": "p",
                "tables": {
                    "t": {
                        "rows": 10,
                        "partitions": 2,
                        "primary_key": "code",
                        "columns": {"code": {"type": "string", "faker": "uuid4"}},
                    }
                },
            }
        )
    assert info.value.table == "t"


# -- through Dagster -------------------------------------------------------------------------


def test_partitions_in_any_order_union_to_the_unpartitioned_database(parts, whole, tmp_path):
    url = f"sqlite:///{tmp_path / 'parts.sqlite'}"
    _build_all(parts, url, DagsterInstance.ephemeral(), order=lambda keys: keys[::-1])
    written = read_all(parts, url)
    assert_same_tables(written, whole)
    with sqlite3.connect(tmp_path / "parts.sqlite") as conn:
        status = dict(conn.execute("SELECT table_name, status FROM seed_assets_tables"))
        assert conn.execute("PRAGMA foreign_key_check").fetchall() == []
    assert status == dict.fromkeys(parts.tables, "complete")


def test_one_partition_rematerialised_alone_gives_the_same_rows(parts, whole, tmp_path):
    url = f"sqlite:///{tmp_path / 'parts.sqlite'}"
    instance = DagsterInstance.ephemeral()
    assets = _build_all(parts, url, instance)
    before = read_all(parts, url)["transactions"]

    again = _materialize(assets, url, instance, ["transactions"], "2")
    assert again.success
    meta = again.get_asset_materialization_events()[0].materialization.metadata
    plan = plan_partition(RegeneratedParents(parts).generator("transactions"), 4, 2)
    assert meta["dagster/row_count"].value == plan.rows > 0
    db = Target.for_url(url)
    try:
        status = db.status()
        after = read_all(parts, url)["transactions"]
    finally:
        db.dispose()
    pd.testing.assert_frame_equal(after, before)
    # Rows below lost their parents for a moment: emptied, and the table is whole only once
    # its whole-table checks have run again.
    assert status["invoices"].status == "cleared"
    assert status["transactions"].status == "partial"
    assert _materialize(assets, url, instance, ["transactions_checked"]).success
    db = Target.for_url(url)
    try:
        assert db.status()["transactions"].status == "complete"
    finally:
        db.dispose()


def test_the_whole_table_check_needs_every_partition(parts, tmp_path):
    url = f"sqlite:///{tmp_path / 'parts.sqlite'}"
    instance = DagsterInstance.ephemeral()
    assets = build_table_assets(parts)
    assert _materialize(assets, url, instance, PARENTS).success
    for key in ("0", "1", "3"):
        assert _materialize(assets, url, instance, ["transactions"], key).success
    checked = _materialize(assets, url, instance, ["transactions_checked"])
    assert not checked.success
    failure = checked.get_step_failure_events()[0].step_failure_data.error.message
    assert "partitions 2 not written" in failure
    child = _materialize(assets, url, instance, ["invoices"], "0")
    assert not child.success  # transactions is not complete: its children wait


def test_a_bad_partition_is_not_written_and_the_others_stand(parts, tmp_path):
    url = f"sqlite:///{tmp_path / 'parts.sqlite'}"
    instance = DagsterInstance.ephemeral()
    assert _materialize(build_table_assets(parts), url, instance, PARENTS).success

    def hook(name, frame):
        if name == "transactions":
            frame = frame.copy()
            frame.loc[len(frame) - 1, "account_id"] = "ACC99999999"
        return frame

    broken = build_table_assets(parts, frame_hook=hook)
    assert _materialize(build_table_assets(parts), url, instance, ["transactions"], "0").success
    failed = _materialize(broken, url, instance, ["transactions"], "1")
    assert not failed.success
    assert "partition 1 of transactions was not written" in (
        failed.get_step_failure_events()[0].step_failure_data.error.message
    )
    db = Target.for_url(url)
    try:
        assert set(db.partition_entries(parts, "transactions")) == {0}
    finally:
        db.dispose()


def test_parquet_target_writes_a_file_per_partition(parts, whole, tmp_path):
    url = f"parquet://{tmp_path / 'out'}"
    _build_all(parts, url, DagsterInstance.ephemeral())
    files = sorted(p.name for p in (tmp_path / "out" / "bank_parts" / "transactions").iterdir())
    assert files == [f"part-{i:05d}.parquet" for i in range(4)]
    db = Target.for_url(url)
    for name, frame in whole.items():
        pd.testing.assert_frame_equal(db.read_columns(parts, name, list(frame.columns)), frame)


# -- the multiprocess executor ---------------------------------------------------------------


def partitions_job():
    """The partitioned table's job, rebuilt in each step's process (module level: Dagster's
    multiprocess executor imports it by name)."""
    definitions = build_definitions([load_spec(BANK_PARTS)])
    return definitions.resolve_job_def("generate_bank_parts_transactions")


def test_a_partition_runs_in_the_multiprocess_executor(parts, whole, tmp_path, monkeypatch):
    url = f"sqlite:///{tmp_path / 'parts.sqlite'}"
    monkeypatch.setenv(TARGET_ENV, url)
    assert _materialize(
        build_table_assets(parts), url, DagsterInstance.ephemeral(), PARENTS
    ).success
    (tmp_path / "home").mkdir()
    with instance_for_test(temp_dir=str(tmp_path / "home")) as instance:
        result = execute_job(
            reconstructable(partitions_job), instance=instance, tags={"dagster/partition": "3"}
        )
        assert result.success
        engine_events = [
            e.message or "" for e in result.all_events if e.event_type_value == "ENGINE_EVENT"
        ]
        assert any("multiprocess executor" in m for m in engine_events)
    plan = plan_partition(RegeneratedParents(parts).generator("transactions"), 4, 3)
    db = Target.for_url(url)
    try:
        got = db.read_columns(parts, "transactions", list(whole["transactions"].columns))
    finally:
        db.dispose()
    expected = whole["transactions"].iloc[plan.row_start : plan.row_stop].reset_index(drop=True)
    pd.testing.assert_frame_equal(got, expected)


def _hr_with(**partitioned) -> dict:
    import yaml

    raw = yaml.safe_load((BANK_PARTS.parent / "hr_cycle.yaml").read_text())
    raw["tables"]["notes"] = {
        "primary_key": "note_id",
        "columns": {
            "note_id": {"type": "integer", "sequence": True},
            "emp_no": {"type": "integer"},
        },
        "foreign_keys": [
            {"columns": "emp_no", "references": "employees(emp_no)", "cardinality": "fixed(2)"}
        ],
    }
    for table, count in partitioned.items():
        raw["tables"][table]["partitions"] = count
    return raw


def test_partitions_are_refused_only_where_row_positions_are_unknown():
    """A spec with an FK cycle streams like any other: a table below the cycle can be
    partitioned; a table in the cycle, or one whose rows a key or CHECK may drop, cannot."""
    assets = build_table_assets(spec_from_dict(_hr_with(notes=2)))
    notes = next(a for a in assets if a.key.path[-1] == "notes")
    assert notes.partitions_def is not None
    assert len(notes.partitions_def.get_partition_keys()) == 2
    for table in ("departments", "salaries"):
        with pytest.raises(SpecError, match="`partitions` needs a table outside FK cycles") as info:
            build_table_assets(spec_from_dict(_hr_with(**{table: 2})))
        assert info.value.table == table
