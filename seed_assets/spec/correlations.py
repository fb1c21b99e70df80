"""Correlated columns of a table (`correlations:`): pairs of numeric or date columns with a
target rank (Spearman) correlation, made by a Gaussian copula that keeps each column's own
distribution (``engine/copula.py``). The model and its checks at load.
"""

from __future__ import annotations

import math

import numpy as np
from pydantic import Field, field_validator

from seed_assets.errors import SpecError
from seed_assets.spec.base import SpecModel
from seed_assets.spec.types import NUMERIC_TYPES, TEMPORAL_TYPES

# Sources whose values are drawn independently per row and may be reordered among rows.
REORDERABLE = ("distribution", "between", "choice", "faker")
NUMERIC_OR_TEMPORAL = NUMERIC_TYPES | TEMPORAL_TYPES


class CorrelationSpec(SpecModel):
    """Two columns whose ranks move together (or apart)."""

    columns: tuple[str, str] = Field(
        description="Two numeric or date columns of this table.",
        examples=[["balance", "usual_amount"]],
    )
    rank: float = Field(
        ge=-1,
        le=1,
        description="The target Spearman rank correlation.",
        examples=[0.6],
    )
    tolerance: float = Field(
        0.05,
        gt=0,
        lt=1,
        description="The measured rank correlation may differ by this much (plus 5 standard "
        "errors of the sample it is measured on).",
        examples=[0.05],
    )

    @field_validator("columns")
    @classmethod
    def _two(cls, value: tuple[str, str]) -> tuple[str, str]:
        if value[0] == value[1]:
            raise ValueError(f"a column correlates with itself: {value[0]!r}; name two")
        return value


def pearson_of(rank: float) -> float:
    """The normal correlation whose Spearman correlation is `rank` (for a Gaussian copula)."""
    return 2.0 * math.sin(math.pi * rank / 6.0)


def groups(correlations: list[CorrelationSpec]) -> list[list[str]]:
    """Columns tied by correlations, each group drawn together (in spec order)."""
    out: list[list[str]] = []
    for pair in correlations:
        hits = [g for g in out if set(g) & set(pair.columns)]
        merged = [c for g in hits for c in g]
        merged += [c for c in pair.columns if c not in merged]
        out = [g for g in out if g not in hits] + [merged]
    return out


def matrix(group: list[str], correlations: list[CorrelationSpec]) -> np.ndarray:
    """The normal correlation matrix of one group (pairs not given: 0)."""
    index = {c: i for i, c in enumerate(group)}
    out = np.eye(len(group))
    for pair in correlations:
        a, b = pair.columns
        if a in index and b in index:
            out[index[a], index[b]] = out[index[b], index[a]] = pearson_of(pair.rank)
    return out


def check_correlations(table_name: str, table) -> None:
    """Columns exist, can be reordered, and the correlations are possible together."""
    for pair in table.correlations:
        for name in pair.columns:
            column = table.columns.get(name)
            if column is None:
                raise SpecError(
                    f"`correlations` names {name!r}, which the table does not have",
                    table=table_name,
                )
            if column.type not in NUMERIC_OR_TEMPORAL or column.source not in REORDERABLE:
                raise SpecError(
                    "a correlated column is a number or date drawn on its own (a distribution, "
                    f"`between`, a choice or a Faker provider); this one is a {column.type} "
                    f"from `{column.source}`",
                    table=table_name,
                    column=name,
                )
            if column.unique or column.when is not None or column.copy_of is not None:
                raise SpecError(
                    "a correlated column cannot be unique, conditional or copied",
                    table=table_name,
                    column=name,
                )
    for group in groups(table.correlations):
        if np.linalg.eigvalsh(matrix(group, table.correlations)).min() <= 1e-9:
            raise SpecError(
                f"the correlations among {', '.join(group)} cannot hold together (their matrix "
                "is not positive definite); weaken some of them",
                table=table_name,
            )
