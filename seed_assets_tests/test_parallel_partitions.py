"""Several partitions of a table in one run: loaded side by side by forked processes into
PostgreSQL and MariaDB (each its own transaction, range DELETE then load), equal to an
unpartitioned single-process run; a backfill of several partitions is one run, so the target's
pool still keeps two runs apart."""

from __future__ import annotations

import os
import signal
from pathlib import Path

import pytest
import yaml
from dagster import BackfillPolicy, DagsterInstance, materialize

from seed_assets.assets import build_table_assets, table_key
from seed_assets.assets.partition_load import is_deadlock, workers_for
from seed_assets.engine.partitions import partition_keys
from seed_assets.engine.regenerated import RegeneratedParents
from seed_assets.resources import GenerationResource, TargetResource
from seed_assets.sources.files import load_spec
from seed_assets.spec.loader import spec_from_dict
from seed_assets.targets.base import Target
from seed_assets_tests.conftest import BANK_PARTS, RANGE_END, RANGE_START
from seed_assets_tests.dbcompare import assert_same_tables, read_all


def _unpartitioned():
    raw = yaml.safe_load(BANK_PARTS.read_text())
    for table in raw["tables"].values():
        table.pop("partitions", None)
    return spec_from_dict(raw)


def _resources(url: str, workers: int | None = None) -> dict:
    return {"target": TargetResource(url=url), "generation": GenerationResource(workers=workers)}


def _all_partitions_in_one_run(spec, url: str, workers: int | None) -> list[dict]:
    """Parents, then each partitioned table's every partition in one run, then its check."""
    assets = build_table_assets(spec)
    instance = DagsterInstance.ephemeral()
    runs = []

    def run(selection, tags=None):
        result = materialize(
            assets, selection=selection, resources=_resources(url, workers), instance=instance,
            tags=tags or {}, raise_on_error=False,
        )  # fmt: skip
        assert result.success, [e.message for e in result.get_step_failure_events()]
        return result

    run(["customers", "accounts"])
    for table in ("transactions", "invoices"):
        keys = partition_keys(spec.tables[table].partitions)
        result = run([table], {RANGE_START: keys[0], RANGE_END: keys[-1]})
        (event,) = result.get_asset_materialization_events()[:1]
        runs.append({k: v.value for k, v in event.materialization.metadata.items()})
        assert run([f"{table}_checked"]).success
    return runs


@pytest.mark.parametrize("server", ["postgresql", "mysql"])
def test_partitions_of_one_run_load_side_by_side_and_equal_one_process(
    server, pg_url, mysql_url, tmp_path
):
    url = pg_url if server == "postgresql" else mysql_url
    parts = load_spec(BANK_PARTS)
    runs = _all_partitions_in_one_run(parts, url, workers=2)
    # Every partition of the run was loaded, each by a process of its own, two at a time.
    assert [r["partition"] for r in runs] == ["0, 1, 2, 3", "0, 1, 2"]
    assert [r["processes"] for r in runs] == [4, 3]
    assert [r["at_once"] for r in runs] == [2, 2]

    reference = f"sqlite:///{tmp_path / 'reference.sqlite'}"
    single = materialize(build_table_assets(_unpartitioned()), resources=_resources(reference))
    assert single.success
    assert_same_tables(read_all(parts, url), read_all(parts, reference))
    db = Target.for_url(url)
    try:
        assert {n: e.status for n, e in db.status().items()} == dict.fromkeys(
            parts.tables, "complete"
        )
    finally:
        db.dispose()


def test_one_worker_loads_the_partitions_one_after_another(pg_url):
    parts = load_spec(BANK_PARTS)
    runs = _all_partitions_in_one_run(parts, pg_url, workers=1)
    assert [r["at_once"] for r in runs] == [1, 1]
    assert [r["processes"] for r in runs] == [4, 3]  # still a fresh process each


def test_a_backfill_of_several_partitions_is_one_run_in_the_targets_pool():
    parts = load_spec(BANK_PARTS)
    assets = {a.key: a for a in build_table_assets(parts)}
    partitioned = assets[table_key(parts, "transactions")]
    assert partitioned.backfill_policy == BackfillPolicy.single_run()
    pools = {a.key: a.op.pool for a in assets.values()}
    assert len(set(pools.values())) == 1  # one pool per target: other runs wait


def test_workers_default_to_the_cores_and_never_exceed_the_partitions():
    assert workers_for(GenerationResource(workers=3), 2) == 2
    assert workers_for(GenerationResource(workers=1), 4) == 1
    cores = os.cpu_count() or 1
    assert workers_for(GenerationResource(), 10_000) == cores  # the default: one per core
    assert workers_for(GenerationResource(), 1) == 1  # never more than the partitions


