"""Load a spec file once, validate all of it, and point errors at file, table and column."""

from __future__ import annotations

import math
from typing import Any

from pydantic import ValidationError

from seed_assets.errors import SpecError
from seed_assets.providers.faker_pool import check_locale, check_provider
from seed_assets.spec.distributions import COUNT_POSITIONAL, VALUE_POSITIONAL
from seed_assets.spec.graph import check_spec
from seed_assets.spec.limits import (
    DEFAULT_MAX_ROWS,
    check_raw_shape,
    check_settings,
    check_size,
)
from seed_assets.spec.models import Spec
from seed_assets.spec.values import check_values


def spec_from_dict(data: dict[str, Any], *, source: str = "<spec>") -> Spec:
    """Validate an already parsed spec; the same checks as ``load_spec``."""
    try:
        check_raw_shape(data)
    except SpecError as exc:
        raise exc.located(source) from None
    try:
        spec = Spec.model_validate({**data, "source": source})
    except ValidationError as exc:
        raise _first_error(exc, source, data) from None
    try:
        validate(spec)
    except SpecError as exc:
        raise exc.located(source) from None
    return spec


def validate(spec: Spec) -> None:
    """Cross-table rules and Faker providers (every name must exist and take its params, and
    give values of the column's type), values that fit their columns, sizes within limits."""
    check_settings(spec)  # first: huge cardinalities would make the graph checks crawl
    check_spec(spec)
    try:
        check_locale(spec.locale)
    except ValueError as exc:
        raise SpecError(str(exc)) from None
    for table_name, table in spec.tables.items():
        for column_name, column in table.columns.items():
            if column.faker is None:
                continue
            try:
                check_provider(column.faker, column.params, column.locale or spec.locale)
            except ValueError as exc:
                raise SpecError(str(exc), table=table_name, column=column_name) from None
        _check_unique_feasible(table_name, table, table.rows)
    check_values(spec)
    check_size(spec, 1.0, max_rows=math.inf)  # sequences that overflow at the spec's rows


def check_scale(spec: Spec, scale: float, max_rows: float = DEFAULT_MAX_ROWS) -> None:
    """Root tables at `scale` rows: can their unique columns still be kept, their sequences
    stay inside their types, and the rows in all stay under `max_rows`? Checked before a run
    writes anything, so a scale too large fails up front rather than halfway."""
    try:
        check_size(spec, scale, max_rows=max_rows)
    except SpecError as exc:
        raise exc.located(spec.source or spec.name) from None
    for table_name, table in spec.tables.items():
        if table.rows is None:
            continue
        try:
            _check_unique_feasible(table_name, table, round(table.rows * scale), scale=scale)
        except SpecError as exc:
            raise exc.located(spec.source or spec.name) from None


def _check_unique_feasible(table_name: str, table, rows: int | None, scale: float = 1) -> None:
    for column_name, column in table.columns.items():
        if not column.unique:
            continue
        dist = column.distribution
        if dist is not None and not (
            dist.kind == "uniform" and column.type in ("integer", "bigint")
        ):
            raise SpecError(
                f"`unique: true` cannot be kept by a {dist.kind} distribution (values repeat); "
                "use a sequence, or a uniform distribution over an integer range",
                table=table_name,
                column=column_name,
            )
        if rows is None:
            continue
        distinct = None
        if column.choice is not None:
            distinct = len(column.choice.values)
        elif dist is not None:
            distinct = int(dist.high) - int(dist.low) + 1  # type: ignore[union-attr]
        if distinct is not None and distinct < rows:
            at_scale = f" (rows {table.rows} at scale {scale:g})" if scale != 1 else ""
            raise SpecError(
                f"`unique: true` needs {rows} distinct values{at_scale}, but the source has only "
                f"{distinct}; widen it, or lower `rows`{' or the scale' if at_scale else ''}",
                table=table_name,
                column=column_name,
            )


