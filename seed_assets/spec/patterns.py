"""The shape of a date or timestamp column beyond its bounds: how values spread across the
range, which weekdays and hours they fall on. A profile writes these from real data."""

from __future__ import annotations

import math

from pydantic import BaseModel, ConfigDict, Field, model_validator


class DatePattern(BaseModel):
    """Where dates fall: quantiles across the range, weekday and hour weights."""

    model_config = ConfigDict(extra="forbid")

    shape: list[float] | None = Field(
        None,
        min_length=2,
        description="For `between`: quantiles of the values as fractions of the range (0 = its "
        "start, 1 = its end) at equally spaced probabilities; omitted: uniform.",
        examples=[[0, 0.1, 0.5, 0.9, 1]],
    )
    weekdays: list[float] | None = Field(
        None,
        min_length=7,
        max_length=7,
        description="Relative weights of Monday..Sunday; a value moves within its week.",
        examples=[[1, 1, 1, 1, 1, 0.2, 0.1]],
    )
    hours: list[float] | None = Field(
        None,
        min_length=24,
        max_length=24,
        description="Relative weights of the hours 0..23 (timestamps).",
        examples=[[0] * 8 + [1] * 10 + [0] * 6],
    )
    whole_hours: bool = Field(
        False, description="Times on the hour: minutes and seconds zero.", examples=[True]
    )

    @model_validator(mode="after")
    def _valid(self) -> DatePattern:
        if self.shape is not None:
            if any(b < a for a, b in zip(self.shape, self.shape[1:], strict=False)):
                raise ValueError("`shape` fractions must be ascending")
            if self.shape[0] < 0 or self.shape[-1] > 1:
                raise ValueError("`shape` fractions lie between 0 and 1")
        for name in ("weekdays", "hours"):
            weights = getattr(self, name)
            if weights is not None and (
                any(w < 0 or math.isnan(w) for w in weights) or not sum(weights)
            ):
                raise ValueError(f"`{name}` weights must be non-negative, not all zero")
        return self
