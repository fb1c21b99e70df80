"""One asset per spec table; its upstream deps are exactly the tables its FKs reference.

Each table asset is gated by its blocking checks (``checks.py``). It streams, whatever the spec:
chunk by chunk it generates rows from its parents' rows (regenerated from the spec once the
target shows them committed with this run's seed and scale, ``assets/gate.py``), feeds them to
the checks' accumulators (``validation/stream.py``) and to the writer, inside one transaction.
CHECKs only the database understands are judged by it chunk by chunk
(``targets/check_filter.py``), parents made again for their children included. After the
last row the checks conclude, before commit: when any fails, the writer rolls everything back,
the table keeps what it held before, the step fails without a materialisation, and Dagster
skips everything downstream. Either way the report beside the
database is updated.

FK cycles (see ``assets/cycles.py``): a deferred FK of a nullable cycle is no dep of its table;
a ``<table>_links`` asset fills it, and tables outside the cycle that read such a table depend
on its links asset too, so they only ever see it complete. A NOT NULL cycle is one multi-asset,
streamed into one transaction.

A table with ``partitions: N`` is a partitioned asset instead: each partition (a range of its
parent chunks, ``engine/partitions.py``) is generated from its own streams, checked and written
in its own transaction, alone, on any worker. A non-partitioned asset ``<table>_checked`` then
checks the whole table (all partitions) with the table's blocking checks, adding up the checks
each partition kept beside its rows (``partition_load.whole_table_checker``); children and the
ML assets depend on it, so they see the whole table, checked.
"""

import time
from dataclasses import dataclass

from dagster import (
    AllPartitionMapping,
    AssetDep,
    AssetExecutionContext,
    AssetsDefinition,
    BackfillPolicy,
    Failure,
    MaterializeResult,
    MetadataValue,
    StaticPartitionsDefinition,
    asset,
)

from seed_assets.assets.checks import build_check_specs
from seed_assets.assets.cycles import component_asset, links_asset
from seed_assets.assets.describe import table_description, table_metadata
from seed_assets.assets.gate import (
    CheckedStream,
    ForkedChecks,
    FrameHook,
    check_results,
    forks_checks,
    gate_failure,
    gated_write,
    parent_source,
    peak_rss_mb,
    step_run,
)
from seed_assets.assets.keys import (
    CHECKED_SUFFIX,
    asset_deps,
    checked_key,
    spec_keys,
    table_key,
    target_pool,
    upstream_deps,
)
from seed_assets.assets.partition_load import load_partitions, whole_table_checker, workers_for
from seed_assets.engine.constraints import may_drop_rows
from seed_assets.engine.partitions import partition_keys
from seed_assets.engine.run import FRAME_ROWS
from seed_assets.engine.table import TableGenerator
from seed_assets.errors import SpecError, TargetError
from seed_assets.reports.report import (
    forget_tables,
    report_paths,
    table_section,
    update_report,
)
from seed_assets.resources import GenerationResource, TargetResource
from seed_assets.spec.graph import ancestors, component_of, components, linked_fks
from seed_assets.spec.models import Spec
from seed_assets.validation.stream import SAMPLE_ROWS, TableChecker

__all__ = ["build_table_assets", "checked_key", "spec_keys", "table_key", "upstream_deps"]


def build_table_assets(
    spec: Spec, *, frame_hook: FrameHook | None = None, io_manager_key: str | None = None
) -> list[AssetsDefinition]:
    """The spec's tables as assets in group ``spec.name``, keyed by table name; a partitioned
    table also gets its ``<table>_checked`` asset.

    `frame_hook(table, frame)` is applied to each generated chunk before its checks run (and
    `frame_hook("<table>_links", frame)` to a links step's); the tests use it to break data on
    purpose. The definitions never set it. `io_manager_key` (the Definitions set
    ``seed_tables``) names the IO manager that loads a table for a downstream input.
    """
    for name, table in spec.tables.items():
        if table.partitions and not partitionable(spec, name):
            raise SpecError(
                "`partitions` needs a table outside FK cycles, whose rows and its ancestors' no "
                "CHECK or composite key drops (a partition must be a fixed range of rows)",
                table=name,
            )
    assets = []
    for component in components(spec):
        if component.together:
            assets.append(component_asset(spec, component, frame_hook, io_manager_key))
            continue
        for name in component.tables:
            if spec.tables[name].partitions:
                assets.append(_partitioned_asset(spec, name, frame_hook, io_manager_key))
                assets.append(_whole_table_asset(spec, name))
            else:
                assets.append(_table_asset(spec, name, frame_hook, io_manager_key))
        assets += [
            links_asset(spec, name, frame_hook)
            for name in component.tables
            if linked_fks(spec, name)
        ]
    return assets


