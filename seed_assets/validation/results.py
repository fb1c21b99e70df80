"""What a check returns: measurements (figure against bound), failing samples, or an error.

A check that could not run (an exception, an expectation that errored on the engine) is not a
data failure and never a pass: it is reported as ERROR and counts as failed.
"""

from __future__ import annotations

import datetime as dt
import math
import traceback
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

SAMPLE_ROWS = 5


@dataclass(frozen=True)
class Measurement:
    """One figure a check measured, the bound it must meet, and whether it does."""

    subject: str
    figure: str
    bound: str
    passed: bool
    value: float | int | None = None
    # The bound as numbers, where it is an interval (the HTML report plots value against it).
    low: float | None = None
    high: float | None = None

    def to_dict(self) -> dict[str, Any]:
        out = {
            "subject": self.subject,
            "figure": self.figure,
            "bound": self.bound,
            "status": "PASS" if self.passed else "FAIL",
            "value": self.value,
        }
        if self.low is not None or self.high is not None:
            out.update(low=self.low, high=self.high)
        return out


@dataclass
class CheckResult:
    """The outcome of one rule (``<table>_<rule>``) over one table."""

    table: str
    rule: str
    engine: str
    description: str = ""
    measurements: list[Measurement] = field(default_factory=list)
    samples: list[dict[str, Any]] = field(default_factory=list)
    counts: dict[str, int | float] = field(default_factory=dict)
    error: str | None = None

    @property
    def name(self) -> str:
        return f"{self.table}_{self.rule}"

    @property
    def passed(self) -> bool:
        return self.error is None and all(m.passed for m in self.measurements)

    @property
    def status(self) -> str:
        if self.error is not None:
            return "ERROR"
        return "PASS" if self.passed else "FAIL"

    def failures(self) -> list[str]:
        """One line per failing measurement (or the error), for verdicts and logs."""
        if self.error is not None:
            return [f"{self.name}: ERROR: {self.error}"]
        return [
            f"{self.name}: {m.subject} = {m.figure} (bound {m.bound})"
            for m in self.measurements
            if not m.passed
        ]

    def to_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "table": self.table,
            "rule": self.rule,
            "engine": self.engine,
            "description": self.description,
            "status": self.status,
            "passed": self.passed,
            "error": self.error,
            "measurements": [m.to_dict() for m in self.measurements],
            "counts": {k: json_value(v) for k, v in self.counts.items()},
            "samples": self.samples,
        }


def json_value(value: Any) -> Any:
    """A cell or figure as plain JSON: NaN/NaT as None, dates as ISO text, NumPy as Python."""
    if value is None:
        return None
    if isinstance(value, (pd.Timestamp, dt.datetime, dt.date)):
        return None if pd.isna(value) else value.isoformat()
    if isinstance(value, np.datetime64):
        return None if np.isnat(value) else str(value)
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float):
        return None if math.isnan(value) else value
    if isinstance(value, (str, int, bool)):
        return value
    if isinstance(value, (tuple, list)):
        return [json_value(v) for v in value]
    try:
        if pd.isna(value):
            return None
    except (TypeError, ValueError):
        pass
    return str(value)


def sample_rows(frame: pd.DataFrame, rows, *, extra: dict[str, Any] | None = None) -> list[dict]:
    """Up to SAMPLE_ROWS rows of `frame` (by position) as JSON-ready dicts, row number first."""
    out = []
    for row in list(rows)[:SAMPLE_ROWS]:
        record = {"row": int(row)}
        record.update({c: json_value(v) for c, v in frame.iloc[int(row)].items()})
        if extra:
            record.update(extra)
        out.append(record)
    return out


def fmt_count(n: int | float) -> str:
    return f"{int(n):,}"


def fmt_rate(x: float) -> str:
    return "n/a" if x is None or math.isnan(x) else f"{x:.4%}"


def fmt_num(x: float, digits: int = 3) -> str:
    if x is None or (isinstance(x, float) and math.isnan(x)):
        return "n/a"
    return f"{x:,.{digits}f}"


def describe_error(exc: Exception) -> str:
    """An exception as a check's ERROR: its type, message and the line that raised it."""
    where = traceback.extract_tb(exc.__traceback__)[-1]
    return f"{type(exc).__name__}: {exc} (at {where.name}, line {where.lineno})"
