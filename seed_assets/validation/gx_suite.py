"""A Great Expectations 1.x suite built from a table's spec, run in an ephemeral context.

GX validates one frame, so the relational expectations run on the table joined (left, with
pandas) to its parents: each FK column must equal the parent key the join found (a missing
parent leaves it empty: an orphan), each `after` date must not precede the joined parent date,
and each denormalised FK must equal the value of the row it is copied through. Membership is
tested by the join, not by ``ExpectColumnValuesToBeInSet(value_set=parent keys)``: GX 1.x
serialises an expectation's arguments ~100 times per validation, so a 20,000-key value set took
8 s for 30,000 rows here.

An expectation that raises (a metric the engine cannot compute, a column of the wrong type) makes
the check ERROR, never PASS and never an ordinary data failure. GX takes seconds to import, so it
is imported inside ``gx_suite``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from seed_assets.engine.constraints import may_drop_rows
from seed_assets.spec.graph import resolve_after, resolve_via
from seed_assets.spec.models import INTEGER_TYPES, STRING_TYPES, ForeignKeySpec, Spec
from seed_assets.spec.relations import value_view
from seed_assets.validation.results import (
    SAMPLE_ROWS,
    CheckResult,
    Measurement,
    json_value,
    sample_rows,
)

if TYPE_CHECKING:
    from seed_assets.validation.inputs import TableData

ENGINE = "great_expectations"
RESULT_FORMAT = {"result_format": "SUMMARY", "partial_unexpected_count": SAMPLE_ROWS}


def joined_column(fk: ForeignKeySpec, column: str) -> str:
    """A parent column joined in through `fk`: ``@account_id.accounts.opened_date``."""
    return f"@{'+'.join(fk.columns)}.{fk.references.table}.{column}"


def _through(spec: Spec, table_name: str, fk: ForeignKeySpec) -> tuple[ForeignKeySpec, list[str]]:
    through, copied = resolve_via(spec, table_name, fk)
    return through, list(copied.columns)


def joined_needs(
    spec: Spec, table_name: str, pending: Collection[str] = ()
) -> dict[int, tuple[ForeignKeySpec, list[str]]]:
    """For each FK, the parent columns to bring in: its key, `after` dates, `via` sources.

    FKs in `pending` (labels; filled later by a links step) are left out.
    """
    table = spec.tables[table_name]
    needs = {
        id(fk): (fk, list(fk.references.columns))
        for fk in table.foreign_keys
        if fk.label not in pending
    }
    for column in table.columns.values():
        if column.after and "." in column.after:
            fk, ref = resolve_after(spec, table_name, column.after)
            if ref not in needs[id(fk)][1]:
                needs[id(fk)][1].append(ref)
    for fk in table.foreign_keys:
        if fk.via is not None:
            through, sources = _through(spec, table_name, fk)
            have = needs[id(through)][1]
            have.extend(c for c in sources if c not in have)
    return needs


def _for_gx(series: pd.Series) -> pd.Series:
    # GX 1.24 raises "boolean value of NA is ambiguous" on pandas NA in pair expectations:
    # nullable integers and booleans reach it as float64 with NaN.
    if isinstance(series.dtype, pd.api.extensions.ExtensionDtype) and (
        pd.api.types.is_integer_dtype(series.dtype) or pd.api.types.is_bool_dtype(series.dtype)
    ):
        return series.astype("float64")
    # GX compares dates with bounds vectorised only in nanoseconds; the engine's seconds went
    # value by value (0.85 s of customers' 1.2 s of GX at 10M rows). The same instants, unless
    # one is past what nanoseconds hold (before 1677, after 2262): then left as they are.
    if isinstance(series.dtype, np.dtype) and series.dtype.kind == "M" and series.dtype != "M8[ns]":
        try:
            return series.astype("datetime64[ns]")
        except (OverflowError, ValueError):
            return series
    return series


def relational_frame(data: TableData) -> pd.DataFrame:
    """The table's rows with its parents' columns left-joined in (NaN/None where none match)."""
    frame = data.frame.reset_index(drop=True)
    out = {c: _for_gx(frame[c]) for c in frame.columns}
    for fk, columns in joined_needs(data.spec, data.name, data.pending).values():
        parent = data.rows_of(fk.references.table)
        right = parent[columns].drop_duplicates(subset=fk.references.columns)
        right = right.rename(columns={c: joined_column(fk, c) for c in columns})
        left_on = list(fk.columns)
        right_on = [joined_column(fk, c) for c in fk.references.columns]
        merged = frame[left_on].merge(
            right, how="left", left_on=left_on, right_on=right_on, sort=False
        )
        for c in columns:
            out[joined_column(fk, c)] = _for_gx(merged[joined_column(fk, c)]).reset_index(drop=True)
    return pd.DataFrame(out)


def _datetime(value: dt.datetime) -> dt.datetime:
    return value.replace(tzinfo=None)


def row_count_bounds(spec: Spec, table_name: str, scale: float | None) -> list[tuple]:
    """The table's row-count rules: (expectation class name, kwargs, subject, bound)."""
    table = spec.tables[table_name]
    out = []
    for rule in spec.expectations.row_counts:
        if rule.table == table_name:
            low, high = rule.between
            out.append(
                (
                    "ExpectTableRowCountToBeBetween",
                    {"min_value": low, "max_value": high},
                    "row count",
                    f"[{low:,}, {high:,}]",
                )
            )
    if table.rows is not None and scale is not None:
        rows = round(table.rows * scale)
        if may_drop_rows(table):  # rows failing a CHECK or repeating a key were dropped
            out.append(
                (
                    "ExpectTableRowCountToBeBetween",
                    {"min_value": min(rows, 1), "max_value": rows},
                    "row count",
                    f"1 to {rows:,} (rows x scale, less rows dropped by CHECKs and keys)",
                )
            )
        else:
            out.append(
                (
                    "ExpectTableRowCountToEqual",
                    {"value": rows},
                    "row count",
                    f"{rows:,} (rows x scale)",
                )
            )
    return out


