"""A partitioned table into PostgreSQL loads bare and gets its keys and FKs once: its partitions
load side by side into a table without keys, FKs or their indexes, and its whole-table check
builds them over every row before it marks the table complete; rows breaking one are named,
and the table stays partial (no table below loads)."""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from dagster import DagsterInstance, materialize

from seed_assets.assets import build_table_assets
from seed_assets.engine.partitions import partition_keys
from seed_assets.engine.regenerated import RegeneratedParents
from seed_assets.errors import TargetError
from seed_assets.resources import GenerationResource, TargetResource
from seed_assets.sources.files import load_spec
from seed_assets.targets.base import Target
from seed_assets.targets.ddl import build_metadata
from seed_assets_tests.conftest import BANK_PARTS, RANGE_END, RANGE_START
from seed_assets_tests.dbcompare import assert_same_tables, read_all


class _Runs:
    """Runs of bank_parts' assets into one database, in one Dagster instance."""

    def __init__(self, url: str) -> None:
        self.spec = load_spec(BANK_PARTS)
        self.assets = build_table_assets(self.spec)
        self.instance = DagsterInstance.ephemeral()
        self.resources = {
            "target": TargetResource(url=url),
            "generation": GenerationResource(workers=2),
        }

    def run(self, selection: list[str], tags: dict | None = None):
        return materialize(
            self.assets, selection=selection, resources=self.resources, instance=self.instance,
            tags=tags or {}, raise_on_error=False,
        )  # fmt: skip

    def all_partitions(self, table: str):
        keys = partition_keys(self.spec.tables[table].partitions)
        result = self.run([table], {RANGE_START: keys[0], RANGE_END: keys[-1]})
        assert result.success, [e.message for e in result.get_step_failure_events()]


def _keys(url: str, table: str) -> dict:
    engine = sa.create_engine(url)
    try:
        inspector = sa.inspect(engine)
        return {
            "primary": inspector.get_pk_constraint(table)["constrained_columns"],
            "foreign": {fk["name"] for fk in inspector.get_foreign_keys(table)},
            "indexes": [i["name"] for i in inspector.get_indexes(table)],
        }
    finally:
        engine.dispose()


def _status(url: str, table: str) -> str:
    db = Target.for_url(url)
    try:
        return db.status()[table].status
    finally:
        db.dispose()


def _execute(url: str, statement: str) -> None:
    engine = sa.create_engine(url)
    try:
        with engine.begin() as conn:
            conn.exec_driver_sql(statement)
    finally:
        engine.dispose()


@pytest.fixture
def loaded(pg_url):
    """bank_parts' parents, then every partition of transactions, into PostgreSQL."""
    runs = _Runs(pg_url)
    assert runs.run(["customers", "accounts"]).success
    runs.all_partitions("transactions")
    return runs


def test_partitions_load_without_keys_and_the_whole_table_check_builds_them(loaded, pg_url):
    spec = loaded.spec
    assert _keys(pg_url, "transactions") == {"primary": [], "foreign": set(), "indexes": []}
    assert _status(pg_url, "transactions") == "partial"

    checked = loaded.run(["transactions_checked"])
    assert checked.success
    wanted = build_metadata(spec).tables["transactions"]
    (event,) = checked.get_asset_materialization_events()
    said = event.materialization.metadata["keys_built"].value
    assert said == ", ".join(
        ["primary key (transaction_id)", *(fk.name for fk in wanted.foreign_key_constraints)]
    )
    built = _keys(pg_url, "transactions")
    assert built["primary"] == ["transaction_id"]
    assert built["foreign"] == {fk.name for fk in wanted.foreign_key_constraints}
    assert len(built["foreign"]) == 2
    assert _status(pg_url, "transactions") == "complete"

    # The child's partitions load bare too, below a parent that has its keys now.
    loaded.all_partitions("invoices")
    assert loaded.run(["invoices_checked"]).success
    assert _keys(pg_url, "invoices")["primary"] == ["invoice_id"]
    # Checked again (keys already there): nothing to build, still complete.
    again = loaded.run(["transactions_checked"])
    (event,) = again.get_asset_materialization_events()
    assert event.materialization.metadata["keys_built"].value.startswith("none")
    assert _status(pg_url, "transactions") == "complete"


