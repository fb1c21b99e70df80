"""One asset per spec table; its upstream deps are exactly the tables its FKs reference.

FK cycles (see ``assets/cycles.py``): a deferred FK of a nullable cycle is no dep of its table;
a ``<table>_links`` asset fills it, and tables outside the cycle that read such a table depend
on its links asset too, so they only ever see it complete. A NOT NULL cycle is one multi-asset.

Each table asset is gated by its blocking checks (``checks.py``): it generates the table in
memory, runs every check on those rows and its parents' committed rows, yields the check
results, and writes (one transaction) only when all of them passed. When any fails, nothing is
written: the table keeps what it held before, the step fails without a materialisation, and
Dagster skips everything downstream. Either way the report beside the database is updated.
"""

import time
from collections.abc import Callable

import pandas as pd
from dagster import (
    AssetExecutionContext,
    AssetKey,
    AssetsDefinition,
    Failure,
    MaterializeResult,
    MetadataValue,
    TableColumn,
    TableColumnConstraints,
    TableSchema,
    asset,
)

from seed_assets.assets.checks import build_check_specs, check_result
from seed_assets.engine.table import TableGenerator
from seed_assets.resources import GenerationResource, TargetResource
from seed_assets.spec.graph import (
    component_of,
    components,
    linked_fks,
    links_name,
    links_tables,
    parents,
)
from seed_assets.spec.models import Spec
from seed_assets.sql.check_filter import check_filter
from seed_assets.validation.inputs import TableData, check_parent_columns
from seed_assets.validation.profile import profile_table
from seed_assets.validation.report import report_paths, table_section, update_report
from seed_assets.validation.rules import check_table

FrameHook = Callable[[str, pd.DataFrame], pd.DataFrame]


def build_table_assets(
    spec: Spec, *, frame_hook: FrameHook | None = None
) -> list[AssetsDefinition]:
    """The spec's tables as assets in group ``spec.name``, keyed by table name.

    `frame_hook(table, frame)` is applied to each generated frame before its checks run (and
    `frame_hook("<table>_links", frame)` to a links step's); the tests use it to break data on
    purpose. The definitions never set it.
    """
    from seed_assets.assets.cycles import component_asset, links_asset

    assets = []
    for component in components(spec):
        if component.together:
            assets.append(component_asset(spec, component, frame_hook))
            continue
        assets += [_table_asset(spec, name, frame_hook) for name in component.tables]
        assets += [
            links_asset(spec, name, frame_hook)
            for name in component.tables
            if linked_fks(spec, name)
        ]
    return assets


def table_key(spec: Spec, table: str) -> AssetKey:
    """The asset key of a table (or of a links step, ``<table>_links``): its name, under the
    spec's `asset_prefix` when it has one."""
    return AssetKey([spec.asset_prefix, table] if spec.asset_prefix else [table])


def spec_keys(spec: Spec) -> list[AssetKey]:
    """Every asset key of the spec's data: its tables and their links steps."""
    keys = [table_key(spec, name) for name in spec.tables]
    return keys + [table_key(spec, links_name(name)) for name in links_tables(spec)]


def table_deps(spec: Spec, name: str) -> list[AssetKey]:
    """The tables `name`'s non-deferred FKs reference, and the links step of each of those
    that has one and lies outside `name`'s cycle: read only once complete."""
    inside = component_of(spec, name).tables
    deps = []
    for parent in parents(spec, name):
        deps.append(table_key(spec, parent))
        if parent not in inside and linked_fks(spec, parent):
            deps.append(table_key(spec, links_name(parent)))
    return deps


def require_rows(db, spec: Spec, reader: str, tables) -> None:
    """Raise Failure unless `db` holds each of `tables` complete (tables of `reader`'s cycle
    may still wait for their links: their keys are final)."""
    status = db.status()
    inside = component_of(spec, reader).tables if reader in spec.tables else ()
    for parent in tables:
        entry = status.get(parent)
        ok = entry is not None and (
            entry.status == "complete" or (entry.status == "linking" and parent in inside)
        )
        if not ok:
            step = links_name(parent) if entry is not None and entry.status == "linking" else parent
            raise Failure(
                f"{reader} needs the rows of {parent}, which {db.display_url} does not hold "
                f"complete; materialise {step} first"
            )


def read_parents(db, spec: Spec, reader: str, tables: dict[str, list[str]]) -> dict:
    """The committed columns `reader` needs of each table, once they are complete."""
    require_rows(db, spec, reader, tables)
    return {t: db.read_columns(spec, t, cols) for t, cols in tables.items()}


def gate_failure(what: str, failed, db, paths) -> Failure:
    """The step's failure when blocking checks failed: nothing was written."""
    lines = [line for r in failed for line in r.failures()]
    return Failure(
        f"{what} was not written: {len(failed)} blocking check(s) failed: "
        f"{', '.join(r.name for r in failed)}. {db.display_url} keeps the rows it held "
        "before; everything downstream is skipped.",
        metadata={
            "failed_checks": ", ".join(r.name for r in failed),
            "failures": MetadataValue.md("\n".join(f"- {line}" for line in lines)),
            "report": MetadataValue.path(str(paths.markdown)),
            "report_html": MetadataValue.path(str(paths.html.resolve())),
        },
        allow_retries=False,
    )


