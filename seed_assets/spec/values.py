"""Values a column's source gives must fit the column: checked at load, so that `check` catches
what would otherwise crash `generate` halfway (or be clipped, wrapped or stored mangled).

- a `constant` or each `choice` value is of the column's type and inside its range;
- `between` runs forwards; an integer `distribution`'s bounds lie inside the type;
- a Faker provider is called (seeded) with its params, and gives values of the column's type;
- names differ in more than case (SQLite and MySQL fold the case of column names).
"""

from __future__ import annotations

import datetime as dt
import decimal
import json
import math
import uuid
from typing import Any

from seed_assets.errors import SpecError
from seed_assets.spec.models import (
    INTEGER_BOUNDS,
    INTEGER_TYPES,
    STRING_TYPES,
    TEMPORAL_TYPES,
    ColumnSpec,
    Spec,
)


def check_values(spec: Spec) -> None:
    """Raise SpecError (naming table and column) for the first value that cannot be stored."""
    check_case_collisions(spec)
    for table_name, table in spec.tables.items():
        for column_name, column in table.columns.items():
            try:
                check_column(column, column.locale or spec.locale)
            except ValueError as exc:
                raise SpecError(str(exc), table=table_name, column=column_name) from None


def check_case_collisions(spec: Spec) -> None:
    """Names no database keeps (empty, control characters), and two tables, or two columns
    of a table, whose names differ only in case."""
    for table_name, table in spec.tables.items():
        _name_kept(table_name, "table", table_name)
        for column_name in table.columns:
            _name_kept(column_name, "column", table_name)
    _collide(list(spec.tables), "tables", None)
    for table_name, table in spec.tables.items():
        _collide(list(table.columns), "columns", table_name)


def _name_kept(name: str, what: str, table: str) -> None:
    problem = None
    if not name.strip():
        problem = f"a {what} name is empty or blank; name it"
    elif any(ord(c) < 32 or ord(c) == 127 for c in name):
        problem = f"the {what} name {name!r} holds a control character (NUL, newline...)"
    if problem:
        raise SpecError(problem, table=table if what == "column" else None)


def _collide(names: list[str], what: str, table: str | None) -> None:
    seen: dict[str, str] = {}
    for name in names:
        folded = name.casefold()
        if folded in seen:
            raise SpecError(
                f"{what} {seen[folded]!r} and {name!r} differ only in case; SQLite and MySQL "
                f"fold the case of names, so they would be one {what[:-1]}: rename one",
                table=table,
            )
        seen[folded] = name


def check_column(column: ColumnSpec, locale: str) -> None:
    source = column.source
    if source == "constant" and column.constant is not None:
        fits(column.constant, column, "the constant")
    elif source == "choice" and column.choice is not None:
        for value in column.choice.values:
            if value is not None:
                fits(value, column, "choice value")
    elif source == "between" and column.between is not None:
        low, high = column.between
        if high < low:
            raise ValueError(
                f"`between` is reversed: {high:%Y-%m-%d %H:%M:%S} is before "
                f"{low:%Y-%m-%d %H:%M:%S}; write [earliest, latest]"
            )
    elif source == "distribution":
        _distribution_fits(column)
    elif source == "faker" and column.faker:
        _faker_fits(column, locale)


# Faker params that size each value (pystr max_chars, text max_nb_chars, pylist nb_elements...):
# a huge one makes even the one check call run for minutes.
_SIZE_PARAMS = ("char", "nb", "length", "size", "digits", "elements", "count", "words")
MAX_SIZE_PARAM = 1_000_000


def _range_of(column: ColumnSpec) -> tuple[int, int] | None:
    return INTEGER_BOUNDS.get((column.type, column.unsigned))


def fits(value: Any, column: ColumnSpec, what: str) -> None:
    """Raise ValueError unless `value` can be stored in `column` as it is."""
    kind = column.type
    ok = True
    value = _number_from_text(value, kind)
    if kind in INTEGER_TYPES:
        ok = isinstance(value, int) and not isinstance(value, bool)
        bounds = _range_of(column)
        if ok and bounds and not bounds[0] <= value <= bounds[1]:
            unsigned = " unsigned" if column.unsigned else ""
            raise ValueError(
                f"{what} {value!r} is outside the{unsigned} {kind} range "
                f"[{bounds[0]}, {bounds[1]}]; use a wider type or another value"
            )
    elif kind in ("float", "decimal"):
        ok = isinstance(value, int | float | decimal.Decimal) and not isinstance(value, bool)
        if ok and not math.isfinite(float(value)):
            raise ValueError(f"{what} {value!r} is not a finite number")
        if ok and kind == "decimal" and column.precision is not None:
            whole = column.precision - (column.scale or 0)
            if abs(value) >= 10**whole:
                raise ValueError(
                    f"{what} {value!r} has more than {whole} digits before the point "
                    f"(decimal({column.precision}, {column.scale or 0})); raise `precision`"
                )
    elif kind == "boolean":
        ok = isinstance(value, bool) or (type(value) is int and value in (0, 1))
    elif kind in TEMPORAL_TYPES:
        ok = isinstance(value, dt.date) or (isinstance(value, str) and _is_iso(value))
    elif kind == "uuid":
        ok = isinstance(value, uuid.UUID) or (isinstance(value, str) and _is_uuid(value))
    elif kind in STRING_TYPES:
        ok = isinstance(value, str | int | float | decimal.Decimal) and not isinstance(value, bool)
    elif kind == "json":
        try:
            json.dumps(value, default=_no_default, allow_nan=False)  # NaN is not JSON
        except (TypeError, ValueError):
            ok = False
    if not ok:
        raise ValueError(
            f"{what} {value!r} ({_kind_of(value)}) is not a {kind} value; give a {kind} "
            "or change the column's type"
        )


