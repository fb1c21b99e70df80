"""What the database declares beyond values: a column's PostgreSQL domain, a table's CHECKs."""

from __future__ import annotations

from typing import Any

from pydantic import Field

from seed_assets.spec.base import SpecModel


class DomainSpec(SpecModel):
    """A PostgreSQL domain a column is declared with: its name and CHECK (on ``VALUE``)."""

    name: str = Field(description="The domain's name.", examples=["positive_amount"])
    check: str | None = Field(
        None, description="Its CHECK, SQL on `VALUE`.", examples=["VALUE > 0"]
    )


class CheckSpec(SpecModel):
    """A table CHECK constraint, SQL kept verbatim; the forms ``spec/checks.py`` understands
    are also honoured while generating."""

    sql: str = Field(
        min_length=1, description="The CHECK's condition, SQL.", examples=["amount >= 0"]
    )
    name: str | None = Field(
        None, description="The constraint's name.", examples=["amount_not_negative"]
    )


def check_shorthand(value: Any) -> Any:
    return {"sql": value} if isinstance(value, str) else value
