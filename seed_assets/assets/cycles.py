"""FK cycles as assets, gated by blocking checks like every table.

- Nullable cycle: each table stays its own asset, written with its deferred FK columns NULL
  (registry status "linking"); ``<table>_links`` (deps: the table and the tables its deferred
  FKs reference) fills them, checks orphans and null shares, and UPDATEs them in one
  transaction. Readers outside the cycle depend on the links asset, so they only see the table
  complete; a failing links check stops them.
- NOT NULL cycle: one ``multi_asset`` makes all its tables in memory, checks each, and writes
  them in one transaction with deferred FK checks (``sql/links.write_component``).
"""

import time

import pandas as pd
from dagster import (
    AssetExecutionContext,
    AssetsDefinition,
    AssetSpec,
    MaterializeResult,
    MetadataValue,
    asset,
    multi_asset,
)

from seed_assets.assets.checks import build_check_specs, build_links_check_specs, check_result
from seed_assets.assets.describe import table_description, table_metadata
from seed_assets.assets.gate import FrameHook, gate_failure, read_parents
from seed_assets.assets.keys import table_deps, table_key
from seed_assets.assets.report_metadata import report_metadata
from seed_assets.engine.links import generate_component, link_columns, link_frame
from seed_assets.reports.report import (
    report_paths,
    table_section,
    update_report,
    update_sections,
)
from seed_assets.resources import GenerationResource, TargetResource
from seed_assets.spec.cycles import Component
from seed_assets.spec.graph import linked_fks, links_name
from seed_assets.spec.models import Spec
from seed_assets.validation.inputs import check_parent_columns
from seed_assets.validation.rules import check_links, check_table


def links_asset(spec: Spec, name: str, frame_hook: FrameHook | None) -> AssetsDefinition:
    """``<name>_links``: fill `name`'s deferred FKs once the tables they reference exist."""
    fks = linked_fks(spec, name)
    reads = link_columns(spec, name, fks)
    columns = ", ".join(c for fk in fks for c in fk.columns)
    targets = list(dict.fromkeys(fk.references.table for fk in fks))
    key = table_key(spec, links_name(name))

    @asset(
        key=key,
        group_name=spec.name,
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
        started = time.perf_counter()
        seed, scale = generation.seed_for(spec), generation.scale
        url = target.url_for(spec)
        db = target.target_for(spec)
        try:
            frames = read_parents(db, spec, name, reads)
            links = link_frame(spec, name, frames, seed=seed, fks=fks)
            if frame_hook is not None:
                links = frame_hook(links_name(name), links)
            results = check_links(spec, name, links, frames, scale=scale)
            failed = [r for r in results if not r.passed]
            for result in results:
                if result.error is not None:
                    context.log.error(f"{result.name} could not run: {result.error}")
            checks = [check_result(r, key) for r in results]
            rows = 0
            if not failed:
                from seed_assets.targets.links import update_links  # SQLAlchemy: at run time

                rows = update_links(db, spec, name, links, seed=seed, scale=scale)
            paths = report_paths(url)
            section = table_section(
                results, rows=len(links), written=not failed, run_id=context.run.run_id
            )
            report = update_report(paths, spec, db.display_url, links_name(name), section)
        finally:
            db.dispose()
        if failed:
            yield from checks
            raise gate_failure(links_name(name), failed, db, paths)
        yield MaterializeResult(
            metadata={
                "dagster/row_count": rows,
                "target": db.display_url,
                "seed": seed,
                "scale": scale,
                "seconds": round(time.perf_counter() - started, 3),
                **report_metadata(paths, report, links_name(name)),
            },
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
    outside: dict[str, list[str]] = {}
    for name in tables:
        for parent, columns in check_parent_columns(spec, name).items():
            if parent not in tables:
                have = outside.setdefault(parent, [])
                have.extend(c for c in columns if c not in have)
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
    )
    def _generate(
        context: AssetExecutionContext, target: TargetResource, generation: GenerationResource
    ):
        started = time.perf_counter()
        seed, scale = generation.seed_for(spec), generation.scale
        url = target.url_for(spec)
        db = target.target_for(spec)
        try:
            parent_frames = read_parents(db, spec, tables[0], outside)
            made = generate_component(spec, component, parent_frames, seed=seed, scale=scale)
            frames: dict[str, pd.DataFrame] = {}
            for name, (_, frame) in made.items():
                frames[name] = frame_hook(name, frame) if frame_hook is not None else frame
            sizes = ", ".join(f"{n}: {len(f):,} rows" for n, f in frames.items())
            context.log.info(f"generated the cycle {sizes}")
            readable = {**parent_frames, **frames}
            results = {
                name: check_table(spec, name, frames[name], readable, scale=scale)
                for name in tables
            }
            failed = [r for name in tables for r in results[name] if not r.passed]
            for name in tables:
                for result in results[name]:
                    if result.error is not None:
                        context.log.error(f"{result.name} could not run: {result.error}")
            checks = {
                name: [check_result(r, table_key(spec, name)) for r in results[name]]
                for name in tables
            }
            rows = dict.fromkeys(tables, 0)
            if not failed:
                from seed_assets.targets.links import write_component

                written = write_component(
                    db,
                    spec,
                    {n: [f] for n, f in frames.items()},
                    seed=seed,
                    scale=scale,
                    if_exists=target.if_exists,
                )
                rows = {n: r.rows for n, r in written.items()}
            paths = report_paths(url)
            sections = {
                name: table_section(
                    results[name],
                    rows=len(frames[name]),
                    written=not failed,
                    run_id=context.run.run_id,
                )
                for name in tables
            }
            report = update_sections(paths, spec, db.display_url, sections)
        finally:
            db.dispose()
        if failed:
            for name in tables:
                yield from checks[name]
            raise gate_failure(" + ".join(tables), failed, db, paths)
        seconds = round(time.perf_counter() - started, 3)
        for name in tables:
            yield MaterializeResult(
                asset_key=table_key(spec, name),
                metadata={
                    "dagster/row_count": rows[name],
                    "target": db.display_url,
                    "seed": seed,
                    "scale": scale,
                    "seconds": seconds,
                    "written_with": ", ".join(tables),
                    **report_metadata(paths, report, name),
                },
                check_results=checks[name],
            )

    return _generate