def build_expectations(
    spec: Spec,
    table_name: str,
    *,
    scale: float | None = None,
    pending: Collection[str] = (),
    row_counts: bool = True,
    self_references: bool = True,
) -> list:
    """The table's expectations, each with ``meta`` naming its subject and bound for the report.

    FKs in `pending` (labels; filled later by a links step) get no expectations here. A sample
    of the table leaves out its row counts (counted on every row instead) and its
    self-references (a sampled row's parent row may not be in the sample).
    """
    import great_expectations.expectations as gxe

    table = spec.tables[table_name]
    out: list = []

    def add(expectation, subject: str, bound: str) -> None:
        expectation.meta = {"subject": subject, "bound": bound, "order": len(out)}
        out.append(expectation)

    add(
        gxe.ExpectTableColumnsToMatchSet(column_set=list(table.columns), exact_match=False),
        "columns of the spec present",
        ", ".join(table.columns),
    )
    if row_counts:
        for kind, kwargs, subject, bound in row_count_bounds(spec, table_name, scale):
            add(getattr(gxe, kind)(**kwargs), subject, bound)

    for name, column in table.columns.items():
        column = value_view(column)  # a dependent column's bounds are the relations check's
        if not column.is_nullable:
            add(gxe.ExpectColumnValuesToNotBeNull(column=name), f"{name}: not null", "0 nulls")
        if column.unique or table.primary_key == [name]:
            add(gxe.ExpectColumnValuesToBeUnique(column=name), f"{name}: unique", "0 repeats")
        if column.choice is not None and column.type != "boolean":
            values = list(column.choice.values)
            add(
                gxe.ExpectColumnValuesToBeInSet(column=name, value_set=values),
                f"{name}: in choices",
                ", ".join(map(str, values)),
            )
        low, high = _range(column)
        if low is not None or high is not None:
            add(
                gxe.ExpectColumnValuesToBeBetween(column=name, min_value=low, max_value=high),
                f"{name}: range",
                _range_text(low, high),
            )
        if column.type in STRING_TYPES and column.length is not None:
            add(
                gxe.ExpectColumnValueLengthsToBeBetween(column=name, max_value=column.length),
                f"{name}: length",
                f"<= {column.length}",
            )
        if column.after is not None:
            fk, ref = resolve_after(spec, table_name, column.after)
            other = ref if fk is None else joined_column(fk, ref)
            add(
                gxe.ExpectColumnPairValuesAToBeGreaterThanB(
                    column_A=name,
                    column_B=other,
                    or_equal=True,
                    ignore_row_if="either_value_is_missing",
                ),
                f"{name} >= {column.after}",
                "0 earlier rows",
            )
    keys = [list(table.primary_key)] if len(table.primary_key) > 1 else []
    keys += [list(k) for k in table.unique if len(k) > 1]
    for key in keys:
        add(
            gxe.ExpectCompoundColumnsToBeUnique(column_list=key),
            f"({', '.join(key)}): unique",
            "0 repeats",
        )
    for rule in spec.expectations.rates:
        if rule.table == table_name:
            low, high = rule.between
            add(
                gxe.ExpectColumnMeanToBeBetween(column=rule.column, min_value=low, max_value=high),
                f"{rule.column}: rate",
                f"[{low:g}, {high:g}]",
            )
    for fk in table.foreign_keys:
        if fk.label in pending:
            continue
        if not self_references and fk.references.table == table_name:
            continue
        target = f"{fk.references.table}({', '.join(fk.references.columns)})"

        def equal(column, joined, ignore, subject, bound) -> None:
            pair = gxe.ExpectColumnPairValuesToBeEqual(
                column_A=column, column_B=joined, ignore_row_if=ignore
            )
            add(pair, subject, bound)

        for column, ref in zip(fk.columns, fk.references.columns, strict=True):
            subject = f"{column} in {target} (joined)"
            equal(
                column,
                joined_column(fk, ref),
                "both_values_are_missing",
                subject,
                "0 without a parent",
            )
        if fk.via is not None:
            through, sources = _through(spec, table_name, fk)
            for column, source in zip(fk.columns, sources, strict=True):
                subject = f"{column} = {through.references.table}.{source} via {fk.via}"
                joined = joined_column(through, source)
                equal(column, joined, "either_value_is_missing", subject, "0 disagreeing")
    return out


