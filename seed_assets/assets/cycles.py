"""FK cycles as assets, gated by blocking checks like every table.

- Nullable cycle: each table stays its own asset, written with its deferred FK columns NULL
  (registry status "linking"); ``<table>_links`` (deps: the table and the tables its deferred
  FKs reference) fills them, checks orphans and null shares, and UPDATEs them in one
  transaction. Readers outside the cycle depend on the links asset, so they only see the table
  complete; a failing links check stops them.
- NOT NULL cycle: one ``multi_asset`` streams all its tables, chunk by chunk, through their
  checks into one transaction with deferred FK checks (``targets/links.write_component``); the
  checks conclude before it commits.

Both stream like every table (``assets/tables.py``): rows regenerated from the spec once the
target shows the tables they come from committed with this run's seed and scale.
"""

from dagster import (
    AssetExecutionContext,
    AssetsDefinition,
    AssetSpec,
    MaterializeResult,
    MetadataValue,
    asset,
    multi_asset,
)

from seed_assets.assets.checks import build_check_specs, build_links_check_specs
from seed_assets.assets.describe import table_description, table_metadata
from seed_assets.assets.gate import (
    CheckedStream,
    FrameHook,
    check_results,
    gate_failure,
    gated_write,
    gated_writes,
    parent_source,
    step_run,
)
from seed_assets.assets.keys import table_deps, table_key, target_pool
from seed_assets.engine.links import component_frames, link_frames
from seed_assets.engine.run import FRAME_ROWS
from seed_assets.reports.report import (
    report_paths,
    table_section,
    update_report,
    update_sections,
)
from seed_assets.resources import GenerationResource, TargetResource
from seed_assets.spec.cycles import Component
from seed_assets.spec.graph import ancestors, linked_fks, links_name
from seed_assets.spec.models import Spec
from seed_assets.validation.stream import TableChecker


def links_asset(spec: Spec, name: str, frame_hook: FrameHook | None) -> AssetsDefinition:
    """``<name>_links``: fill `name`'s deferred FKs once the tables they reference exist."""
    fks = linked_fks(spec, name)
    columns = ", ".join(c for fk in fks for c in fk.columns)
    targets = list(dict.fromkeys(fk.references.table for fk in fks))
    key = table_key(spec, links_name(name))

    @asset(
        key=key,
        group_name=spec.name,
        pool=target_pool(spec),  # one run at a time writes a target
        deps=[table_key(spec, name), *(table_key(spec, t) for t in targets)],
        description=f"Fills {name}.{columns}, the FK(s) closing a cycle through "
        f"{', '.join(targets)}: drawn in {name}'s key order, checked, then UPDATEd in one "
        f"transaction. Tables outside the cycle read {name} only after this.",
        metadata={"spec": MetadataValue.path(spec.source or spec.name), "columns": columns},
        kinds={"table"},
        check_specs=build_links_check_specs(spec, name, key),
    )
    def _link(
        context: AssetExecutionContext, target: TargetResource, generation: GenerationResource
    ):
        from seed_assets.targets.links import update_links  # SQLAlchemy: at run time

        with step_run(spec, target, generation) as run:
            seed, scale, url, db = run.seed, run.scale, run.url, run.db
            source = parent_source(
                spec, name, db, seed, scale, row_filter=run.row_filter, tables=[name, *targets]
            )
            rows = source.row_count(name)
            checker = TableChecker(spec, name, source, scale=scale, expected_rows=rows, links=True)
            stream = CheckedStream(
                link_frames(spec, name, source, seed=seed, fks=fks),
                checker,
                links_name(name),
                frame_hook,
            )
            written_rows, results, written = gated_write(
                lambda approve: update_links(
                    db, spec, name, stream, rows=rows, seed=seed, scale=scale, approve=approve
                ),
                stream,
            )
            failed = [r for r in results if not r.passed]
            checks = check_results(context, results, key)
            paths = report_paths(url, spec.name)
            section = table_section(
                results, rows=checker.rows, written=written, run_id=context.run.run_id
            )
            report = update_report(paths, spec, db.display_url, links_name(name), section)
        if failed:
            yield from checks
            raise gate_failure(links_name(name), failed, db, paths)
        yield MaterializeResult(
            metadata=run.metadata(written_rows, paths, report, links_name(name)),
            check_results=checks,  # after the materialization: it is their target
        )

    return _link


def component_asset(
    spec: Spec,
    component: Component,
    frame_hook: FrameHook | None,
    io_manager_key: str | None = None,
) -> AssetsDefinition:
    """The tables of a NOT NULL cycle as one multi-asset, written in one transaction."""
    tables = component.tables
    outside = list(
        dict.fromkeys(a for name in tables for a in ancestors(spec, name) if a not in tables)
    )
    specs = [
        AssetSpec(
            table_key(spec, name),
            group_name=spec.name,
            deps=[d for d in table_deps(spec, name) if d.path[-1] not in tables],
            description=table_description(spec, name),
            metadata=table_metadata(spec, name),
            kinds={"table"},
        )
        for name in tables
    ]
    if io_manager_key:
        specs = [s.with_io_manager_key(io_manager_key) for s in specs]
    checks = [c for name in tables for c in build_check_specs(spec, name, table_key(spec, name))]
    prefix = f"{spec.asset_prefix}__" if spec.asset_prefix else ""

    @multi_asset(
        name=f"{prefix}cycle__{'__'.join(tables)}",
        specs=specs,
        check_specs=checks,
        can_subset=False,
        pool=target_pool(spec),
    )
    def _generate(
        context: AssetExecutionContext, target: TargetResource, generation: GenerationResource
    ):
        from seed_assets.targets.links import write_component  # SQLAlchemy: at run time

        with step_run(spec, target, generation) as run:
            seed, scale, url, db = run.seed, run.scale, run.url, run.db
            source = parent_source(
                spec, tables[0], db, seed, scale, row_filter=run.row_filter, tables=outside
            )
            streams = {}
            for name in tables:
                expected = source.generator(name).total_rows
                checker = TableChecker(spec, name, source, scale=scale, expected_rows=expected)
                frames = component_frames(spec, name, source, seed=seed, max_rows=FRAME_ROWS)
                streams[name] = CheckedStream(frames, checker, name, frame_hook)
            context.log.info(f"generating the cycle {' + '.join(tables)}")
            written, results, committed = gated_writes(
                lambda approve: write_component(
                    db,
                    spec,
                    streams,
                    seed=seed,
                    scale=scale,
                    if_exists=target.if_exists,
                    approve=approve,
                ),
                list(streams.values()),
            )
            failed = [r for name in tables for r in results[name] if not r.passed]
            checks = {
                name: check_results(context, results[name], table_key(spec, name))
                for name in tables
            }
            rows = {n: written[n].rows if committed else 0 for n in tables}
            paths = report_paths(url, spec.name)
            sections = {
                name: table_section(
                    results[name],
                    rows=streams[name].checker.rows,
                    written=committed,
                    run_id=context.run.run_id,
                    profile=streams[name].checker.profile(seed=seed),
                )
                for name in tables
            }
            report = update_sections(paths, spec, db.display_url, sections)
        if failed:
            for name in tables:
                yield from checks[name]
            raise gate_failure(" + ".join(tables), failed, db, paths)
        for name in tables:
            yield MaterializeResult(
                asset_key=table_key(spec, name),
                metadata={
                    **run.metadata(rows[name], paths, report, name),
                    "written_with": ", ".join(tables),
                },
                check_results=checks[name],
            )

    return _generate