# -- an unpartitioned table -----------------------------------------------------------------------


def partitionable(spec: Spec, name: str) -> bool:
    """Whether `name` can be partitioned: its row positions, and those of every table above
    it, are known without making the rows (no FK cycle, no CHECK or composite key dropping
    rows), so a partition is a fixed range of them."""
    if component_of(spec, name).is_cycle:
        return False
    return not any(may_drop_rows(spec.tables[t]) for t in [name, *ancestors(spec, name)])


def _table_asset(
    spec: Spec, name: str, frame_hook: FrameHook | None, io_manager_key: str | None = None
) -> AssetsDefinition:
    @asset(
        key=table_key(spec, name),
        group_name=spec.name,
        pool=target_pool(spec),  # one run at a time writes a target
        deps=asset_deps(spec, name),
        description=table_description(spec, name),
        metadata=table_metadata(spec, name),
        kinds={"table"},
        io_manager_key=io_manager_key,
        check_specs=build_check_specs(spec, name, table_key(spec, name)),
    )
    def _generate(
        context: AssetExecutionContext, target: TargetResource, generation: GenerationResource
    ):
        yield from _streamed_table(context, spec, name, target, generation, frame_hook)

    return _generate


def _streamed_table(context, spec: Spec, name: str, target, generation, frame_hook):
    """Generate, check and write `name` chunk by chunk, the checks concluding before commit."""
    with step_run(spec, target, generation) as run:
        seed, scale, url, db = run.seed, run.scale, run.url, run.db
        source = parent_source(spec, name, db, seed, scale, row_filter=run.row_filter)
        # A step writes this one table: its chunks kept for children in this process (as the
        # CLI keeps them, ``RegeneratedParents.offer``) would only hold memory.
        source.kept_bytes = 0
        generator = source.generator(name)
        context.log.info(f"generating {generator.total_rows:,} rows of {name}")
        checker = TableChecker(spec, name, source, scale=scale, expected_rows=generator.total_rows)
        stream = CheckedStream(generator.frames(max_rows=FRAME_ROWS), checker, name, frame_hook)
        # Into SQLite, whose driver binds rows holding the GIL, the rows are made, checked and
        # encoded in a worker process, and this one only loads them (``ForkedChecks``).
        forked = (
            ForkedChecks(stream, db, spec.tables[name], seed)
            if forks_checks(db, run.row_filter)
            else None
        )
        try:
            rows, results, written = gated_write(
                lambda approve: db.write_table(
                    spec,
                    name,
                    stream if forked is None else forked.batches,
                    seed=seed,
                    scale=scale,
                    if_exists=target.if_exists,
                    approve=approve,
                ),
                stream if forked is None else forked,
            )
        finally:
            if forked is not None:
                forked.close()
        if forked is None:
            fed, profile = checker.rows, checker.profile(seed=seed)
        else:
            fed, profile = forked.rows, forked.profile
            run.worker_peak_mb, run.worker_cpu_seconds = forked.peak_mb, forked.cpu_seconds
        failed = [r for r in results if not r.passed]
        checks = check_results(context, results, table_key(spec, name))
        paths = report_paths(url, spec.name)
        section = table_section(
            results, rows=fed, written=written, run_id=context.run.run_id, profile=profile
        )
        report = update_report(paths, spec, db.display_url, name, section)
    if failed:
        yield from checks
        raise gate_failure(name, failed, db, paths)
    yield MaterializeResult(
        metadata={
            **run.metadata(rows, paths, report, name),
            "pandera_gx_sample": f"up to {SAMPLE_ROWS:,} rows (every k-th row)",
        },
        check_results=checks,  # after the materialization: it is their target
    )