def _transactions_in_parts(banking, parts: int, path: Path, hook=None):
    """Banking (scale 1: one chunk of transactions) with transactions in `parts` partitions,
    into SQLite at `path`: the parents, then every partition in one run by two processes."""
    raw = yaml.safe_load(Path(banking.source).read_text())
    raw["tables"]["transactions"]["partitions"] = parts
    spec = spec_from_dict(raw)
    assets = build_table_assets(spec, frame_hook=hook)
    instance = DagsterInstance.ephemeral()
    resources = _resources(f"sqlite:///{path}", workers=2)
    assert materialize(assets, selection=["customers", "accounts"], resources=resources,
                       instance=instance).success  # fmt: skip
    result = materialize(
        assets, selection=["transactions"], resources=resources, instance=instance,
        tags={RANGE_START: "0", RANGE_END: str(parts - 1)},
    )  # fmt: skip
    assert result.success
    return spec, result


def test_an_empty_partition_passes_its_checks_and_writes_nothing(banking, tmp_path):
    """Banking's transactions in 4 partitions at scale 1: one chunk, so partitions 0 to 2 are
    empty. Pandera and GX have no row to measure (GX's rate over none failed before)."""
    spec, result = _transactions_in_parts(banking, 4, tmp_path / "empty.sqlite")
    metadata = result.get_asset_materialization_events()[0].materialization.metadata
    rows = metadata["dagster/row_count"].value
    assert rows == RegeneratedParents(spec).generator("transactions").total_rows > 0
    assert "0: rows 0 to 0" in metadata["checks"].value


def test_pool_processes_end_on_sigterm_though_the_run_catches_it(banking, tmp_path):
    """A run's process catches SIGTERM (Dagster's ``capture_interrupts`` only records it), and
    a forked process inherits that: ``Pool.terminate`` could not end a pool process, and a run
    hung with the step waiting for it and it waiting for a task. Pool processes end on SIGTERM."""
    seen = tmp_path / "sigterm"
    seen.mkdir()

    def record(name, frame):
        if name == "transactions":
            default = signal.getsignal(signal.SIGTERM) == signal.SIG_DFL
            (seen / str(os.getpid())).write_text(str(default))
        return frame

    _transactions_in_parts(banking, 2, tmp_path / "db.sqlite", record)
    recorded = {path.name: path.read_text() for path in seen.iterdir()}
    assert recorded and str(os.getpid()) not in recorded  # loaded by pool processes
    assert set(recorded.values()) == {"True"}


@pytest.mark.parametrize("server", ["postgresql", "mysql"])
def test_a_real_deadlock_is_recognised_for_a_retry(server, pg_url, mysql_url):
    """Two transactions locking two rows in opposite orders: the one the server rolls back
    raises an error that ``is_deadlock`` recognises (MySQL 1213, PostgreSQL 40P01)."""
    import threading

    import sqlalchemy as sa

    engine = sa.create_engine(pg_url if server == "postgresql" else mysql_url)
    try:
        with engine.begin() as conn:
            conn.exec_driver_sql("CREATE TABLE dl (id INTEGER PRIMARY KEY, v INTEGER)")
            conn.exec_driver_sql("INSERT INTO dl VALUES (1, 0), (2, 0)")
        errors: list[BaseException] = []
        first_locked, second_locked = threading.Event(), threading.Event()

        def lock(mine: int, theirs: int, locked, wait_for) -> None:
            try:
                with engine.begin() as conn:
                    conn.exec_driver_sql(f"UPDATE dl SET v = 1 WHERE id = {mine}")
                    locked.set()
                    wait_for.wait(10)
                    conn.exec_driver_sql(f"UPDATE dl SET v = 1 WHERE id = {theirs}")
            except Exception as exc:
                errors.append(exc)

        threads = [
            threading.Thread(target=lock, args=(1, 2, first_locked, second_locked)),
            threading.Thread(target=lock, args=(2, 1, second_locked, first_locked)),
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(60)
        assert len(errors) == 1
        assert is_deadlock(errors[0])
        assert not is_deadlock(ValueError("a check failed"))
    finally:
        with engine.begin() as conn:
            conn.exec_driver_sql("DROP TABLE IF EXISTS dl")
        engine.dispose()


def test_a_run_sets_max_concurrent_and_keeps_the_preloading_forkserver():
    from seed_assets.definitions import STEP_PRELOAD, with_preload

    config = with_preload({"max_concurrent": 2, "retries": None})
    assert config == {
        "start_method": {"forkserver": {"preload_modules": STEP_PRELOAD}},
        "max_concurrent": 2,
    }
    own = {"start_method": {"spawn": {}}}
    assert with_preload(own) == own  # a run naming its own start method keeps it
