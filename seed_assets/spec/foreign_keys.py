"""Foreign keys: what they reference and how their values are chosen (driving, copied, plain)."""

from __future__ import annotations

import re
from typing import Annotated, Any

from pydantic import Field, field_validator, model_validator

from seed_assets.spec.base import SpecModel
from seed_assets.spec.distributions import Cardinality

# One column name or a list of them (``primary_key: id``).
NAMES_INPUT = list[str] | str


class ReferenceSpec(SpecModel):
    """What a foreign key references, when written as a mapping instead of `table(column)`."""

    table: str = Field(description="The referenced table.", examples=["customers"])
    columns: list[str] = Field(
        min_length=1,
        description="The referenced columns: the table's primary key or a unique key.",
        examples=[["customer_id"]],
    )


_REFERENCE = re.compile(r"^\s*([\w$]+)\s*\(\s*([\w$\s,]+)\)\s*$")
_REFERENCE_INPUT = (
    ReferenceSpec | Annotated[str, Field(pattern=_REFERENCE.pattern, title="table(column, ...)")]
)


class ForeignKeySpec(SpecModel):
    """A foreign key, and how its values are chosen.

    - with `cardinality`: this FK *drives* the table: each parent gets that many children;
    - with `via`: a denormalised copy, taken from the parent reached through another FK;
    - otherwise each row references a parent chosen uniformly (or none, by null_fraction).
    """

    columns: list[str] = Field(
        min_length=1,
        description="This table's FK column, or a list of them for a composite key.",
        examples=["customer_id", ["order_id", "line_no"]],
    )
    references: ReferenceSpec = Field(
        description="`table(column, ...)`: the parent's primary key or a unique key.",
        examples=["customers(customer_id)"],
    )
    cardinality: Cardinality | None = Field(
        None,
        description="Children per parent row, a distribution; makes this FK drive the table's "
        "row count.",
        examples=["poisson(1.8, min=1)"],
    )
    via: str | None = Field(
        None,
        description="The first column of another FK of this table to copy this one through "
        "(a denormalised key).",
        examples=["account_id"],
    )
    spread: Cardinality | None = Field(
        None,
        description="A non-driving FK: how unevenly parents are picked. Each parent gets a weight "
        "drawn from this children-per-parent distribution; rows pick parents in proportion.",
        examples=[{"kind": "empirical", "counts": {0: 0.2, 1: 0.5, 10: 0.3}}],
    )
    name: str | None = Field(
        None, description="A label for this FK in messages and checks.", examples=["owner"]
    )

    @field_validator("columns", mode="before", json_schema_input_type=NAMES_INPUT)
    @classmethod
    def _one_column(cls, value: Any) -> Any:
        return [value] if isinstance(value, str) else value

    @field_validator("references", mode="before", json_schema_input_type=_REFERENCE_INPUT)
    @classmethod
    def _reference_shorthand(cls, value: Any) -> Any:
        if isinstance(value, str):
            match = _REFERENCE.match(value)
            if not match:
                raise ValueError(f"cannot read reference {value!r}; write 'table(column, ...)'")
            cols = [c.strip() for c in match.group(2).split(",") if c.strip()]
            return {"table": match.group(1), "columns": cols}
        return value

    @model_validator(mode="after")
    def _shape(self) -> ForeignKeySpec:
        if len(self.columns) != len(self.references.columns):
            raise ValueError(
                f"{len(self.columns)} column(s) reference {len(self.references.columns)}; "
                "give one referenced column for each"
            )
        if self.cardinality is not None and self.via is not None:
            raise ValueError("an FK is either driving (`cardinality`) or copied (`via`), not both")
        if self.spread is not None and (self.cardinality is not None or self.via is not None):
            raise ValueError("`spread` shapes a non-driving FK; a driving one has `cardinality`")
        return self

    @property
    def label(self) -> str:
        return self.name or f"{','.join(self.columns)} -> {self.references.table}"
