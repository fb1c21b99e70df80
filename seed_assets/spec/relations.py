"""Columns that depend on other columns: conditional sources (`when`), feature-driven events
(`logit`), derived values (`expr`), copies from a referenced row (`copy_of`), and time-of-day
and weekday patterns. The models and their single-column rules; references across tables are
resolved in ``spec/dependencies.py``.
"""

from __future__ import annotations

import math
from typing import Any

from pydantic import Field, field_validator

from seed_assets.spec.base import SpecModel
from seed_assets.spec.distributions import ValueDistribution
from seed_assets.spec.expressions import parse
from seed_assets.spec.value_specs import CHOICE_INPUT, ChoiceSpec, choice_shorthand


class CaseSpec(SpecModel):
    """What one value of `when.on` changes in the column's source (the rest stays)."""

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

    on: str = Field(
        description="A column of this table, or `parent.column` through a foreign key.",
        examples=["account_type", "customers.segment"],
    )
    cases: dict[str, CaseSpec] = Field(
        min_length=1,
        description="Per value of `on`: what changes. Values not listed keep the column's own "
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
    check_expression(column.logit, "logit")
    if column.logit is not None and column.rate is None:
        raise ValueError(
            "`logit` scores rows for an event; add the overall `rate` it is calibrated to"
        )
    if column.when is not None:
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
        or column.when is not None
        or column.logit is not None
        or column.copy_of is not None
    )
