"""What every spec model shares: no unknown keys, and the date-or-timestamp type."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from pydantic import BaseModel, ConfigDict, WithJsonSchema


class SpecModel(BaseModel):
    """A part of a spec: unknown keys are refused (a typo never passes silently)."""

    model_config = ConfigDict(extra="forbid")


# A date (2020-01-01) or a timestamp (2020-01-01T08:00:00) in YAML; validated as a datetime.
# (A pattern, not format: date-time, which demands a time zone that specs never give.)
DateOrTime = Annotated[
    dt.datetime,
    WithJsonSchema(
        {
            "type": "string",
            "title": "date or timestamp",
            "pattern": r"^\d{4}-\d{2}-\d{2}([T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?)?"
            r"(Z|[+-]\d{2}:?\d{2})?$",
        }
    ),
]