def _range_text(low: Any, high: Any) -> str:
    def text(value: Any) -> str:
        if isinstance(value, dt.datetime) and value == dt.datetime.combine(value, dt.time()):
            return value.date().isoformat()
        if isinstance(value, float):
            return str(int(value)) if value.is_integer() else f"{value:g}"
        return str(value)

    if high is None:
        return f">= {text(low)}"
    if low is None:
        return f"<= {text(high)}"
    return f"[{text(low)}, {text(high)}]"


def _range(column) -> tuple[Any, Any]:
    if column.between is not None:
        start, end = column.between
        return _datetime(start), _datetime(end)
    dist = column.distribution
    if dist is None:
        return (column.min, column.max) if column.expr is not None else (None, None)
    low, high = column.min, column.max
    if dist.kind == "uniform":
        low = dist.low if low is None else max(low, dist.low)
        high = dist.high if high is None else min(high, dist.high)
        if column.type in INTEGER_TYPES:
            low, high = float(np.floor(low)), float(np.ceil(high))
    elif dist.kind in ("lognormal", "exponential", "poisson") and low is None:
        low = 0.0
    return low, high


def build_suite(
    spec: Spec,
    table_name: str,
    *,
    scale: float | None = None,
    context=None,
    pending: Collection[str] = (),
    sampled: bool = False,
):
    """The table's ``ExpectationSuite``, in `context` (a new ephemeral one when not given)."""
    import great_expectations as gx

    if context is None:
        context = ephemeral_context()
    suite = gx.ExpectationSuite(name=f"{spec.name}.{table_name}")
    expectations = build_expectations(
        spec,
        table_name,
        scale=scale,
        pending=pending,
        row_counts=not sampled,
        self_references=not sampled,
    )
    for expectation in expectations:
        suite.add_expectation(expectation)
    return suite


def ephemeral_context():
    """A GX context that lives in memory only, with progress bars off."""
    import great_expectations as gx
    from great_expectations.data_context.types.base import ProgressBarsConfig

    context = gx.get_context(mode="ephemeral")
    context.variables.progress_bars = ProgressBarsConfig(globally=False)
    return context


def _raised(info: Any) -> str | None:
    """The exception message of an expectation that errored, else None.

    GX 1.x reports ``{"raised_exception": bool, ...}`` or, when a metric failed, a mapping of
    metric ids to such dicts.
    """
    if not isinstance(info, dict):
        return None
    if "raised_exception" in info:
        return str(info.get("exception_message") or "error") if info["raised_exception"] else None
    for value in info.values():
        message = _raised(value)
        if message:
            return message
    return None


