"""One line saying what a column's values are, from its spec: what the Dagster UI shows as the
column's description ("after accounts.opened_date, gap exponential(30) days", "one of retail
60%, sme 30%, enterprise 10%") instead of the bare name of its source."""

from __future__ import annotations

from typing import Any

from seed_assets.spec.models import ColumnSpec, Spec, TableSpec


def distribution_text(dist: Any) -> str:
    """``lognormal(10, 1.2)``, ``poisson(1.8, min=1)``: as the spec writes it, defaults left out."""
    values = dist.model_dump(exclude={"kind"})
    fields = type(dist).model_fields
    positional = list(getattr(dist, "positional", ()))
    args, keywords = [], False
    for name in [*positional, *(k for k in values if k not in positional)]:
        value, field = values.get(name), fields.get(name)
        required = field is not None and field.is_required()
        keywords = keywords or not required  # after an optional argument, name each one
        if value is None or (not required and field is not None and value == field.default):
            continue
        args.append(f"{name}={_number(value)}" if keywords else _number(value))
    return f"{dist.kind}({', '.join(args)})"


def _number(value: Any) -> str:
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else f"{value:g}"
    return str(value)


def _moment(value: Any) -> str:
    """A date or timestamp as the spec would write it: no time when it is midnight."""
    if hasattr(value, "hour") and not (value.hour or value.minute or value.second):
        return value.date().isoformat()
    return value.isoformat(sep=" ") if hasattr(value, "isoformat") else str(value)


def _percent(share: float) -> str:
    return f"{share * 100:.3g}%"


def _value_text(column: ColumnSpec) -> str:
    source = column.source
    if source == "sequence":
        seq = column.sequence
        text = f"consecutive numbers from {seq.start}" + (
            f" by {seq.step}" if seq.step != 1 else ""
        )
        if seq.format:
            text += f", formatted {seq.format}"
        return text + (", restarting per parent" if seq.per_parent else "")
    if source == "faker":
        params = ", ".join(f"{k}={v!r}" for k, v in column.params.items())
        locale = f" ({column.locale})" if column.locale else ""
        return f"Faker {column.faker}({params}){locale}"
    if source == "choice":
        choice = column.choice
        if choice.weights is None:
            return "one of " + ", ".join(map(str, choice.values)) + " (equal chances)"
        pairs = zip(choice.values, choice.weights, strict=True)
        return "one of " + ", ".join(f"{v} {_percent(w)}" for v, w in pairs)
    if source == "distribution":
        text = distribution_text(column.distribution)
        if column.min is not None:
            text += f", at least {_number(column.min)}"
        if column.max is not None:
            text += f", at most {_number(column.max)}"
        return text + (f", rounded to {column.round} places" if column.round is not None else "")
    if source == "constant":
        return f"always {column.constant!r}"
    if source == "between":
        low, high = column.between
        return f"uniform between {_moment(low)} and {_moment(high)}"
    if source == "after":
        text = f"after {column.after}"
        if column.gap is not None:
            text += f", gap {distribution_text(column.gap)} days"
        if column.before is not None:
            text += f", before {column.before}"
        return text + (f", until {_moment(column.until)}" if column.until is not None else "")
    if source == "before":
        text = f"before {column.before}"
        return text + (f", since {_moment(column.since)}" if column.since is not None else "")
    if source == "rate":
        text = f"true in {_percent(column.rate)} of rows"
        return text + (f", more likely where {column.logit}" if column.logit else "")
    if source == "expr":
        return f"= {column.expr}"
    if source == "copy_of":
        copy = column.copy_of
        share = "" if copy.probability == 1 else f" in {_percent(copy.probability)} of rows"
        return f"copied from {copy.column}{share}"
    if source == "when":
        return f"by {column.when.column}: {_cases_text(column.when)}"
    return source or ""


def _cases_text(when: Any) -> str:
    """``loan: lognormal(11.5, 0.8)``: what each listed value of the `when` column changes."""
    cases = []
    for value, case in when.cases.items():
        changes = []
        for field in case.model_fields_set:
            setting = getattr(case, field)
            if setting is None:
                continue
            if hasattr(setting, "kind"):
                changes.append(distribution_text(setting))
            elif field == "choice" and hasattr(setting, "values"):
                changes.append("one of " + ", ".join(map(str, setting.values)))
            else:
                changes.append(f"{field} {_number(setting)}")
        cases.append(f"{value}: {', '.join(changes)}")
    return "; ".join(cases)


def column_text(spec: Spec, table: TableSpec, name: str) -> str:
    """What `table.name`'s values are: the spec's description, then how they are made."""
    column = table.columns[name]
    parts = [column.description] if column.description else []
    fk = table.fk_for_column(name)
    if fk is not None:
        target = f"{fk.references.table}.{fk.references.columns[fk.columns.index(name)]}"
        if fk.via is not None:
            parts.append(f"the {target} of the row {fk.via} references")
        elif fk.cardinality is not None:
            per = distribution_text(fk.cardinality)
            parts.append(f"references {target}, {per} per {fk.references.table} row")
        else:
            parts.append(f"references {target}")
    value = _value_text(column)
    if value and (fk is None or column.source is not None):
        parts.append(value)
    if column.when is not None and column.source != "when":
        parts.append(f"by {column.when.column}: {_cases_text(column.when)}")
    if column.null_fraction > 0:
        parts.append(f"null in {_percent(column.null_fraction)} of rows")
    if column.unique and name not in table.primary_key:
        parts.append("distinct")
    return "; ".join(p for p in parts if p)