def table_schema(spec: Spec, name: str) -> TableSchema:
    table = spec.tables[name]
    columns = []
    for column_name, column in table.columns.items():
        fk = table.fk_for_column(column_name)
        detail = [column.source or (f"FK -> {fk.references.table}" if fk else "")]
        if column.description:
            detail.insert(0, column.description)
        columns.append(
            TableColumn(
                name=column_name,
                type=column.type,
                description="; ".join(d for d in detail if d) or None,
                constraints=TableColumnConstraints(
                    nullable=column.is_nullable,
                    unique=column.unique or table.primary_key == [column_name],
                ),
            )
        )
    return TableSchema(columns=columns)


def table_description(spec: Spec, name: str) -> str:
    """What the asset page says: the table, how many rows, how cycles are filled."""
    table = spec.tables[name]
    driving = table.driving_fk
    how_many = (
        f"{table.rows} rows (times the run's scale)"
        if driving is None
        else f"children per {driving.references.table}: {driving.cardinality.kind} "
        f"(mean {driving.cardinality.expected_mean():.2f})"
    )
    text = f"{table.description or f'Table {name}.'}\n\n{how_many}. Written only when every "
    text += "blocking check passes."
    linked = linked_fks(spec, name)
    if linked:
        columns = ", ".join(c for fk in linked for c in fk.columns)
        text += (
            f" {columns} (closing an FK cycle) is written NULL here and filled by "
            f"{links_name(name)}."
        )
    elif component_of(spec, name).together:
        others = ", ".join(t for t in component_of(spec, name).tables if t != name)
        text += f" Written in one transaction with {others} (a NOT NULL FK cycle)."
    return text


def table_metadata(spec: Spec, name: str) -> dict:
    return {
        "dagster/column_schema": table_schema(spec, name),
        "spec": MetadataValue.path(spec.source or spec.name),
        "primary_key": ", ".join(spec.tables[name].primary_key),
    }


def _table_asset(spec: Spec, name: str, frame_hook: FrameHook | None) -> AssetsDefinition:
    needs = check_parent_columns(spec, name)

    @asset(
        key=table_key(spec, name),
        group_name=spec.name,
        deps=table_deps(spec, name),
        description=table_description(spec, name),
        metadata=table_metadata(spec, name),
        kinds={"table"},
        check_specs=build_check_specs(spec, name, table_key(spec, name)),
    )
    def _generate(
        context: AssetExecutionContext, target: TargetResource, generation: GenerationResource
    ):
        started = time.perf_counter()
        seed, scale = generation.seed_for(spec), generation.scale
        url = target.url_for(spec)
        db = target.target_for(spec)
        try:
            parent_frames = read_parents(db, spec, name, needs)
            row_filter = check_filter(spec, url)  # CHECKs only the database can judge
            generator = TableGenerator(
                spec, name, parent_frames, seed=seed, scale=scale, row_filter=row_filter
            )
            context.log.info(f"generating {generator.total_rows:,} rows of {name}")
            try:
                frame = generator.frame()
            finally:
                if row_filter is not None:
                    row_filter.close()
            if frame_hook is not None:
                frame = frame_hook(name, frame)
            generated = time.perf_counter()
            pending = frozenset(fk.label for fk in linked_fks(spec, name))
            data = TableData(spec, name, frame, parent_frames, scale=scale, pending=pending)
            results = check_table(spec, name, frame, parent_frames, scale=scale, data=data)
            checked = time.perf_counter()
            failed = [r for r in results if not r.passed]
            for result in results:
                if result.error is not None:
                    context.log.error(f"{result.name} could not run: {result.error}")
                yield check_result(result, table_key(spec, name))
            rows = 0
            if not failed:
                rows = db.write_table(
                    spec, name, [frame], seed=seed, scale=scale, if_exists=target.if_exists
                ).rows
            paths = report_paths(url)
            profile = profile_table(spec, name, frame, parent_frames, seed=seed, data=data)
            section = table_section(
                results,
                rows=len(frame),
                written=not failed,
                run_id=context.run.run_id,
                profile=profile,
            )
            report = update_report(paths, spec, db.display_url, name, section)
        finally:
            db.dispose()
        if failed:
            raise gate_failure(name, failed, db, paths)
        seconds = time.perf_counter() - started
        yield MaterializeResult(
            metadata={
                "dagster/row_count": rows,
                "target": db.display_url,
                "seed": seed,
                "scale": scale,
                "seconds": round(seconds, 3),
                "check_seconds": round(checked - generated, 3),
                "rows_per_second": int(rows / seconds) if seconds else 0,
                "report": MetadataValue.path(str(paths.markdown)),
                "report_html": MetadataValue.path(str(paths.html.resolve())),
                "database_verdict": report["verdict"],
            }
        )

    return _generate