def run_suite(frame: pd.DataFrame, suite, context) -> Any:
    """Validate `frame` against `suite` as a pandas dataframe asset of `context`."""
    from great_expectations.execution_engine import pandas_execution_engine

    # GX fingerprints a batch under this many bytes by hashing every value (a batch marker
    # nothing here reads): 0.3 s of each table's 200,000-row sample. Never, then.
    pandas_execution_engine.HASH_THRESHOLD = 0
    source = context.data_sources.add_pandas("seed_assets")
    asset = source.add_dataframe_asset(suite.name)
    batch = asset.add_batch_definition_whole_dataframe("all_rows").get_batch(
        batch_parameters={"dataframe": frame}
    )
    return batch.validate(suite, result_format=RESULT_FORMAT)


def _measure(data: TableData, item, subject: str, bound: str) -> Measurement:
    if _raised(item.exception_info):
        return Measurement(subject, "ERROR", bound, False)
    stats = item.result or {}
    if "unexpected_count" in stats:
        count = int(stats["unexpected_count"] or 0)
        return Measurement(subject, f"{count:,} unexpected", bound, bool(item.success), count)
    observed = stats.get("observed_value")
    if isinstance(observed, list):  # the table's columns
        missing = [c for c in data.table.columns if c not in observed]
        figure = f"missing: {', '.join(missing)}" if missing else "all present"
        return Measurement(subject, figure, bound, bool(item.success), len(missing))
    value = json_value(observed)
    figure = f"{value:.4g}" if isinstance(value, float) else str(value)
    return Measurement(subject, figure, bound, bool(item.success), value)


def _samples(frame: pd.DataFrame, stats: dict, subject: str, have: int) -> list[dict]:
    rows = stats.get("partial_unexpected_index_list") or []
    if rows:
        return sample_rows(frame, rows[: SAMPLE_ROWS - have], extra={"expectation": subject})
    if stats.get("partial_unexpected_list"):
        return [{"expectation": subject, "values": json_value(stats["partial_unexpected_list"])}]
    return []


def gx_suite(
    data: TableData, *, whole_rows: int | None = None, partial: bool = False
) -> CheckResult:
    """Run the table's GX suite; any expectation that raised makes the whole check ERROR.

    With `whole_rows`, `data` is a sample of a table of that many rows: the row-count rules are
    measured on that count, not by GX on the sample. `partial` (a partition of the table) leaves
    them to the whole-table check."""
    sampled = whole_rows is not None or partial
    result = CheckResult(
        data.name,
        "gx_suite",
        ENGINE,
        "Great Expectations suite from the spec: column expectations, plus FK membership, "
        "parent-date order and denormalised FKs on the table joined to its parents.",
    )
    frame = relational_frame(data)
    context = ephemeral_context()
    suite = build_suite(
        data.spec,
        data.name,
        scale=data.scale,
        context=context,
        pending=data.pending,
        sampled=sampled,
    )
    validation = run_suite(frame, suite, context)
    errors: list[str] = []
    measured: list[tuple[int, Measurement]] = []
    for item in validation.results:
        config = item.expectation_config
        meta = config.meta or {}
        subject = meta.get("subject", config.type)
        measurement = _measure(data, item, subject, meta.get("bound", ""))
        measured.append((meta.get("order", len(measured)), measurement))
        raised = _raised(item.exception_info)
        if raised:
            errors.append(f"{subject} ({config.type}): {raised}")
        elif not item.success and len(result.samples) < SAMPLE_ROWS:
            result.samples += _samples(frame, item.result or {}, subject, len(result.samples))
    result.measurements = [m for _, m in sorted(measured, key=lambda pair: pair[0])]
    if whole_rows is not None and not partial:
        counted = [
            Measurement(
                f"{subject} (every row)",
                str(whole_rows),
                bound,
                kwargs["min_value"] <= whole_rows <= kwargs["max_value"]
                if "min_value" in kwargs
                else whole_rows == kwargs["value"],
                whole_rows,
            )
            for _, kwargs, subject, bound in row_count_bounds(data.spec, data.name, data.scale)
        ]
        result.measurements[1:1] = counted
    expected = len(suite.expectations)
    result.counts.update(
        {
            "expectations": expected,
            "failed": sum(not m.passed for m in result.measurements),
            "errored": len(errors),
            "rows": len(frame),
        }
    )
    if len(validation.results) != expected:
        errors.append(f"GX returned {len(validation.results)} results for {expected} expectations")
    if errors:
        result.error = f"{len(errors)} expectation(s) raised instead of evaluating: " + "; ".join(
            errors
        )
    return result
