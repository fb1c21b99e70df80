"""Columns that depend on other columns: conditional sources (`when`), feature-driven events
(`logit`), derived values (`expr`), copies from a referenced row (`copy_of`), and time-of-day
and weekday patterns. The models and their single-column rules; references across tables are
resolved in ``spec/dependencies.py``.
"""

from __future__ import annotations

import math
from typing import Any, Literal

from pydantic import Field, field_validator

from seed_assets.spec.base import SpecModel
from seed_assets.spec.distributions import ValueDistribution
from seed_assets.spec.expressions import parse
from seed_assets.spec.value_specs import CHOICE_INPUT, ChoiceSpec, choice_shorthand


class CaseSpec(SpecModel):
    """What one value of `when.column` changes in the column's source (the rest stays)."""

    choice: ChoiceSpec | None = Field(
        None, description="Another choice for these rows.", examples=[{"gold": 0.5, "std": 0.5}]
    )
    distribution: ValueDistribution | None = Field(
        None, description="Another distribution for these rows.", examples=["lognormal(11, 0.8)"]
    )
    rate: float | None = Field(
        None, ge=0, le=1, description="Another event rate for these rows.", examples=[0.03]
    )
    null_fraction: float | None = Field(
        None, ge=0, lt=1, description="Another share of NULLs for these rows.", examples=[0.5]
    )
    min: float | None = Field(None, description="Clip the distribution below.", examples=[0])
    max: float | None = Field(None, description="Clip the distribution above.", examples=[1e6])

    @field_validator("choice", mode="before", json_schema_input_type=CHOICE_INPUT)
    @classmethod
    def _choice(cls, value: Any) -> Any:
        return choice_shorthand(value)


class WhenSpec(SpecModel):
    """A source that depends on another column's value (of this row or a referenced row)."""

    column: str = Field(
        description="A column of this table, or `parent.column` through a foreign key.",
        examples=["account_type", "customers.segment"],
    )
    cases: dict[str, CaseSpec] = Field(
        min_length=1,
        description="Per value of `column`: what changes. Values not listed keep the column's own "
        "source.",
        examples=[{"loan": {"distribution": "lognormal(11, 0.8)"}}],
    )

    @field_validator("cases", mode="before")
    @classmethod
    def _keys_as_text(cls, value: Any) -> Any:
        # YAML reads `1:` and `true:` as numbers and booleans; matched by the column's type.
        if isinstance(value, dict):
            return {_key_text(k): v for k, v in value.items()}
        return value


def _key_text(key: Any) -> str:
    if isinstance(key, bool):
        return "true" if key else "false"
    return str(key)


class CopySpec(SpecModel):
    """This column takes a referenced row's value: always, or in a share of rows."""

    column: str = Field(
        description="`parent.column` through a foreign key (or a column of this row).",
        examples=["products.price"],
    )
    probability: float = Field(
        1.0,
        ge=0,
        le=1,
        description="The share of rows that copy the value exactly.",
        examples=[0.7],
    )
    noise: float | None = Field(
        None,
        gt=0,
        description="The other rows: the copied number times (1 + normal(0, noise)); without "
        "it they take the column's own source.",
        examples=[0.1],
    )


class AggregateSpec(SpecModel):
    """A value made from this row's children: a sum, count, mean, first or last."""

    table: str = Field(
        description="The child table: its driving FK (the one with a `cardinality`) points here.",
        examples=["order_items"],
    )
    function: Literal["sum", "count", "mean", "min", "max"] = Field(
        description="How the children's values combine: `min`/`max` of a date give the first "
        "or last child's.",
        examples=["sum"],
    )
    expr: str | None = Field(
        None,
        description="An expression over the child's own columns (not needed for `count`).",
        examples=["quantity * unit_price"],
    )


def copy_shorthand(value: Any) -> Any:
    return {"column": value} if isinstance(value, str) else value


COPY_INPUT = CopySpec | str


def check_expression(text: str | None, what: str) -> None:
    if text is not None:
        try:
            parse(text)
        except ValueError as exc:
            raise ValueError(f"`{what}`: {exc}") from None


def _weights(values: list[float] | None, size: int, what: str) -> None:
    if values is None:
        return
    if len(values) != size:
        raise ValueError(f"`{what}` takes {size} weights, one each; got {len(values)}")
    if any(v < 0 for v in values) or not math.isfinite(sum(values)) or sum(values) <= 0:
        raise ValueError(f"`{what}` weights must be non-negative with a positive sum")