def _first_error(exc: ValidationError, source: str, data: dict[str, Any]) -> SpecError:
    error = exc.errors()[0]
    loc = list(error["loc"])
    table = column = None
    if len(loc) >= 2 and loc[0] == "tables":
        table = str(loc[1])
        rest = loc[2:]
        if len(rest) >= 2 and rest[0] == "columns":
            column = str(rest[1])
            rest = rest[2:]
        elif len(rest) >= 2 and rest[0] == "foreign_keys" and isinstance(rest[1], int):
            column = _fk_column(data, table, rest[1])
            if column is not None:  # the error names the FK's column; `foreign_keys.0` is noise
                rest = rest[2:]
    else:
        rest = loc
    # Drop pydantic's union-branch names (e.g. 'poisson') that the user never wrote.
    field = ".".join(str(p) for p in rest if not _is_union_tag(p, error))
    message = error["msg"].removeprefix("Value error, ")
    if error["type"] == "extra_forbidden":
        key = str(rest[-1] if rest else loc[-1])
        message = f"unknown key `{key}`{_did_you_mean(key, loc)}"
        field = ".".join(str(p) for p in rest[:-1])
    elif error["type"] == "missing":
        message = f"missing required key `{rest[-1] if rest else loc[-1]}`"
        field = ".".join(str(p) for p in rest[:-1])
    elif error["type"] in _BOUNDS:
        # "Input should be greater than 0" does not say what was written, nor what to write.
        op, limit = _BOUNDS[error["type"]], next(iter(error.get("ctx", {}).values()), "?")
        shown = f"{limit:g}" if isinstance(limit, (int, float)) else str(limit)
        message = f"`{field or 'value'}` is {error.get('input')!r}; it must be {op} {shown}" + (
            " (a count cannot be negative)" if op == ">=" and limit == 0 else ""
        )
        field = ""
    prefix = f"{field}: " if field else ""
    return SpecError(f"{prefix}{message}", source=source, table=table, column=column)


def _did_you_mean(key: str, loc: list) -> str:
    """The closest keys of the model at `loc` (a column's, a table's, the spec's...)."""
    import difflib

    from seed_assets.spec import models

    owner = {
        1: models.Spec,
        3: models.TableSpec,
        5: models.ColumnSpec if len(loc) == 5 and loc[2] == "columns" else None,
    }.get(len(loc))
    if len(loc) == 5 and loc[2] == "foreign_keys":
        owner = models.ForeignKeySpec
    if len(loc) == 2 and loc[0] == "expectations":
        owner = models.ExpectationsSpec
    if owner is None:  # deeper: any model's keys
        names = {
            f
            for m in (models.SequenceSpec, models.ChoiceSpec, models.CheckSpec, models.DomainSpec)
            for f in m.model_fields
        }
    else:
        names = set(owner.model_fields) - {"source"}
    close = difflib.get_close_matches(key, sorted(names), n=2, cutoff=0.6)
    if not close:
        return f" (allowed: {', '.join(sorted(names))})" if len(names) <= 12 else ""
    return "; did you mean " + " or ".join(f"`{c}`" for c in close) + "?"


_BOUNDS = {
    "greater_than": ">",
    "greater_than_equal": ">=",
    "less_than": "<",
    "less_than_equal": "<=",
}


def _fk_column(data: dict[str, Any], table: str, index: int) -> str | None:
    """The first column of the `index`-th FK of `table` as written, to point the error at it."""
    try:
        columns = data["tables"][table]["foreign_keys"][index]["columns"]
    except (KeyError, IndexError, TypeError):
        return None
    first = columns if isinstance(columns, str) else (columns or [None])[0]
    return str(first) if first is not None else None


def _is_union_tag(part: Any, error: dict[str, Any]) -> bool:
    """Pydantic names union branches (`poisson`, `function-before[...]`); users never wrote them."""
    if not isinstance(part, str):
        return False
    return "[" in part or part in COUNT_POSITIONAL or part in VALUE_POSITIONAL
