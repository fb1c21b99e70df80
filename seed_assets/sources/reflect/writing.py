"""Writing a reflected table as spec data: value sources (``infer.py``), keys, FKs and CHECKs,
each with the reason the YAML writer prints beside it."""

from __future__ import annotations

from typing import Any

from seed_assets.errors import SpecError
from seed_assets.sources.infer import SOURCE_FIELDS, ColumnContext, anchor_column, infer_column
from seed_assets.sources.reflect.model import Reflection, Table
from seed_assets.sources.reflect.pattern_checks import pattern_source
from seed_assets.sources.reflect.planning import TablePlan
from seed_assets.spec import checks as ck
from seed_assets.spec.models import INTEGER_TYPES, STRING_TYPES, TEMPORAL_TYPES


def table_data(table: Table, tables, plans, rows: dict[str, int], out: Reflection) -> dict:
    plan = plans[table.name]
    out.notes += plan.suggestions
    data: dict[str, Any] = {}
    if table.description:
        data["description"] = table.description
    if plan.rows is not None:
        data["rows"] = plan.rows
        out.comments[("rows", table.name)] = plan.rows_why
    if table.primary_key:
        data["primary_key"] = list(table.primary_key)
    fk_columns = {c for fk in table.foreign_keys for c in fk["columns"]}
    singles = {k[0] for k in table.unique if len(k) == 1}
    if len(table.primary_key) == 1:
        singles.add(table.primary_key[0])
    composite = [k for k in [table.primary_key, *table.unique] if len(k) > 1]
    nodes = [ck.understand(c["sql"], tuple(table.columns)) for c in table.checks]
    for column, fields in table.columns.items():
        if fields.get("domain", {}).get("check"):
            nodes.append(
                ck.understand(
                    ck.replace_value(fields["domain"]["check"], column), tuple(table.columns)
                )
            )
    facts = ck.column_facts(n for n in nodes if n is not None)
    patterns = {}  # column -> (fields, why): values for a regex/LIKE CHECK
    for check, node in zip(table.checks, nodes, strict=False):
        found = pattern_source(check["sql"], tuple(table.columns)) if node is None else None
        if found is not None:
            patterns[found[0]] = found[1:]
    for column, fields in table.columns.items():
        check = fields.get("domain", {}).get("check")
        found = pattern_source(ck.replace_value(check, column), (column,)) if check else None
        if found is not None:
            patterns[column] = found[1:]
    anchors = _parent_anchors(table, tables, plan)
    types = {c: f["type"] for c, f in table.columns.items()}
    driving_cols = set(plan.driving["columns"]) if plan.driving else set()
    unique_text = _unique_for_keys(table, composite, driving_cols, singles, fk_columns)
    columns: dict[str, Any] = {}
    for column, type_fields in table.columns.items():
        fields = {k: v for k, v in type_fields.items() if not k.startswith("_")}
        labels = type_fields.get("_labels")
        if labels is not None:
            fields["choice"] = list(labels)
        why = type_fields.get("_why")
        if column in fk_columns:
            reason = _fk_reason(table, column)
            if table.nullable[column]:
                self_ref = any(
                    column in fk["columns"] and fk["_table"] == table.name
                    for fk in table.foreign_keys
                )
                fields["null_fraction"] = 0.2 if self_ref else 0.1
                reason += f"; nullable: {fields['null_fraction']:.0%} NULL"
        elif column in patterns and column not in table.identity:
            fields.update(patterns[column][0])
            reason = patterns[column][1]
            if table.nullable[column]:
                fields["null_fraction"] = 0.1
                reason += "; nullable: 10% NULL"
        elif "_value" in type_fields and column not in table.identity:
            fields.update(type_fields["_value"])  # a type with no spec kind (special_types.py)
            reason, why = why or "", None
            if table.nullable[column] and fields.get("constant", "") is not None:
                fields["null_fraction"] = 0.1
                reason += "; nullable: 10% NULL"
        else:
            in_key = any(column in k for k in composite)
            ctx = ColumnContext(
                table=table.name,
                name=column,
                type=fields["type"],
                length=fields.get("length"),
                precision=fields.get("precision"),
                scale=fields.get("scale"),
                unsigned=bool(fields.get("unsigned")),
                nullable=table.nullable[column],
                unique=column in singles or column in unique_text,
                in_key=in_key and column not in unique_text,
                identity_start=table.identity.get(column),
                default=table.defaults.get(column),
                labels=labels,
                facts=facts.get(column, ck.ColumnFacts()),
                siblings=types,
                nullable_siblings={c for c, n in table.nullable.items() if n},
                parent_anchor=anchors.get(column),
                per_parent=_per_parent(table, column, driving_cols),
                rows=rows[table.name],
            )
            inferred = infer_column(ctx)
            fields.update(inferred.fields)
            reason = inferred.reason
            if column in unique_text:
                reason += f"; unique, so that ({', '.join(unique_text[column])}) stays unique"
        if column in singles and column not in table.primary_key:
            fields["unique"] = True
        if column in unique_text:
            fields["unique"] = True
        if table.nullable[column] and "null_fraction" not in fields and column not in fk_columns:
            fields["nullable"] = True
        if table.comments.get(column):
            fields["description"] = table.comments[column]
        if why:
            reason = f"{why}; {reason}"
        columns[column] = _ordered(fields)
        out.comments[("column", table.name, column)] = reason
    data["columns"] = columns
    fks = []
    for i, fk in enumerate(table.foreign_keys):
        entry = {k: v for k, v in fk.items() if not k.startswith("_")}
        if i in plan.via:
            entry["via"] = plan.via[i]
            out.comments[("fk", table.name, str(i))] = (
                f"denormalised: the {fk['_table']} of its {plan.via[i]} row"
            )
        elif fk is plan.driving:
            entry["cardinality"] = plan.cardinality
            out.comments[("fk", table.name, str(i))] = plan.cardinality_why
        fks.append(entry)
    if fks:
        data["foreign_keys"] = fks
    composite_unique = [k for k in table.unique if len(k) > 1]
    if composite_unique:
        data["unique"] = composite_unique
    if table.checks:
        data["checks"] = [dict(c) if c.get("name") else c["sql"] for c in table.checks]
        for i, (check, node) in enumerate(zip(table.checks, nodes, strict=False)):
            if node is None:
                out.notes.append(
                    f"{table.name}: CHECK ({check['sql']}) is not understood; the database "
                    "judges each generated row and rows it refuses are dropped"
                )
                out.comments[("check", table.name, str(i))] = (
                    "not understood: evaluated in the database while generating"
                )
            else:
                out.comments[("check", table.name, str(i))] = "understood: honoured when generating"
    return data