def _number_from_text(value: Any, kind: str) -> Any:
    """A number written as text ('5', '1.50') for a numeric column is that number (the engine
    converts it); other text stays text, and is refused."""
    if not isinstance(value, str):
        return value
    try:
        if kind in INTEGER_TYPES:
            return int(value.strip())
        if kind in ("float", "decimal"):
            return decimal.Decimal(value.strip())
    except (ValueError, decimal.InvalidOperation):
        return value
    return value


def _no_default(value: Any) -> Any:
    if isinstance(value, dt.date):
        return value.isoformat()
    raise TypeError(type(value).__name__)


def _kind_of(value: Any) -> str:
    return {
        bool: "a boolean",
        int: "an integer",
        float: "a number",
        str: "text",
        list: "a list",
        dict: "a mapping",
    }.get(type(value), type(value).__name__)


def _is_iso(text: str) -> bool:
    try:
        dt.datetime.fromisoformat(text)
    except ValueError:
        return False
    return True


def _is_uuid(text: str) -> bool:
    try:
        uuid.UUID(text)
    except ValueError:
        return False
    return True


def _distribution_fits(column: ColumnSpec) -> None:
    """An integer column's explicit bounds (uniform ends, `min`, `max`) lie inside its type:
    values beyond would be clipped to its largest value, every one alike."""
    bounds = _range_of(column)
    dist = column.distribution
    if column.type == "decimal" and column.precision is not None:
        scale = column.scale or 0
        # 100 for decimal(4, 2): a bound at the edge is the type's own clip (reflection
        # writes it so), beyond it most values would be clipped to 99.99.
        edge = 10 ** (column.precision - scale)
        bounds = (-edge, edge)
    if bounds is None or dist is None:
        return
    ends = []
    if dist.kind == "uniform":
        ends += [("low", dist.low), ("high", dist.high)]
    ends += [(n, v) for n, v in (("min", column.min), ("max", column.max)) if v is not None]
    for name, value in ends:
        # In floats, as the spec gives them: a bigint's edge (2**63-1) is written 9.22e18.
        if not float(bounds[0]) <= float(value) <= float(bounds[1]):
            kind = (
                f"decimal({column.precision}, {column.scale or 0})"
                if column.type == "decimal"
                else f"{'unsigned ' if column.unsigned else ''}{column.type}"
            )
            raise ValueError(
                f"the distribution's {name} ({value:g}) is outside the {kind} range "
                f"[{bounds[0]:g}, {bounds[1]:g}]; use a wider type or narrow the distribution"
            )


def _faker_fits(column: ColumnSpec, locale: str) -> None:
    """Call the provider (seeded) with the column's params; its values must fit the column."""
    from seed_assets.providers.faker_pool import sample_values

    for name, value in column.params.items():
        sized = any(part in name for part in _SIZE_PARAMS)
        if sized and isinstance(value, int | float) and value > MAX_SIZE_PARAM:
            raise ValueError(
                f"params.{name} is {value:,}; a provider's size, length or count is at most "
                f"{MAX_SIZE_PARAM:,} (each value is made in memory, {MAX_SIZE_PARAM:,} is "
                "already a megabyte per value)"
            )
    values = sample_values(column.faker, column.params, locale, n=3)
    sample = next((v for v in values if v is not None), None)
    if sample is None:
        return
    kind = column.type
    if kind in STRING_TYPES:
        if isinstance(sample, bytes | bytearray):
            raise ValueError(f"provider {column.faker!r} gives bytes, not text; pick another")
        return  # text columns take any value's text
    if kind in TEMPORAL_TYPES and isinstance(sample, dt.date):
        return
    if kind in ("float", "decimal") and isinstance(sample, int | float | decimal.Decimal):
        return
    if kind == "json":
        return
    try:
        fits(sample, column, f"provider {column.faker!r} gives")
    except ValueError:
        raise ValueError(
            f"provider {column.faker!r} gives {_kind_of(sample)} values (e.g. {sample!r}), "
            f"which do not fit the column's type ({kind}); pick a provider that gives {kind} "
            "values, or change the type"
        ) from None