def test_a_repeated_key_fails_the_whole_table_check_naming_it_and_builds_nothing(loaded, pg_url):
    # One row's key made another's: the same row count, the partitions' checks unchanged.
    _execute(
        pg_url,
        "UPDATE transactions SET transaction_id = 'TXN0000000001' "
        "WHERE transaction_id = 'TXN0000000002'",
    )
    result = loaded.run(["transactions_checked"])
    assert not result.success
    (failure,) = result.get_step_failure_events()
    message = failure.step_failure_data.error.message
    assert "keys of 'transactions' could not be built" in message
    assert "(transaction_id) = ('TXN0000000001') is repeated" in message
    assert _keys(pg_url, "transactions") == {"primary": [], "foreign": set(), "indexes": []}
    assert _status(pg_url, "transactions") == "partial"
    # Nothing below a partial parent loads.
    assert not loaded.run(["invoices"], {RANGE_START: "0", RANGE_END: "0"}).success


def test_an_orphan_is_named_and_the_table_stays_partial(loaded, pg_url):
    _execute(
        pg_url,
        "UPDATE transactions SET account_id = 'ACC99999999' WHERE transaction_id = 'TXN0000000003'",
    )
    db = Target.for_url(pg_url)
    try:
        with pytest.raises(TargetError, match=r"no row of accounts has .*'ACC99999999'"):
            db.complete_partitions(loaded.spec, "transactions", rows=1)
    finally:
        db.dispose()
    # The primary key built before the FK failed is rolled back with it.
    assert _keys(pg_url, "transactions") == {"primary": [], "foreign": set(), "indexes": []}
    assert _status(pg_url, "transactions") == "partial"


def test_a_keyless_table_written_whole_is_made_again_with_its_keys(loaded, pg_url):
    """A partitioned table never completed, then written whole (the spec lost `partitions`):
    it is made again, with its keys, instead of filled as it was."""
    spec = loaded.spec
    spec.tables["transactions"].partitions = None
    db = Target.for_url(pg_url)
    try:
        frames = RegeneratedParents(spec).generator("transactions").frames()
        db.write_table(spec, "transactions", frames, seed=spec.seed, scale=1.0,
                       if_exists="replace")  # fmt: skip
    finally:
        db.dispose()
    assert _keys(pg_url, "transactions")["primary"] == ["transaction_id"]
    assert _status(pg_url, "transactions") == "complete"


def test_a_run_of_every_partition_again_drops_the_keys_and_builds_them_once_more(loaded, pg_url):
    """A table with its keys (and a child's FK to it), loaded again in a run of every
    partition: emptied and unkeyed first, so its partitions load bare; the check builds its
    keys and the child's FK back. The rows are the same as the first time."""
    assert loaded.run(["transactions_checked"]).success
    loaded.all_partitions("invoices")
    assert loaded.run(["invoices_checked"]).success
    first = read_all(loaded.spec, pg_url)
    child_fks = _keys(pg_url, "invoices")["foreign"]
    assert len(child_fks) == 2

    loaded.all_partitions("transactions")
    assert _keys(pg_url, "transactions") == {"primary": [], "foreign": set(), "indexes": []}
    assert len(_keys(pg_url, "invoices")["foreign"]) == 1  # the one to transactions went
    assert _status(pg_url, "invoices") == "cleared"

    checked = loaded.run(["transactions_checked"])
    said = checked.get_asset_materialization_events()[0].materialization.metadata["keys_built"]
    assert "fk_invoices_transaction_id (of invoices)" in said.value
    assert _keys(pg_url, "transactions")["primary"] == ["transaction_id"]
    assert _keys(pg_url, "invoices")["foreign"] == child_fks
    loaded.all_partitions("invoices")
    assert loaded.run(["invoices_checked"]).success
    assert_same_tables(read_all(loaded.spec, pg_url), first)


def test_one_partition_again_loads_into_the_keyed_table(loaded, pg_url):
    assert loaded.run(["transactions_checked"]).success
    result = loaded.run(["transactions"], {RANGE_START: "2", RANGE_END: "2"})
    assert result.success
    assert _keys(pg_url, "transactions")["primary"] == ["transaction_id"]
    assert loaded.run(["transactions_checked"]).success
    assert _status(pg_url, "transactions") == "complete"


def test_a_table_a_user_refers_to_keeps_its_keys(loaded, pg_url):
    """A user's own table with an FK to ours: dropping our key would drop the user's FK, so a
    run of every partition loads into the keyed table instead."""
    assert loaded.run(["transactions_checked"]).success
    _execute(
        pg_url,
        "CREATE TABLE audit (id int PRIMARY KEY, "
        "transaction_id varchar(13) REFERENCES transactions (transaction_id))",
    )
    loaded.all_partitions("transactions")
    assert _keys(pg_url, "transactions")["primary"] == ["transaction_id"]
    assert _keys(pg_url, "audit")["foreign"] == {"audit_transaction_id_fkey"}
    assert loaded.run(["transactions_checked"]).success