@dataclass
class _Shown:
    """What a failure message names of the target, once its connections are closed."""

    display_url: str


# -- a partitioned table --------------------------------------------------------------------------


def _partitioned_asset(
    spec: Spec, name: str, frame_hook: FrameHook | None, io_manager_key: str | None = None
) -> AssetsDefinition:
    table = spec.tables[name]
    count = table.partitions
    keys = partition_keys(count)

    @asset(
        key=table_key(spec, name),
        group_name=spec.name,
        pool=target_pool(spec),  # one run at a time writes a target
        deps=asset_deps(spec, name),
        partitions_def=StaticPartitionsDefinition(keys),
        # A backfill of several partitions is one run: the pool keeps other runs out while
        # its partitions load side by side (``partition_load.py``).
        backfill_policy=BackfillPolicy.single_run(),
        description=table_description(spec, name) + "\n\n"
        f"In {count} partitions (ranges of its parent chunks), each checked and written in its "
        f"own transaction (a backfill of several: one run, loading them side by side); "
        f"`{name}{CHECKED_SUFFIX}` checks the whole table.",
        metadata={**table_metadata(spec, name), "partitions": count},
        kinds={"table"},
        io_manager_key=io_manager_key,
    )
    def _generate_partition(
        context: AssetExecutionContext, target: TargetResource, generation: GenerationResource
    ):
        started = time.perf_counter()
        asked = list(context.partition_keys)  # one, or a backfill's range in one run
        context.log.info(
            f"loading partition(s) {', '.join(asked)} of {name} in "
            f"{workers_for(generation, len(asked))} process(es)"
        )
        outcomes = load_partitions(spec, name, asked, target, generation, frame_hook)
        for out in outcomes:
            context.log.info(
                f"partition {out.key} of {name}: rows {out.row_start:,} to {out.row_stop:,} of "
                f"{out.total_rows:,}, {'written' if out.written else 'not written'} in "
                f"{out.seconds:.1f} s, peak {out.peak_rss_mb:,} MB"
                + ("" if out.summary_kept or not out.written else "; its checks' summary not kept")
            )
            for result in out.results:
                if result.error is not None:
                    context.log.error(f"{result.name} could not run: {result.error}")
        if any(out.written for out in outcomes):
            url = target.url_for(spec)
            forget_tables(report_paths(url, spec.name), spec, outcomes[0].display_url, [name])
        failed = [out for out in outcomes if out.failed]
        if failed:
            url = target.url_for(spec)
            plural = "partitions" if len(failed) > 1 else "partition"
            what = f"{plural} {', '.join(out.key for out in failed)} of {name}"
            reasons = [r for out in failed for r in out.failed]
            raise gate_failure(
                what, reasons, _Shown(outcomes[0].display_url), report_paths(url, spec.name)
            )
        rows = sum(out.rows for out in outcomes)
        seconds = time.perf_counter() - started
        lines = [
            f"- {out.key}: rows {out.row_start:,} to {out.row_stop:,}, {out.key_range}; "
            + ", ".join(f"{r.name}: {r.status}" for r in out.results)
            for out in outcomes
        ]
        return MaterializeResult(
            metadata={
                "dagster/row_count": rows,
                "target": outcomes[0].display_url,
                "seed": generation.seed_for(spec),
                "scale": generation.scale,
                "seconds": round(seconds, 3),
                "rows_per_second": int(rows / seconds) if seconds else 0,
                "peak_rss_mb": max(peak_rss_mb(), *(out.peak_rss_mb for out in outcomes)),
                "partition": ", ".join(out.key for out in outcomes),
                "processes": len({out.pid for out in outcomes}),
                "at_once": workers_for(generation, len(outcomes)),
                "check_summaries_kept": sum(out.summary_kept for out in outcomes),
                "rows": MetadataValue.text(
                    f"{outcomes[0].row_start:,} to {outcomes[-1].row_stop:,}"
                ),
                "checks": MetadataValue.md(
                    "\n".join(lines)
                    + f"\n\nPandera and GX: up to {SAMPLE_ROWS:,} rows (every k-th row)."
                ),
            }
        )

    return _generate_partition


