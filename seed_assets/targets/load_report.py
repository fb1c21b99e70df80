"""What a load did: rows written, and each rejected row with the constraint it broke."""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Literal

import pandas as pd

from seed_assets.errors import SeedAssetsError

SHOWN_ERRORS = 20  # rows listed in a message; the result keeps up to KEPT_ERRORS
KEPT_ERRORS = 1000

# What a write does when its table already holds rows, and when the database refuses a row.
IfExists = Literal["fail", "replace", "append"]
OnError = Literal["fail", "continue"]
IF_EXISTS = ("fail", "replace", "append")
ON_ERROR = ("fail", "continue")


class NotApproved(Exception):
    """Raised inside the transaction when `approve()` says no: rolls the table back."""


@dataclass(frozen=True)
class RowError:
    """One row the database refused: where, which constraint, which column and value."""

    table: str
    row: int | None  # 0-based position in the generated table, when known
    constraint: str | None
    column: str | None
    value: object
    message: str

    def describe(self) -> str:
        what = f"constraint {self.constraint}" if self.constraint else "a constraint"
        column = f", column {self.column}={self.value!r}" if self.column else ""
        where = f"row {self.row}" if self.row is not None else "a row"
        return f"{self.table} {where}: {what}{column}: {self.message}"


@dataclass
class WriteResult:
    """A table's load: rows committed and rows rejected (kept only with on_error=continue)."""

    table: str
    rows: int = 0
    rejected: list[RowError] = field(default_factory=list)
    rejected_count: int = 0
    committed: bool = False
    # Called with every refused row (the list keeps the first KEPT_ERRORS): rejects.RejectFile.
    sink: Callable[[RowError], None] | None = field(default=None, repr=False, compare=False)

    def reject(self, error: RowError) -> None:
        self.rejected_count += 1
        if len(self.rejected) < KEPT_ERRORS:
            self.rejected.append(error)
        if self.sink is not None:
            self.sink(error)


def summarise(errors: list[RowError], total: int) -> str:
    lines = [f"  - {e.describe()}" for e in errors[:SHOWN_ERRORS]]
    if total > len(lines):
        lines.append(f"  ... and {total - len(lines)} more")
    return "\n".join(lines)


class LoadError(SeedAssetsError):
    """Rows broke the target's constraints; nothing of the table was committed."""

    def __init__(self, table: str, target: str, errors: list[RowError], total: int) -> None:
        self.table, self.errors, self.total = table, errors, total
        super().__init__(
            f"{total} row(s) of '{table}' were refused by {target}; the table was rolled back "
            f"(use --on-error continue to load the other rows and report these):\n"
            f"{summarise(errors, total)}"
        )


class LoadCancelled(SeedAssetsError):
    """The user asked to stop; the table being written was rolled back."""

    def __init__(self, table: str) -> None:
        self.table = table
        super().__init__(f"cancelled while writing '{table}'; it was rolled back")


def cell_value(frame: pd.DataFrame, column: str | None):
    """The refused row's value in `column`, for its RowError (NaN as None)."""
    value = frame.iloc[0][column] if column in frame.columns else None
    if isinstance(value, float) and value != value:
        return None
    return plain_value(value)


def plain_value(value):
    """A cell as a plain Python value for reports (NumPy scalars and Timestamps converted)."""
    if hasattr(value, "isoformat"):
        return value.isoformat()
    if hasattr(value, "item"):
        return value.item()
    return value


@contextlib.contextmanager
def committing(*results: WriteResult) -> Iterator[None]:
    """Around a write's transaction: it commits, or `approve()` said no (``NotApproved``, the
    transaction rolled back, the refusal swallowed here); each result's ``committed`` says
    which."""
    try:
        yield
    except NotApproved:
        for result in results:
            result.committed = False
        return
    for result in results:
        result.committed = True
