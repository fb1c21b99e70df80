"""A Pandera ``DataFrameSchema`` built from a table's spec, and the check that runs it.

Dtypes are the engine's canonical ones (``engine/frames.py``): int64 (Int64 when nullable),
float64 for float and decimal, bool (boolean when nullable), datetime64[s], and Python str for
strings, held as object or as pandas' str dtype. Pandera is imported when a schema is built.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from seed_assets.engine.values import json_text
from seed_assets.spec.models import (
    INTEGER_TYPES,
    STRING_TYPES,
    TEMPORAL_TYPES,
    TEXT_TYPES,
    ColumnSpec,
    Spec,
    TableSpec,
)
from seed_assets.spec.relations import value_view
from seed_assets.validation.results import (
    SAMPLE_ROWS,
    CheckResult,
    Measurement,
    fmt_count,
    json_value,
    sample_rows,
)

if TYPE_CHECKING:
    import pandera.pandas as pa

    from seed_assets.validation.inputs import TableData

ENGINE = "pandera"
_SIMPLE_FORMAT = re.compile(r"^(?P<prefix>[^{}]*)\{(?::0?\d*d)?\}(?P<suffix>[^{}]*)$")


def _is_text(series: pd.Series) -> bool:
    if pd.api.types.is_string_dtype(series.dtype) and series.dtype != object:
        return True
    return series.dtype == object and pd.api.types.infer_dtype(series, skipna=True) in (
        "string",
        "empty",
    )


def _dtype(pa, column: ColumnSpec) -> tuple[str | None, list]:
    """A Pandera dtype where the spec fixes one, else a named check on the dtype family."""
    kind, nullable = column.type, column.is_nullable
    if kind in TEXT_TYPES:
        return None, [pa.Check(_is_text, name="dtype('str')")]
    if kind in INTEGER_TYPES:
        if not nullable:
            return "int64", []
        check = pa.Check(
            lambda s: pd.api.types.is_integer_dtype(s.dtype), name="dtype('int64' or 'Int64')"
        )
        return None, [check]
    if kind == "boolean":
        if not nullable:
            return "bool", []
        check = pa.Check(lambda s: pd.api.types.is_bool_dtype(s.dtype), name="dtype('boolean')")
        return None, [check]
    if kind in TEMPORAL_TYPES:
        return "datetime64[s]", []
    return "float64", []


def _bound(value: dt.datetime) -> np.datetime64:
    return np.datetime64(value.replace(tzinfo=None), "s")


def _value_checks(pa, column: ColumnSpec) -> list:
    column = value_view(column)  # a dependent column's bounds are the relations check's
    checks = []
    if column.choice is not None and column.type != "boolean":
        checks.append(pa.Check.isin(column.choice.values))
    if "constant" in column.model_fields_set and column.constant is not None:
        constant = json_text(column.constant) if column.type == "json" else column.constant
        checks.append(pa.Check.isin([constant]))
    dist = column.distribution
    if dist is not None or column.expr is not None:
        low, high = column.min, column.max
        if dist is None:  # an expr: clipped to its own min and max
            pass
        elif dist.kind == "uniform":
            low = dist.low if low is None else max(low, dist.low)
            high = dist.high if high is None else min(high, dist.high)
            if column.type in INTEGER_TYPES:  # values are rounded to the nearest integer
                low, high = np.floor(low), np.ceil(high)
        elif dist.kind in ("lognormal", "exponential", "poisson"):
            low = 0.0 if low is None else low
        if low is not None and high is not None:
            checks.append(pa.Check.in_range(low, high))
        elif low is not None:
            checks.append(pa.Check.ge(low))
        elif high is not None:
            checks.append(pa.Check.le(high))
    if column.between is not None:
        start, end = (_bound(v) for v in column.between)
        checks.append(pa.Check.in_range(start, end))
    if column.type in STRING_TYPES and column.length is not None:
        checks.append(pa.Check.str_length(max_value=column.length))
    seq = column.sequence
    if seq is not None:
        if seq.format is None:
            checks.append(pa.Check.ge(seq.start))
        else:
            match = _SIMPLE_FORMAT.match(seq.format)
            if match:
                pattern = f"^{re.escape(match['prefix'])}-?\\d+{re.escape(match['suffix'])}$"
                checks.append(pa.Check.str_matches(pattern))
    return checks


def _frame_checks(pa, table: TableSpec) -> list:
    checks = []
    for name, column in table.columns.items():
        if column.after is not None and "." not in column.after:
            ref = column.after
            checks.append(
                pa.Check(lambda df, a=name, b=ref: ~(df[a] < df[b]), name=f"{name} >= {ref}")
            )
    keys = [list(table.primary_key)] if len(table.primary_key) > 1 else []
    keys += [list(k) for k in table.unique if len(k) > 1]
    for key in keys:
        checks.append(
            pa.Check(
                lambda df, k=key: ~df.duplicated(subset=k, keep="first"),
                name=f"unique({', '.join(key)})",
            )
        )
    return checks


def _per_row(failures: pd.DataFrame) -> pd.DataFrame:
    """Pandera lists a failing table-level check once per cell of the row; keep one per row."""
    table_level = failures["schema_context"] == "DataFrameSchema"
    if not table_level.any():
        return failures
    rows = failures[table_level].drop_duplicates(subset=["check", "index"]).copy()
    rows["column"] = None
    rows["failure_case"] = None
    return pd.concat([failures[~table_level], rows], ignore_index=True)


def build_schema(spec: Spec, table_name: str) -> pa.DataFrameSchema:
    """The table's schema: dtypes, nullability, ranges, allowed values, keys, same-row rules."""
    import pandera.pandas as pa

    table = spec.tables[table_name]
    columns = {}
    for name, column in table.columns.items():
        dtype, dtype_checks = _dtype(pa, column)
        columns[name] = pa.Column(
            dtype,
            checks=dtype_checks + _value_checks(pa, column),
            nullable=column.is_nullable,
            unique=column.unique or table.primary_key == [name],
            required=True,
            description=column.description,
        )
    return pa.DataFrameSchema(
        columns, checks=_frame_checks(pa, table), strict=True, name=table_name, coerce=False
    )


