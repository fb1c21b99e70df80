"""The whole-table check of a partitioned table concluded from its partitions' own checks
(``validation/partials.py``): the same results as a pass over every row, the sample each
partition takes its share of the table's; and read back whole when a summary is missing."""

from __future__ import annotations

import pytest
from dagster import DagsterInstance, materialize

from seed_assets.assets import build_table_assets
from seed_assets.assets.partition_load import whole_table_checker
from seed_assets.engine.partitions import partition_keys, plan_partition
from seed_assets.engine.regenerated import RegeneratedParents
from seed_assets.resources import GenerationResource, TargetResource
from seed_assets.sources.files import load_spec
from seed_assets.targets import partition_checks
from seed_assets.targets.base import Target
from seed_assets.targets.reading import TableReader, TargetParents
from seed_assets.validation import partials
from seed_assets.validation.stream import TableChecker
from seed_assets_tests.conftest import BANK_PARTS

TABLES = ("transactions", "invoices")


@pytest.fixture(scope="module")
def parts():
    return load_spec(BANK_PARTS)


def _figures(results) -> list:
    return [
        (r.name, r.status, [(m.subject, m.figure, m.passed) for m in r.measurements], r.counts)
        for r in results
    ]


def _partition_checkers(spec, name: str, limit: int) -> list[TableChecker]:
    """Each partition of `name` made and checked alone, as ``partition_load`` does."""
    source = RegeneratedParents(spec, seed=spec.seed, scale=1.0)
    generator = source.generator(name)
    count = spec.tables[name].partitions
    checkers = []
    for index in range(count):
        part = plan_partition(generator, count, index)
        driving = spec.tables[name].driving_fk is not None
        checker = TableChecker(
            spec, name, source, scale=1.0, expected_rows=part.rows, sample_limit=limit,
            parent_range=(part.parent_start, part.parent_stop) if driving else None,
            partial=True, first_row=part.row_start, table_rows=generator.total_rows,
            mergeable=True,
        )  # fmt: skip
        for frame in generator.frames(max_rows=1000, chunks=part.chunks):
            checker.add(frame)
        checker.conclude()
        checkers.append(checker)
    return checkers


@pytest.mark.parametrize("name", TABLES)
def test_partitions_checks_add_up_to_one_pass_over_the_table(parts, name):
    limit = 700  # small: the sample strides the table (every k-th row), as at 10M rows
    source = RegeneratedParents(parts, seed=parts.seed, scale=1.0)
    generator = source.generator(name)
    whole = TableChecker(
        parts, name, source, scale=1.0, expected_rows=generator.total_rows, sample_limit=limit
    )
    for frame in generator.frames(max_rows=1000):
        whole.add(frame)
    checkers = _partition_checkers(parts, name, limit)
    assert whole.every > 1
    # Each partition's sample is its share of the table's: together, exactly the table's rows.
    shares = [sum(len(p) for p in c._sample_parts) for c in checkers]
    assert sum(shares) == sum(len(p) for p in whole._sample_parts)
    assert all(0 < share < sum(shares) for share in shares)
    kept = [partials.read(partials.summarise(c, partition=i)) for i, c in enumerate(checkers)]
    combined = partials.combine(
        parts, name, source, kept, scale=1.0, expected_rows=generator.total_rows
    )
    assert _figures(combined.conclude()) == _figures(whole.conclude())
    assert str(combined.profile(seed=parts.seed)) == str(whole.profile(seed=parts.seed))
    # Partitions that do not tile the table (one missing) are refused, not concluded.
    with pytest.raises(partials.NotCombinable):
        partials.combine(
            parts, name, source, kept[1:], scale=1.0, expected_rows=generator.total_rows
        )


def _run(assets, url, instance, selection, key=None):
    result = materialize(
        assets, selection=selection, partition_key=key, instance=instance,
        resources={"target": TargetResource(url=url), "generation": GenerationResource()},
        raise_on_error=False,
    )  # fmt: skip
    assert result.success, [e.message for e in result.get_step_failure_events()]
    return result


def _checks_from(result) -> str:
    (event,) = result.get_asset_materialization_events()
    return event.materialization.metadata["checks_from"].value


@pytest.mark.parametrize("kind", ["sqlite", "parquet", "postgresql"])
def test_the_whole_table_check_reads_no_row_back_unless_a_summary_is_missing(
    parts, tmp_path, kind, request
):
    url = {
        "sqlite": f"sqlite:///{tmp_path / 'parts.sqlite'}",
        "parquet": f"parquet://{tmp_path / 'out'}",
    }.get(kind) or request.getfixturevalue("pg_url")
    instance = DagsterInstance.ephemeral()
    assets = build_table_assets(parts)
    _run(assets, url, instance, ["customers", "accounts"])
    for key in partition_keys(parts.tables["transactions"].partitions):
        written = _run(assets, url, instance, ["transactions"], key)
        (event,) = written.get_asset_materialization_events()
        assert event.materialization.metadata["check_summaries_kept"].value == 1
    checked = _run(assets, url, instance, ["transactions_checked"])
    assert _checks_from(checked) == "combined from its 4 partitions' checks"
    db = Target.for_url(url)
    try:
        source = RegeneratedParents(parts, seed=parts.seed, scale=1.0)
        expected = db.partition_entries(parts, "transactions")
        rows = sum(p["rows"] for p in expected.values())
        combined, _ = whole_table_checker(
            parts, "transactions", db, source, scale=1.0, expected=rows
        )
        reader = TableReader(db, parts)
        whole = TableChecker(parts, "transactions", TargetParents(reader), scale=1.0,
                             expected_rows=rows)  # fmt: skip
        for frame in reader.frames("transactions"):
            whole.add(frame)
        assert _figures(combined.conclude()) == _figures(whole.conclude())
        # A partition whose summary was not kept: the table is read back, every row.
        partition_checks.store(db, parts, "transactions", 2, None)
        assert sorted(partition_checks.kept(db, parts, "transactions", 4)) == [0, 1, 3]
    finally:
        db.dispose()
    checked = _run(assets, url, instance, ["transactions_checked"])
    assert _checks_from(checked).startswith("read back whole (no check summary kept for")
    # Written again, partition 2 keeps its summary again.
    _run(assets, url, instance, ["transactions"], "2")
    assert _checks_from(_run(assets, url, instance, ["transactions_checked"])).startswith(
        "combined"
    )