def _fk_reason(table: Table, column: str) -> str:
    fk = next(fk for fk in table.foreign_keys if column in fk["columns"])
    return f"foreign key -> {fk['references']}"


def _per_parent(table: Table, column: str, driving_cols: set[str]) -> bool:
    pk = table.primary_key
    return (
        bool(driving_cols)
        and column in pk
        and driving_cols <= set(pk)
        and set(pk) - driving_cols == {column}
        and table.columns[column]["type"] in INTEGER_TYPES
    )


def _unique_for_keys(table, composite, driving_cols, singles, fk_columns) -> dict[str, list[str]]:
    """For a composite key that could repeat across chunks (no driving FK in it, nothing unique
    in it), a text column of it made unique on its own: the key then never repeats."""
    chosen: dict[str, list[str]] = {}
    for key in composite:
        if driving_cols and driving_cols <= set(key):
            continue
        if any(c in singles for c in key):
            continue
        for column in key:
            if column not in fk_columns and table.columns[column]["type"] in STRING_TYPES:
                chosen[column] = key
                break
    return chosen


def _parent_anchors(table: Table, tables, plan: TablePlan) -> dict[str, tuple[str, str]]:
    """Temporal columns that should follow a parent row's creation time: the table's own
    creation column, after the creation column of the parent of its driving FK (or of another
    NOT NULL FK when that parent has none)."""
    types = {c: f["type"] for c, f in table.columns.items()}
    anchor = anchor_column(types, set())
    if anchor is None:
        return {}
    fks = sorted(
        (fk for fk in table.foreign_keys if fk["_table"] != table.name),
        key=lambda fk: fk is not plan.driving,
    )
    for fk in fks:
        parent = tables.get(fk["_table"])
        if parent is None or any(table.nullable[c] for c in fk["columns"]):
            continue
        if sum(1 for other in table.foreign_keys if other["_table"] == fk["_table"]) != 1:
            continue  # `after` needs one FK to the parent
        # a NOT NULL time never follows a parent's time that may be NULL
        maybe_null = (
            set() if table.nullable[anchor] else {c for c, n in parent.nullable.items() if n}
        )
        parent_anchor = anchor_column({c: f["type"] for c, f in parent.columns.items()}, maybe_null)
        if parent_anchor is not None and types[anchor] in TEMPORAL_TYPES:
            return {anchor: (fk["_table"], parent_anchor)}
    return {}


_FIELD_ORDER = [
    "type",
    "length",
    "precision",
    "scale",
    "unsigned",
    "nullable",
    "null_fraction",
    *SOURCE_FIELDS,
    "unique",
    "enum",
    "identity",
    "server_default",
    "sql_type",
    "domain",
    "description",
]


def _ordered(fields: dict[str, Any]) -> dict[str, Any]:
    known = {k: fields[k] for k in _FIELD_ORDER if k in fields}
    return known | {k: v for k, v in fields.items() if k not in known}


def validate(reflection: Reflection) -> None:
    """Load the reflected data as a spec; a problem becomes a note (the spec is still written,
    for the user to adjust)."""
    from seed_assets.spec.loader import spec_from_dict

    try:
        spec_from_dict(reflection.data, source="<reflected>")
    except SpecError as exc:
        reflection.notes.append(f"the reflected spec does not load as it is: {exc}")