def pandera_schema(data: TableData) -> CheckResult:
    """Validate the table's rows against the schema (lazily: every failure, not the first)."""
    import pandera.pandas as pa

    result = CheckResult(
        data.name,
        "pandera_schema",
        ENGINE,
        "Pandera schema from the spec: dtypes, nullability, ranges, allowed values, "
        "uniqueness, same-row date order.",
    )
    schema = build_schema(data.spec, data.name)
    rules = sum(
        len(c.checks) + (c.dtype is not None) + c.unique + (not c.nullable)
        for c in schema.columns.values()
    )
    rules += len(schema.checks)
    frame = data.frame.reset_index(drop=True)
    try:
        schema.validate(frame, lazy=True)
        failures = pd.DataFrame(columns=["column", "check", "failure_case", "index"])
    except pa.errors.SchemaErrors as exc:
        failures = _per_row(exc.failure_cases)
    groups = (
        failures.groupby(["column", "check"], dropna=False, sort=False) if len(failures) else []
    )
    failing_rules = len(groups) if len(failures) else 0
    result.measurements.append(
        Measurement(
            f"schema rules ({rules} over {len(schema.columns)} columns): failing",
            fmt_count(failing_rules),
            "0",
            failing_rules == 0,
            failing_rules,
        )
    )
    result.counts.update({"rules": rules, "failing_rules": failing_rules, "rows": len(frame)})
    if not failing_rules:
        return result
    for (column, check), cases in groups:
        where = "table" if pd.isna(column) else column
        result.measurements.append(
            Measurement(
                f"{where}: {check}", f"{len(cases):,} failure cases", "0", False, len(cases)
            )
        )
        result.counts[f"failures: {where}: {check}"] = len(cases)
        if len(result.samples) >= SAMPLE_ROWS:
            continue
        for _, case in cases.head(SAMPLE_ROWS - len(result.samples)).iterrows():
            index = case["index"]
            extra = {
                "column": json_value(column),
                "check": check,
                "failure_case": json_value(case["failure_case"]),
            }
            if index is None or pd.isna(index):
                result.samples.append(extra)
            else:
                result.samples += sample_rows(frame, [int(index)], extra=extra)
    return result