def check_relations(column: Any, source: str | None) -> None:
    """Single-column rules of the relational fields of a ColumnSpec (see its validator)."""
    kind = column.type
    check_expression(column.expr, "expr")
    aggregate = column.aggregate
    if aggregate is not None:
        check_expression(aggregate.expr, "aggregate.expr")
        if aggregate.function != "count" and aggregate.expr is None:
            raise ValueError(f"`aggregate` {aggregate.function} needs an `expr` over the child")
        if aggregate.function == "count" and kind not in ("integer", "bigint", "smallint"):
            raise ValueError(f"a count of children is an integer, not {kind}")
        if aggregate.expr is not None and any("." in n for n in parse(aggregate.expr).names):
            raise ValueError("`aggregate.expr` reads the child's own columns only")
        if aggregate.expr is not None and parse(aggregate.expr).random:
            raise ValueError("`aggregate.expr` draws nothing at random: it must be recomputable")
    check_expression(column.logit, "logit")
    if column.logit is not None and column.rate is None:
        raise ValueError(
            "`logit` scores rows for an event; add the overall `rate` it is calibrated to"
        )
    if column.when is not None:
        if column.logit is not None and any(c.rate is not None for c in column.when.cases.values()):
            raise ValueError("`logit` decides the event's probability; drop the `when` rates")
        for value, case in column.when.cases.items():
            given = [f for f in ("choice", "distribution", "rate") if getattr(case, f) is not None]
            if given and given != [source]:
                raise ValueError(
                    f"`when` case {value!r} changes `{given[0]}`, but the column's source is "
                    f"`{source}`; a case changes the column's own kind of source"
                )
            if (case.min is not None or case.max is not None) and source != "distribution":
                raise ValueError(f"`when` case {value!r}: `min`/`max` clip a distribution")
    if column.copy_of is not None:
        copy = column.copy_of
        if copy.probability < 1 and copy.noise is None and source is None:
            raise ValueError(
                f"`copy_of` takes {copy.probability:g} of the rows; give the others a source "
                "(or a `noise`)"
            )
        if copy.noise is not None and kind not in ("integer", "bigint", "float", "decimal"):
            raise ValueError(f"`copy_of.noise` scales numbers; the column is {kind}")
    if column.hours is not None or column.weekdays is not None:
        if kind not in ("timestamp", "timestamptz") and column.hours is not None:
            raise ValueError(f"`hours` shapes the time of day of a timestamp, not a {kind}")
        if kind not in ("date", "timestamp", "timestamptz"):
            raise ValueError(f"`weekdays` shapes the day of a date or timestamp, not a {kind}")
    _weights(column.hours, 24, "hours")
    _weights(column.weekdays, 7, "weekdays")


def relational(column: Any) -> bool:
    """Whether the column's values are made after the others of its row (they read them)."""
    return (
        column.expr is not None
        or column.aggregate is not None
        or column.when is not None
        or column.logit is not None
        or column.copy_of is not None
    )


def conditional_rate(column: Any) -> bool:
    """An event whose rate changes by case: its overall rate is checked per case instead."""
    return column.when is not None and any(c.rate is not None for c in column.when.cases.values())


def conditional_nulls(column: Any) -> bool:
    """Nulls whose share changes by case, or follow the values read (derived, copied)."""
    if column.expr is not None or column.copy_of is not None:
        return True
    cases = column.when.cases.values() if column.when is not None else ()
    return any(c.null_fraction is not None for c in cases)


def value_view(column: Any) -> Any:
    """The column as the value checks (Pandera, GX) should read it: a dependent column's
    values are not bounded by its own choice or distribution alone (cases, copies, formulas):
    a choice with cases allows every case's values; other bounds are the `relations` check's."""
    if column.copy_of is not None:
        cleared = {"choice": None, "distribution": None, "min": None, "max": None}
        return column.model_copy(update=cleared)
    if column.expr is not None:  # clipped to its own min and max, which stay
        return column
    if column.when is None:
        return column
    cases = column.when.cases.values()
    update: dict[str, Any] = {}
    if column.choice is not None and any(c.choice is not None for c in cases):
        values = list(column.choice.values)
        for case in cases:
            values += [v for v in (case.choice.values if case.choice else []) if v not in values]
        update["choice"] = ChoiceSpec(values=values)
    if any(c.distribution is not None or c.min is not None or c.max is not None for c in cases):
        update.update(distribution=None, min=None, max=None)
    return column.model_copy(update=update) if update else column
