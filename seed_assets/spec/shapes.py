"""The quantile shape of a `between` date: where its values fall across the range."""

from __future__ import annotations

import itertools
from typing import Annotated

from pydantic import AfterValidator, Field


def _check_shape(value: list[float]) -> list[float]:
    if any(b < a for a, b in itertools.pairwise(value)):
        raise ValueError("`shape` fractions must be ascending")
    if value[0] < 0 or value[-1] > 1:
        raise ValueError("`shape` fractions lie between 0 and 1")
    return value


DateShape = Annotated[list[float], Field(min_length=2), AfterValidator(_check_shape)]
