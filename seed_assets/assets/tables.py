"""One asset per spec table; its upstream deps are exactly the tables its FKs reference."""

import time

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

from seed_assets.engine.table import TableGenerator, parent_columns
from seed_assets.resources import GenerationResource, TargetResource
from seed_assets.spec.graph import parents
from seed_assets.spec.models import Spec


def build_table_assets(spec: Spec) -> list[AssetsDefinition]:
    """The spec's tables as assets in group ``spec.name``, keyed by table name."""
    return [_table_asset(spec, name) for name in spec.tables]


def table_key(spec: Spec, table: str) -> AssetKey:
    """The asset key of a table: its name, under the spec's `asset_prefix` when it has one."""
    return AssetKey([spec.asset_prefix, table] if spec.asset_prefix else [table])


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


def _table_asset(spec: Spec, name: str) -> AssetsDefinition:
    table = spec.tables[name]
    needs = parent_columns(spec, name)
    driving = table.driving_fk
    how_many = (
        f"{table.rows} rows (times the run's scale)"
        if driving is None
        else f"children per {driving.references.table}: {driving.cardinality.kind} "
        f"(mean {driving.cardinality.expected_mean():.2f})"
    )

    @asset(
        key=table_key(spec, name),
        group_name=spec.name,
        deps=[table_key(spec, parent) for parent in parents(spec, name)],
        description=f"{table.description or f'Table {name}.'}\n\n{how_many}.",
        metadata={
            "dagster/column_schema": table_schema(spec, name),
            "spec": MetadataValue.path(spec.source or spec.name),
            "primary_key": ", ".join(table.primary_key),
        },
        kinds={"table"},
    )
    def _generate(
        context: AssetExecutionContext, target: TargetResource, generation: GenerationResource
    ) -> MaterializeResult:
        started = time.perf_counter()
        seed, scale = generation.seed_for(spec), generation.scale
        db = target.target_for(spec)
        try:
            status = db.status()
            for parent in needs:
                entry = status.get(parent)
                if entry is None or entry.status != "complete":
                    raise Failure(
                        f"{name} needs the rows of {parent}, which {db.display_url} does not hold "
                        f"complete; materialise {parent} first"
                    )
            parent_frames = {p: db.read_columns(spec, p, cols) for p, cols in needs.items()}
            generator = TableGenerator(spec, name, parent_frames, seed=seed, scale=scale)
            context.log.info(
                f"generating {generator.total_rows:,} rows of {name} into {db.display_url}"
            )
            rows = db.write_table(spec, name, generator.frames(), seed=seed, scale=scale)
        finally:
            db.dispose()
        seconds = time.perf_counter() - started
        return MaterializeResult(
            metadata={
                "dagster/row_count": rows,
                "target": db.display_url,
                "seed": seed,
                "scale": scale,
                "seconds": round(seconds, 3),
                "rows_per_second": int(rows / seconds) if seconds else 0,
            }
        )

    return _generate
