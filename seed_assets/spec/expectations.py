"""Bounds the data must meet, kept apart from how it is generated (`expectations:`)."""

from __future__ import annotations

from pydantic import Field, model_validator

from seed_assets.spec.base import SpecModel as _Model


class ChildrenPerParent(_Model):
    """Bounds on the mean number of children per parent, through the FK between them."""

    table: str = Field(description="The child table.", examples=["transactions"])
    parent: str = Field(description="The parent table.", examples=["accounts"])
    mean: tuple[float, float] = Field(
        description="[low, high] bounds of the mean children per parent.", examples=[[10, 25]]
    )


class RateBound(_Model):
    """Bounds on the share of true rows of a boolean column (a rare event)."""

    table: str = Field(description="The table.", examples=["transactions"])
    column: str = Field(description="A boolean column.", examples=["is_fraud"])
    between: tuple[float, float] = Field(
        description="[low, high] bounds of the rate.", examples=[[0.005, 0.02]]
    )


class RowCountBound(_Model):
    """Bounds on a table's row count."""

    table: str = Field(description="The table.", examples=["customers"])
    between: tuple[int, int] = Field(
        description="[low, high] bounds of its rows.", examples=[[900, 1100]]
    )


class ExpectationsSpec(_Model):
    """Bounds the data must meet, kept apart from how it is generated."""

    cardinality_tolerance: float = Field(
        0.2,
        gt=0,
        lt=1,
        description="Every driving FK: the mean children per parent within this share of the "
        "distribution's mean.",
        examples=[0.2],
    )
    children_per_parent: list[ChildrenPerParent] = Field(
        default_factory=list,
        description="Bounds on mean children per parent.",
        examples=[[{"table": "transactions", "parent": "accounts", "mean": [10, 25]}]],
    )
    rates: list[RateBound] = Field(
        default_factory=list,
        description="Bounds on rare-event rates (without one, a `rate` column is held to its "
        "rate ± 5 standard errors).",
        examples=[[{"table": "transactions", "column": "is_fraud", "between": [0.005, 0.02]}]],
    )
    row_counts: list[RowCountBound] = Field(
        default_factory=list,
        description="Bounds on row counts.",
        examples=[[{"table": "orders", "between": [500, 5000]}]],
    )

    @model_validator(mode="after")
    def _ordered(self) -> ExpectationsSpec:
        for rule in (*self.children_per_parent, *self.rates, *self.row_counts):
            low, high = rule.mean if isinstance(rule, ChildrenPerParent) else rule.between
            if high < low:
                raise ValueError(f"bounds [{low}, {high}] for table {rule.table!r} are reversed")
        return self
