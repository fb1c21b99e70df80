"""Value sources with their own shape: sequences and weighted choices (and their shorthands)."""

from __future__ import annotations

import math
from typing import Any, Literal

from pydantic import Field, field_validator, model_validator

from seed_assets.spec.base import SpecModel as _Model
from seed_assets.spec.formats import check_sequence_format


class SequenceSpec(_Model):
    """Consecutive numbers, optionally formatted (``CUST{:06d}``) and restarted per parent."""

    start: int = Field(1, description="The first number.", examples=[100])
    step: int = Field(1, ge=1, description="The increment between numbers.", examples=[10])
    format: str | None = Field(
        None,
        description="A Python format with one integer field; makes string ids.",
        examples=["CUST{:06d}"],
    )
    per_parent: bool = Field(
        False,
        description="Restart at `start` for each parent (line numbers in a composite key).",
        examples=[True],
    )

    @field_validator("format")
    @classmethod
    def _one_field(cls, value: str | None) -> str | None:
        if value is not None:
            check_sequence_format(value)  # string.Formatter's reading, one integer field
        return value


class ChoiceSpec(_Model):
    """Values drawn with given probabilities (equal when `weights` is omitted)."""

    values: list[Any] = Field(
        min_length=1, description="The values to draw from.", examples=[["savings", "current"]]
    )
    weights: list[float] | None = Field(
        None,
        description="The probability of each value, in order; they must sum to 1. "
        "Omitted: equal chances.",
        examples=[[0.7, 0.3]],
    )

    @model_validator(mode="after")
    def _weights_fit(self) -> ChoiceSpec:
        if self.weights is not None:
            if len(self.weights) != len(self.values):
                raise ValueError(
                    f"{len(self.values)} values but {len(self.weights)} weights; give one each"
                )
            if any(w < 0 for w in self.weights):
                raise ValueError("weights must not be negative")
            total = sum(self.weights)
            if not math.isclose(total, 1.0, abs_tol=1e-6):
                raise ValueError(f"probabilities sum to {total:g}, not 1; adjust the weights")
        if len({repr(v) for v in self.values}) != len(self.values):
            raise ValueError("choice values repeat; list each value once")
        return self

    @property
    def probabilities(self) -> list[float]:
        return self.weights or [1.0 / len(self.values)] * len(self.values)


# What a user may write for `choice` (see choice_shorthand): the JSON Schema offers all of it.
CHOICE_INPUT = ChoiceSpec | dict[str, float] | list[Any]


def choice_shorthand(value: Any) -> Any:
    """``{retail: .6, sme: .3}`` and ``[a, b]`` are shorthands for ChoiceSpec."""
    if isinstance(value, dict) and not ({"values", "weights"} & set(value)):
        return {"values": list(value), "weights": list(value.values())}
    if isinstance(value, list):
        return {"values": value}
    return value


SEQUENCE_INPUT = SequenceSpec | str | Literal[True]


def sequence_shorthand(value: Any) -> Any:
    if isinstance(value, str):
        return {"format": value}
    if value is True:
        return {}
    return value
