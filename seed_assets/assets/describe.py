"""What a table asset says about itself: its schema, description and metadata."""

from dagster import MetadataValue, TableColumn, TableColumnConstraints, TableSchema

from seed_assets.spec.column_text import column_text
from seed_assets.spec.graph import component_of, linked_fks, links_name
from seed_assets.spec.models import Spec


def table_schema(spec: Spec, name: str) -> TableSchema:
    """The columns, each described by what its values are (``spec/column_text.py``)."""
    table = spec.tables[name]
    columns = []
    for column_name, column in table.columns.items():
        columns.append(
            TableColumn(
                name=column_name,
                type=column.type,
                description=column_text(spec, table, column_name) or None,
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