def _whole_table_asset(spec: Spec, name: str) -> AssetsDefinition:
    """All partitions of `name`, checked as one table: their kept checks added up, or, when one
    is missing, the table streamed back from the target."""
    key = checked_key(spec, name)
    count = spec.tables[name].partitions

    @asset(
        key=key,
        group_name=spec.name,
        pool=target_pool(spec),
        deps=[AssetDep(table_key(spec, name), partition_mapping=AllPartitionMapping())],
        description=f"All {count} partitions of {name}, checked as one table with its blocking "
        "checks (the partitions' own checks added up; the table read back when one is missing). "
        "Into PostgreSQL it then builds the keys and FKs the partitions loaded without. "
        "Its children and the ML assets depend on this.",
        kinds={"table"},
        check_specs=build_check_specs(spec, name, key),
    )
    def _check_whole(
        context: AssetExecutionContext, target: TargetResource, generation: GenerationResource
    ):
        with step_run(spec, target, generation, filtered=False) as run:
            seed, scale, url, db = run.seed, run.scale, run.url, run.db
            written = db.partition_entries(spec, name)
            missing = [k for i, k in enumerate(partition_keys(count)) if i not in written]
            stale = [
                partition_keys(count)[i]
                for i, p in written.items()
                if i < count and (p["seed"] != seed or p["scale"] != scale)
            ]
            if missing or stale:
                raise Failure(
                    f"{name} is not whole for seed {seed}, scale {scale:g}: "
                    + (f"partitions {', '.join(missing)} not written; " if missing else "")
                    + (
                        f"partitions {', '.join(stale)} written with another seed or scale; "
                        if stale
                        else ""
                    )
                    + "materialise them (all partitions, same seed and scale) first"
                )
            source = parent_source(spec, name, db, seed, scale)
            expected = TableGenerator(spec, name, source, seed=seed, scale=scale).total_rows
            checker, how = whole_table_checker(
                spec, name, db, source, scale=scale, expected=expected
            )
            context.log.info(f"{name}: checks {how}")
            results = checker.conclude()
            from seed_assets.targets.reading import TableReader

            rows = TableReader(db, spec).count(name)  # rows outside every partition's range?
            failed = [r for r in results if not r.passed]
            checks = check_results(context, results, key)
            built: list[str] = []
            if not failed and rows == expected:
                started = time.perf_counter()
                try:  # where its partitions loaded without keys, they are built now
                    built = db.complete_partitions(spec, name, rows=rows)
                except TargetError as exc:  # rows that break a key, named
                    raise Failure(str(exc), allow_retries=False) from None
                if built:
                    context.log.info(
                        f"{name}: built {', '.join(built)} in {time.perf_counter() - started:.1f} s"
                    )
            paths = report_paths(url, spec.name)
            section = table_section(
                results,
                rows=rows,
                written=True,
                run_id=context.run.run_id,
                profile=checker.profile(seed=seed),
            )
            report = update_report(paths, spec, db.display_url, name, section)
        if rows != expected or failed:
            yield from checks
        if rows != expected:
            raise Failure(
                f"{name} holds {rows:,} rows, but seed {seed} and scale {scale:g} make "
                f"{expected:,}: rows of another run remain; materialise every partition again"
            )
        if failed:
            lines = [line for r in failed for line in r.failures()]
            raise Failure(
                f"{name} failed {len(failed)} blocking check(s) as a whole: "
                f"{', '.join(r.name for r in failed)}; everything downstream is skipped.",
                metadata={"failures": MetadataValue.md("\n".join(f"- {x}" for x in lines))},
                allow_retries=False,
            )
        yield MaterializeResult(
            metadata={
                **run.metadata(rows, paths, report, name),
                "partitions": count,
                "checks_from": how,
                "keys_built": ", ".join(built) or "none (already there, or none to build)",
            },
            check_results=checks,
        )

    return _check_whole
